package image

import (
	"errors"
	"fmt"
	"strings"
)

// Report kinds.
const (
	KindFlashImage   = "flash-image"
	KindImagePackage = "image-package"
)

// Values of PackageReport.Signature.
const (
	sigOK            = "ok"
	sigBad           = "bad signature"
	sigUnknownSigner = "unknown signer"
	sigNotChecked    = "not checked"
)

// Report describes a flash image or a lone image package, for `sphere-emu image inspect`.
type Report struct {
	Kind     string          `json:"kind"` // KindFlashImage or KindImagePackage
	Locator  *LocatorReport  `json:"locator,omitempty"`
	Packages []PackageReport `json:"packages"`
}

// LocatorReport describes the locator table a flash image was read with.
type LocatorReport struct {
	Table       string            `json:"table"`                  // "primary" or "backup (primary: <error>)"
	BackupError string            `json:"backup_error,omitempty"` // why the backup table is unusable, when the primary is used
	FlashSize   uint32            `json:"flash_size"`
	Partitions  []PartitionReport `json:"partitions"`
}

// PartitionReport describes one locator table entry.
type PartitionReport struct {
	Name      string `json:"name"` // short name from PartitionNames, e.g. "secmon-backup"
	Type      string `json:"type"`
	ImageType string `json:"image_type,omitempty"`
	Offset    uint32 `json:"offset"`
	Size      uint32 `json:"size"`
	Length    uint32 `json:"length"`
}

// PackageReport describes one image package and the result of checking its signature.
type PackageReport struct {
	Partition   string   `json:"partition,omitempty"` // partition name from PartitionNames, for a package inside a flash image
	Offset      uint32   `json:"offset,omitempty"`    // partition offset in flash
	ImageType   string   `json:"image_type"`
	ComponentID string   `json:"component_id"`
	ImageID     string   `json:"image_id"`
	Name        string   `json:"name"`
	BuildDate   uint64   `json:"build_date"` // Unix seconds
	SVN         uint32   `json:"svn"`
	Sections    []string `json:"sections"`
	Signer      string   `json:"signer"`       // SG thumbprint, upper-case hex
	SignerKnown string   `json:"signer_known"` // where the signer's key was found, e.g. "keystore: platform"; "" if unknown
	Signature   string   `json:"signature"`    // "ok", "bad signature", "unknown signer" or "not checked"
	Error       string   `json:"error,omitempty"`
	PayloadSize int      `json:"payload_size"`
	Files       []string `json:"files,omitempty"` // paths of an Applications payload file tree
	Keys        []string `json:"keys,omitempty"`  // entries of a TrustedKeystore payload: "THUMBPRINT (usage)"
}

// trustedKey is a key Inspect may check signatures with, and where it came from.
type trustedKey struct {
	KeystoreEntry
	source string
}

// Inspect describes b, which is either a flash image (recognised by a
// locator table magic at LocatorOffset or LocatorBackupOffset) or a lone
// image package.
//
// Signatures are checked against trusted and, for a flash image, against
// the entries of its own keystore partition if that keystore parses and is
// signed by one of its own or trusted's platform keys. (The device instead
// anchors the keystore in the platform key hash held in fuses.) Damage to a
// package or partition is reported in its PackageReport; Inspect returns an
// error only when a flash image has no usable locator table.
func Inspect(b []byte, trusted []KeystoreEntry) (*Report, error) {
	var trust []trustedKey
	for _, e := range trusted {
		trust = append(trust, trustedKey{e, "trusted"})
	}
	if !isFlashImage(b) {
		return &Report{Kind: KindImagePackage, Packages: []PackageReport{inspectPackage(b, trust)}}, nil
	}
	return inspectFlash(b, trust)
}

// isFlashImage reports whether either locator table copy starts with its magic.
func isFlashImage(b []byte) bool {
	hasMagic := func(off int) bool {
		return len(b) >= off+len(LocatorMagic) && string(b[off:off+len(LocatorMagic)]) == LocatorMagic
	}
	return hasMagic(LocatorOffset) || hasMagic(LocatorBackupOffset)
}

func inspectFlash(b []byte, trust []trustedKey) (*Report, error) {
	lr := &LocatorReport{Table: "primary"}
	loc, perr := ParseLocator(b[LocatorOffset:])
	backup, berr := parseBackupLocator(b)
	switch {
	case perr == nil:
		if berr != nil {
			lr.BackupError = berr.Error()
		}
	case berr == nil:
		loc = backup
		lr.Table = fmt.Sprintf("backup (primary: %v)", perr)
	default:
		return nil, fmt.Errorf("image inspect: no usable locator table: primary: %v; backup: %v", perr, berr)
	}
	lr.FlashSize = loc.FlashSize
	names := PartitionNames(loc)
	for i, p := range loc.Partitions {
		pr := PartitionReport{Name: names[i], Type: p.Type.String(), Offset: p.Offset, Size: p.Size, Length: p.Length}
		if p.ImageType != 0 {
			pr.ImageType = p.ImageType.String()
		}
		lr.Partitions = append(lr.Partitions, pr)
	}
	r := &Report{Kind: KindFlashImage, Locator: lr, Packages: []PackageReport{}}

	trust = append(keystoreTrust(b, loc, trust), trust...)
	for i, p := range loc.Partitions {
		if p.Length == 0 || p.Type == PartitionTypeLocatorTable || p.Type == PartitionTypeLocatorTableBackup {
			continue
		}
		var pr PackageReport
		if data, err := PartitionData(b, p); err != nil {
			pr = PackageReport{ImageType: p.ImageType.String(), Signature: sigNotChecked, Error: err.Error()}
		} else {
			pr = inspectPackage(data, trust)
			if pr.ImageType != "" && pr.ImageType != p.ImageType.String() {
				pr.addError(fmt.Sprintf("locator says the partition holds a %v image", p.ImageType))
			}
		}
		pr.Partition, pr.Offset = names[i], p.Offset
		r.Packages = append(r.Packages, pr)
	}
	return r, nil
}

