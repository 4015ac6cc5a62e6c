package service

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// storeBlob keeps an image's bytes for delivery (once per digest).
func storeBlob(s *Service, q querier, digest [32]byte, pkg []byte) error {
	_, err := q.ExecContext(s.ctx, `INSERT OR IGNORE INTO image_blobs (digest, package) VALUES (?, ?)`, digest[:], pkg)
	return err
}

// osImageTypes are the OS images a device updates over the air.
var otaOSTypes = []image.ImageType{image.ImageTypeNormalWorldKernel, image.ImageTypeRootFs}

// Updates answers a device's update check with the complete set of images
// it should run: the kernel and root file system of the OS release with the
// highest kernel security version (the newest registered on a tie), unless
// its group's policy is NoUpdates; and the images of its device group's
// newest deployment, if the policy is UpdateAll. The device installs what it
// lacks.
func (s *Service) Updates(deviceID string, _ api.UpdateCheck) (api.UpdateSet, error) {
	var set api.UpdateSet
	dev, err := s.device(deviceID)
	if err != nil {
		return set, refuse(http.StatusForbidden, api.ReasonUnclaimed, "device %s is not claimed", truncate(deviceID, 16))
	}
	policy := UpdatePolicyAll
	var groupID sql.NullString
	if err := s.db.QueryRowContext(s.ctx, `SELECT device_group_id FROM devices WHERE id = ?`, dev.ID).Scan(&groupID); err != nil {
		return set, err
	}
	if groupID.Valid {
		if err := s.db.QueryRowContext(s.ctx, `SELECT update_policy FROM device_groups WHERE id = ?`, groupID.String).Scan(&policy); err != nil {
			return set, err
		}
	}
	if policy == UpdatePolicyNone {
		return set, nil
	}
	// The OS feed: the release with the highest kernel SVN.
	var relID int64
	err = s.db.QueryRowContext(s.ctx, `SELECT r.id, r.version FROM os_releases r JOIN os_release_images i ON i.release_id = r.id
		WHERE i.image_type = ? ORDER BY i.svn DESC, r.id DESC LIMIT 1`, uint16(image.ImageTypeNormalWorldKernel)).Scan(&relID, &set.OSRelease)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return set, err
	default:
		for _, t := range otaOSTypes {
			var im api.UpdateImage
			var digest []byte
			err := s.db.QueryRowContext(s.ctx, `SELECT i.component_id, i.image_id, i.svn, i.digest, length(b.package)
				FROM os_release_images i JOIN image_blobs b ON b.digest = i.digest WHERE i.release_id = ? AND i.image_type = ?`,
				relID, uint16(t)).Scan(&im.ComponentID, &im.ImageID, &im.SVN, &digest, &im.Size)
			if errors.Is(err, sql.ErrNoRows) {
				continue // the release has no such image, or its bytes predate delivery
			}
			if err != nil {
				return set, err
			}
			im.ImageType, im.SHA256 = uint16(t), digest
			set.Images = append(set.Images, im)
		}
	}
	if policy != UpdatePolicyAll || !groupID.Valid {
		return set, nil
	}
	err = s.db.QueryRowContext(s.ctx, `SELECT id FROM deployments WHERE device_group_id = ? ORDER BY seq DESC LIMIT 1`, groupID.String).Scan(&set.DeploymentID)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	}
	if err != nil {
		return set, err
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT i.component_id, i.id, i.svn, i.digest, length(b.package)
		FROM deployment_images d JOIN images i ON i.id = d.image_id AND i.tenant_id = ?
		JOIN image_blobs b ON b.digest = i.digest WHERE d.deployment_id = ? ORDER BY i.component_id`, dev.TenantID, set.DeploymentID)
	if err != nil {
		return set, err
	}
	defer rows.Close()
	for rows.Next() {
		im := api.UpdateImage{ImageType: uint16(image.ImageTypeApplications)}
		if err := rows.Scan(&im.ComponentID, &im.ImageID, &im.SVN, &im.SHA256, &im.Size); err != nil {
			return set, err
		}
		set.Images = append(set.Images, im)
	}
	return set, rows.Err()
}

// ImagePackage returns the bytes of an image a device may download: one of
// a registered OS release, or of its own tenant.
func (s *Service) ImagePackage(deviceID string, digest []byte) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, invalidf("an image digest is %d bytes, want %d", len(digest), sha256.Size)
	}
	dev, err := s.device(deviceID)
	if err != nil {
		return nil, refuse(http.StatusForbidden, api.ReasonUnclaimed, "device %s is not claimed", truncate(deviceID, 16))
	}
	var pkg []byte
	err = s.db.QueryRowContext(s.ctx, `SELECT b.package FROM image_blobs b WHERE b.digest = ? AND (
		EXISTS (SELECT 1 FROM os_release_images i WHERE i.digest = b.digest) OR
		EXISTS (SELECT 1 FROM images i WHERE i.digest = b.digest AND i.tenant_id = ?))`, digest, dev.TenantID).Scan(&pkg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundf("no image %x for this device", digest)
	}
	if err != nil {
		return nil, fmt.Errorf("service: image: %w", err)
	}
	return pkg, nil
}

// maxUpdateCheckBytes bounds an update check's body.
const maxUpdateCheckBytes = 8 << 10

func (s *Service) handleUpdates(w http.ResponseWriter, r *http.Request) {
	id, err := s.AuthenticateDevice(peerCerts(r))
	if err != nil {
		writeErr(w, err)
		return
	}
	b, err := readBody(r, maxUpdateCheckBytes)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	var check api.UpdateCheck
	if err := DecodeJSON(b, &check); err != nil {
		writeErr(w, malformed(err))
		return
	}
	set, err := s.Updates(id, check)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

func (s *Service) handleImage(w http.ResponseWriter, r *http.Request) {
	id, err := s.AuthenticateDevice(peerCerts(r))
	if err != nil {
		writeErr(w, err)
		return
	}
	digest, err := hex.DecodeString(r.PathValue("digest"))
	if err != nil {
		writeErr(w, malformed(invalidf("the image digest is not hex: %v", err)))
		return
	}
	pkg, err := s.ImagePackage(id, digest)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pkg)
}

// Capability names the service issues (azsphere's), and their numbers.
var issuableCapabilities = map[string]uint16{
	"appDevelopment": image.CapabilityAppDevelopment,
	"fieldServicing": image.CapabilityFieldServicing,
}

// DeviceCapabilityFile issues a signed capability file granting caps
// ("appDevelopment", "fieldServicing") to a claimed device, as azsphere
// device enable-development and capability download ask for. The file is
// bound to the device ID: Pluton refuses it on any other device.
func (s *Service) DeviceCapabilityFile(deviceID string, caps []string) ([]byte, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return nil, fmt.Errorf("service: capability: %w", err)
	}
	if _, err := s.device(id); err != nil {
		return nil, fmt.Errorf("service: capability: %w", err)
	}
	if len(caps) == 0 {
		return nil, fmt.Errorf("service: capability: %w", invalidf("no capability named"))
	}
	var c image.CapabilityFile
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != 64 {
		return nil, fmt.Errorf("service: capability: %w", invalidf("device ID %q", truncate(id, 16)))
	}
	copy(c.DeviceID[:], raw)
	for _, n := range caps {
		v, ok := issuableCapabilities[n]
		if !ok {
			return nil, fmt.Errorf("service: capability: %w", invalidf("%q is not a capability the service issues (appDevelopment, fieldServicing)", n))
		}
		if !slices.Contains(c.Capabilities, v) {
			c.Capabilities = append(c.Capabilities, v)
		}
	}
	file, err := image.BuildCapabilityFile(c, s.capKey, uint64(s.now().Unix()))
	if err != nil {
		return nil, fmt.Errorf("service: capability: %w", err)
	}
	return file, nil
}

// CapabilityRequest is the body of the admin capability route.
type CapabilityRequest struct {
	Capabilities []string `json:"capabilities"`
}

func (s *Service) adminDeviceCapability(w http.ResponseWriter, r *http.Request) {
	var req CapabilityRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	file, err := s.DeviceCapabilityFile(r.PathValue("id"), req.Capabilities)
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(file)
}
