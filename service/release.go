package service

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/sphere-emu/sphere-emu/image"
)

// MaxFlashImageSize bounds a flash image given to AddOSRelease.
const MaxFlashImageSize = image.DefaultFlashSize

// AddOSRelease registers the OS of a flash image as a known-good release:
// every boot and OS image package in it (everything but applications),
// each of which must be signed by the platform key. Devices whose
// measurements match a release's digests pass attestation's known-software
// check; the release's version is what their OSVersion claim must say.
func (s *Service) AddOSRelease(flashImage []byte) (OSRelease, error) {
	r, err := s.registerRelease(flashImage, "flash image", false)
	if err != nil {
		return OSRelease{}, fmt.Errorf("service: add OS release: %w", err)
	}
	return r, nil
}

// AddOSReleasePackages registers a release from its OS image packages
// (the same checks as AddOSRelease); source describes where they came from.
func (s *Service) AddOSReleasePackages(source string, packages ...[]byte) (OSRelease, error) {
	var pkgs []*image.Package
	for i, b := range packages {
		p, err := image.ParsePackage(b)
		if err != nil {
			return OSRelease{}, fmt.Errorf("service: add OS release: package %d: %w", i, invalidf("%v", err))
		}
		pkgs = append(pkgs, p)
	}
	r, err := s.insertRelease(source, pkgs, false)
	if err != nil {
		return OSRelease{}, fmt.Errorf("service: add OS release: %w", err)
	}
	return r, nil
}

// registerRelease registers the OS of a flash image; existingOK returns
// an already registered identical release instead of failing.
func (s *Service) registerRelease(flash []byte, source string, existingOK bool) (OSRelease, error) {
	pkgs, err := osPackages(flash)
	if err != nil {
		return OSRelease{}, err
	}
	return s.insertRelease(source, pkgs, existingOK)
}

// osPackages returns the distinct non-application image packages of a
// flash image, read through its locator table (the backup if the primary
// is damaged).
func osPackages(flash []byte) ([]*image.Package, error) {
	if len(flash) > MaxFlashImageSize {
		return nil, invalidf("a flash image of %d bytes exceeds %d", len(flash), MaxFlashImageSize)
	}
	loc, err := image.ParseLocator(flash)
	if err != nil {
		var err2 error
		if len(flash) > image.LocatorBackupOffset {
			loc, err2 = image.ParseLocator(flash[image.LocatorBackupOffset:])
		}
		if loc == nil {
			return nil, invalidf("not a flash image: %v (backup: %v)", err, err2)
		}
	}
	var pkgs []*image.Package
	seen := map[[32]byte]bool{}
	for _, p := range loc.Partitions {
		if p.ImageType == image.ImageTypeInvalid || p.ImageType == image.ImageTypeApplications ||
			p.Type == image.PartitionTypeApplications || p.Length == 0 {
			continue
		}
		data, err := image.PartitionData(flash, p)
		if err != nil {
			return nil, invalidf("%v", err)
		}
		pkg, err := image.ParsePackage(data)
		if err != nil {
			return nil, invalidf("partition %v: %v", p, err)
		}
		if pkg.Metadata.Identity.Type != p.ImageType {
			return nil, invalidf("partition %v holds a %v image", p, pkg.Metadata.Identity.Type)
		}
		d := pkg.Digest()
		if !seen[d] {
			seen[d] = true
			pkgs = append(pkgs, pkg)
		}
	}
	if len(pkgs) == 0 {
		return nil, invalidf("the flash image holds no OS image")
	}
	return pkgs, nil
}

// releaseImage is one checked image of a release being registered.
type releaseImage struct {
	OSImage
	digest [32]byte
	raw    []byte // the package bytes, for over-the-air delivery
}