// parseBackupLocator parses the backup locator table of a flash image file.
func parseBackupLocator(b []byte) (*Locator, error) {
	if len(b) <= LocatorBackupOffset {
		return nil, fmt.Errorf("image locator: backup table at 0x%x is past the end of the file (0x%x)", LocatorBackupOffset, len(b))
	}
	return ParseLocator(b[LocatorBackupOffset:])
}

// keystoreTrust returns the entries of the flash image's keystore, or nil
// if the keystore is missing, damaged, or not signed by a platform key it
// or trust holds.
func keystoreTrust(b []byte, loc *Locator, trust []trustedKey) []trustedKey {
	part, ok := loc.Find(PartitionTypeFirmware, ImageTypeTrustedKeystore)
	if !ok {
		return nil
	}
	data, err := PartitionData(b, part)
	if err != nil {
		return nil
	}
	pkg, err := ParsePackage(data)
	if err != nil || pkg.Metadata.Identity.Type != ImageTypeTrustedKeystore {
		return nil
	}
	entries, err := ParseKeystore(pkg.Payload)
	if err != nil {
		return nil
	}
	var own []trustedKey
	for _, e := range entries {
		own = append(own, trustedKey{e, "keystore"})
	}
	k, ok := findSigner(append(own, trust...), pkg.Metadata.Signing.Thumbprint, UsagePlatform)
	if !ok || k.Usage&UsagePlatform == 0 || pkg.VerifySignature(k.PublicKey) != nil {
		return nil
	}
	return own
}

// findSigner returns the trusted key with thumbprint tp, preferring one whose usage includes want.
func findSigner(trust []trustedKey, tp [20]byte, want KeyUsage) (trustedKey, bool) {
	var found *trustedKey
	for i := range trust {
		if trust[i].Thumbprint != tp || trust[i].PublicKey == nil {
			continue
		}
		if trust[i].Usage&want != 0 {
			return trust[i], true
		}
		if found == nil {
			found = &trust[i]
		}
	}
	if found == nil {
		return trustedKey{}, false
	}
	return *found, true
}

// inspectPackage parses and checks one image package.
func inspectPackage(b []byte, trust []trustedKey) PackageReport {
	p, err := ParsePackage(b)
	if err != nil {
		return PackageReport{Signature: sigNotChecked, Error: err.Error()}
	}
	md := p.Metadata
	t := md.Identity.Type
	r := PackageReport{
		ImageType:   t.String(),
		ComponentID: md.Identity.ComponentID.String(),
		ImageID:     md.Identity.ImageID.String(),
		SVN:         md.SecurityVersion(),
		Sections:    md.SectionNames(),
		Signer:      fmt.Sprintf("%X", md.Signing.Thumbprint),
		PayloadSize: len(p.Payload),
	}
	if md.Debug != nil {
		r.Name, r.BuildDate = md.Debug.Name, md.Debug.BuildDate
	}

	need := RequiredUsage(t)
	k, ok := findSigner(trust, md.Signing.Thumbprint, need)
	switch {
	case !ok:
		r.Signature = sigUnknownSigner
	default:
		r.SignerKnown = k.source + ": " + k.Usage.String()
		if err := p.VerifySignature(k.PublicKey); err != nil {
			r.Signature = sigBad
			if !errors.Is(err, ErrBadSignature) {
				r.addError(err.Error())
			}
		} else {
			r.Signature = sigOK
			if k.Usage&need == 0 {
				r.addError(fmt.Sprintf("signer's usage (%v) does not allow signing %v images", k.Usage, t))
			}
		}
	}

	switch t {
	case ImageTypeApplications:
		fsys, err := ParseFS(p.Payload)
		if err != nil {
			r.addError("payload: " + err.Error())
			break
		}
		for _, f := range fsys.Files() {
			r.Files = append(r.Files, f.Path)
		}
	case ImageTypeTrustedKeystore:
		entries, err := ParseKeystore(p.Payload)
		if err != nil {
			r.addError("payload: " + err.Error())
			break
		}
		for _, e := range entries {
			r.Keys = append(r.Keys, fmt.Sprintf("%X (%v)", e.Thumbprint, e.Usage))
		}
	}
	return r
}

// addError appends msg to the report's error text.
func (r *PackageReport) addError(msg string) {
	if r.Error == "" {
		r.Error = msg
		return
	}
	r.Error = strings.Join([]string{r.Error, msg}, "; ")
}
