package image

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// Field is a named byte range of an image package, for fault injection
// (a campaign flipping every bit of a signature or an SVN).
type Field struct {
	Name           string
	Offset, Length uint32 // from the start of the package
}

// PackageFieldNames are the names FindField accepts.
var PackageFieldNames = []string{"payload", "metadata", "signature", "svn", "component-id", "image-type", "signer"}

// FindField locates a named field of the package b: "payload", "metadata"
// (every section, with its header and trailing length), "signature" (the
// 64-byte ECDSA r‖s), "svn" (the RV section's 4-byte security version),
// "component-id" and "image-type" (in the ID section), "signer" (the SG
// section's key thumbprint).
func FindField(b []byte, name string) (Field, error) {
	if !slices.Contains(PackageFieldNames, name) {
		return Field{}, fmt.Errorf("image field: %q is not one of %s", name, strings.Join(PackageFieldNames, ", "))
	}
	if _, err := ParsePackage(b); err != nil {
		return Field{}, err
	}
	sigAt := uint32(len(b) - SignatureSize)
	mdLen := binary.LittleEndian.Uint32(b[sigAt-u32Len:])
	mdAt := sigAt - mdLen
	switch name {
	case "payload":
		return Field{name, 0, mdAt}, nil
	case "metadata":
		return Field{name, mdAt, mdLen}, nil
	case "signature":
		return Field{name, sigAt, SignatureSize}, nil
	}
	// A section's data: walk the (valid: ParsePackage said so) sections.
	want := map[string]struct {
		id       uint16
		off, len uint32
	}{
		"svn":          {SectionRevocation, 0, 4},
		"component-id": {SectionIdentity, 4, 16},
		"image-type":   {SectionIdentity, 0, 2},
		"signer":       {SectionSigning, 0, 20},
	}[name]
	m := b[mdAt:sigAt]
	off := uint32(8)
	for range binary.LittleEndian.Uint32(m[4:]) {
		id := binary.LittleEndian.Uint16(m[off:])
		n := uint32(binary.LittleEndian.Uint16(m[off+2:]))
		if id == want.id && want.off+want.len <= n {
			return Field{name, mdAt + off + 4 + want.off, want.len}, nil
		}
		off += 4 + n
	}
	return Field{}, fmt.Errorf("image field: the package has no %s (no %s section)", name, SectionName(want.id))
}