// insertRelease checks a release's packages and stores it.
func (s *Service) insertRelease(source string, pkgs []*image.Package, existingOK bool) (OSRelease, error) {
	if len(pkgs) == 0 {
		return OSRelease{}, invalidf("a release needs at least one OS image")
	}
	var (
		version string
		images  []releaseImage
		appKeys []image.KeystoreEntry
		types   = map[image.ImageType]bool{}
	)
	for _, p := range pkgs {
		id := p.Metadata.Identity
		what := fmt.Sprintf("%v image %s", id.Type, id.ImageID)
		if id.Type == image.ImageTypeApplications {
			return OSRelease{}, invalidf("%s is an application: add it to a tenant with image add", what)
		}
		if err := p.VerifySignature(s.platformKey); err != nil {
			return OSRelease{}, invalidf("%s is not signed by the platform key: %v", what, err)
		}
		if types[id.Type] {
			return OSRelease{}, invalidf("the release holds two different %v images", id.Type)
		}
		types[id.Type] = true
		if id.Type == image.ImageTypeTrustedKeystore {
			entries, err := image.ParseKeystore(p.Payload)
			if err != nil {
				return OSRelease{}, invalidf("%s: %v", what, err)
			}
			for _, e := range entries {
				if e.Usage&(image.UsageApplications|image.UsageTestApplications) != 0 {
					appKeys = append(appKeys, e)
				}
			}
		} else {
			var sc image.StageConfig
			dec := json.NewDecoder(bytes.NewReader(p.Payload))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&sc); err != nil {
				return OSRelease{}, invalidf("%s: payload is not a stage configuration: %v", what, err)
			}
			switch {
			case sc.Version == "" || len(sc.Version) > 64:
				return OSRelease{}, invalidf("%s: stage configuration has no usable version (%q)", what, sc.Version)
			case version == "":
				version = sc.Version
			case version != sc.Version:
				return OSRelease{}, invalidf("%s says version %q, another image of the release %q", what, sc.Version, version)
			}
		}
		name := ""
		if p.Metadata.Debug != nil {
			name = p.Metadata.Debug.Name
		}
		images = append(images, releaseImage{
			OSImage: OSImage{
				Type:        id.Type.String(),
				TypeNumber:  uint16(id.Type),
				ComponentID: id.ComponentID.String(),
				ImageID:     id.ImageID.String(),
				Name:        name,
				SVN:         p.Metadata.SecurityVersion(),
				Digest:      hex.EncodeToString(digestSlice(p.Digest())),
			},
			digest: p.Digest(),
			raw:    append(append([]byte(nil), p.Signed...), p.Signature[:]...),
		})
	}
	if version == "" {
		return OSRelease{}, invalidf("no image of the release states an OS version (only a keystore?)")
	}
	digests := make([][]byte, len(images))
	for i := range images {
		digests[i] = images[i].digest[:]
	}
	slices.SortFunc(digests, bytes.Compare)
	fp := sha256.Sum256(bytes.Join(digests, nil))

	tx, end, err := s.begin()
	if err != nil {
		return OSRelease{}, err
	}
	defer end()
	var existing int64
	switch err := tx.QueryRowContext(s.ctx, `SELECT id FROM os_releases WHERE fingerprint = ?`, fp[:]).Scan(&existing); {
	case err == nil:
		if !existingOK {
			return OSRelease{}, conflictf("this OS release (version %s) is already registered as release %d", version, existing)
		}
		tx.Rollback()
		return s.osRelease(existing)
	case !errors.Is(err, sql.ErrNoRows):
		return OSRelease{}, err
	}
	res, err := tx.ExecContext(s.ctx, `INSERT INTO os_releases (version, source, fingerprint, added) VALUES (?, ?, ?, ?)`,
		version, source, fp[:], nanos(s.now()))
	if err != nil {
		return OSRelease{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return OSRelease{}, err
	}
	for _, im := range images {
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO os_release_images
			(release_id, image_type, component_id, image_id, svn, digest, name) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, im.TypeNumber, im.ComponentID, im.ImageID, im.SVN, im.digest[:], im.Name); err != nil {
			return OSRelease{}, err
		}
		if err := storeBlob(s, tx, im.digest, im.raw); err != nil {
			return OSRelease{}, err
		}
	}
	for _, k := range appKeys {
		xy := image.PublicKeyBytes(k.PublicKey)
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO trusted_app_keys (release_id, thumbprint, public_key) VALUES (?, ?, ?)`,
			id, k.Thumbprint[:], xy[:]); err != nil {
			return OSRelease{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return OSRelease{}, err
	}
	if err := s.loadReleases(); err != nil {
		return OSRelease{}, err
	}
	return s.osRelease(id)
}

// releaseRef is one registered OS image, as attestation matches it.
type releaseRef struct {
	imageType uint32
	svn       uint32
	version   string
}

// loadReleases rebuilds the in-memory index of the registered OS images:
// releases are few and change rarely, and every attestation looks up
// each of its OS measurements.
func (s *Service) loadReleases() error {
	rows, err := s.db.QueryContext(s.ctx, `SELECT i.digest, i.image_type, i.svn, r.version FROM os_release_images i
		JOIN os_releases r ON i.release_id = r.id ORDER BY r.id`)
	if err != nil {
		return fmt.Errorf("service: load OS releases: %w", err)
	}
	defer rows.Close()
	idx := map[[32]byte][]releaseRef{}
	for rows.Next() {
		var d []byte
		var ref releaseRef
		if err := rows.Scan(&d, &ref.imageType, &ref.svn, &ref.version); err != nil {
			return fmt.Errorf("service: load OS releases: %w", err)
		}
		if len(d) != sha256.Size {
			return fmt.Errorf("service: load OS releases: a digest of %d bytes", len(d))
		}
		idx[[32]byte(d)] = append(idx[[32]byte(d)], ref)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("service: load OS releases: %w", err)
	}
	s.mu.Lock()
	s.releases = idx
	s.mu.Unlock()
	return nil
}

// releasesOf returns the registered OS images with a digest.
func (s *Service) releasesOf(digest []byte) []releaseRef {
	if len(digest) != sha256.Size {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.releases[[32]byte(digest)]
}

func digestSlice(d [32]byte) []byte { return d[:] }

// osRelease reads one release.
func (s *Service) osRelease(id int64) (OSRelease, error) {
	rs, err := s.queryReleases(`WHERE id = ?`, id)
	if err != nil {
		return OSRelease{}, err
	}
	if len(rs) == 0 {
		return OSRelease{}, notFoundf("OS release %d not found", id)
	}
	return rs[0], nil
}

// ListOSReleases returns the registered OS releases, oldest first.
func (s *Service) ListOSReleases() ([]OSRelease, error) {
	rs, err := s.queryReleases(``)
	if err != nil {
		return nil, fmt.Errorf("service: list OS releases: %w", err)
	}
	return rs, nil
}

// queryReleases reads the releases matching a WHERE clause, with their images and keys.
func (s *Service) queryReleases(where string, args ...any) ([]OSRelease, error) {
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, version, source, added FROM os_releases `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	var out []OSRelease
	for rows.Next() {
		var r OSRelease
		var added int64
		if err := rows.Scan(&r.ID, &r.Version, &r.Source, &added); err != nil {
			rows.Close()
			return nil, err
		}
		r.Added = fromNanos(added)
		r.Images = []OSImage{}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		r := &out[i]
		rows, err := s.db.QueryContext(s.ctx, `SELECT image_type, component_id, image_id, name, svn, digest
			FROM os_release_images WHERE release_id = ? ORDER BY image_type`, r.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var im OSImage
			var d []byte
			if err := rows.Scan(&im.TypeNumber, &im.ComponentID, &im.ImageID, &im.Name, &im.SVN, &d); err != nil {
				rows.Close()
				return nil, err
			}
			im.Type = image.ImageType(im.TypeNumber).String()
			im.Digest = hex.EncodeToString(d)
			r.Images = append(r.Images, im)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = s.db.QueryContext(s.ctx, `SELECT thumbprint FROM trusted_app_keys WHERE release_id = ? ORDER BY thumbprint`, r.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var tp []byte
			if err := rows.Scan(&tp); err != nil {
				rows.Close()
				return nil, err
			}
			r.TrustedAppKeys = append(r.TrustedAppKeys, hex.EncodeToString(tp))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
