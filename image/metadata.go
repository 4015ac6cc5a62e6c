package image

import (
	"encoding/binary"
	"fmt"
)

// Metadata section ids: two ASCII characters read as a little-endian u16
// (reference §9).
const (
	SectionIdentity    uint16 = 0x4449 // "ID"
	SectionSigning     uint16 = 0x4753 // "SG"
	SectionDebug       uint16 = 0x4244 // "DB"
	SectionTemporary   uint16 = 0x5054 // "TP"
	SectionABIDepends  uint16 = 0x444E // "ND"
	SectionABIProvides uint16 = 0x504E // "NP"
	SectionRevocation  uint16 = 0x5652 // "RV"
)

// MetadataMagic is the first u32 of the metadata block, "4X4M" (reference §9).
const MetadataMagic uint32 = 0x4D345834

// SigningTypeECDsa256 is the SG signing type for ECDSA P-256 with SHA-256.
const SigningTypeECDsa256 uint32 = 1

// Values of the TP (temporary image) section.
const (
	TemporaryNone             uint32 = 0
	TemporaryRemoveAtBoot     uint32 = 1
	TemporaryUnderDevelopment uint32 = 2
)

// ABI identity types used in ND and NP sections (reference §2.1).
const (
	ABISecureWorldRuntime uint32 = 1
	ABIOSRuntime          uint32 = 2
	ABIApplicationRuntime uint32 = 3
)

// ApplicationRuntimeVersion is the ApplicationRuntime ABI version the
// emulated OS provides and apps built by BuildApp depend on by default.
const ApplicationRuntimeVersion uint32 = 1

// Fixed lengths of the known sections.
const (
	identityLen  = 36
	signingLen   = 24
	debugLen     = 40
	debugNameLen = 32
	u32Len       = 4
	abiEntryLen  = 8
)

// Identity is the ID section: what an image is and which component it belongs to.
type Identity struct {
	Type        ImageType
	ComponentID GUID
	ImageID     GUID
}

// SigningInfo is the SG section: who signed the image and how.
type SigningInfo struct {
	Thumbprint  [20]byte
	SigningType uint32
}

// Debug is the DB section: build date (Unix seconds) and a short name of at most 31 bytes.
type Debug struct {
	BuildDate uint64
	Name      string
}

// ABI is one entry of an ND (depends) or NP (provides) section.
type ABI struct {
	Version  uint32
	Identity uint32
}

// RawSection is a metadata section this package does not interpret.
type RawSection struct {
	ID   uint16
	Data []byte
}

// Metadata is the decoded metadata block of an image package.
type Metadata struct {
	Identity  *Identity
	Signing   *SigningInfo
	Debug     *Debug
	Temporary *uint32 // TP flag: TemporaryNone, TemporaryRemoveAtBoot or TemporaryUnderDevelopment
	Depends   []ABI   // ND section; nil when absent
	Provides  []ABI   // NP section; nil when absent
	SVN       *uint32 // RV section: the SecurityVersionNumber
	Unknown   []RawSection
}

// SecurityVersion returns the anti-rollback security version number, 0 when there is no RV section.
func (md Metadata) SecurityVersion() uint32 {
	if md.SVN == nil {
		return 0
	}
	return *md.SVN
}

// SectionName returns the two-character name of a section id, or its hex value if not printable.
func SectionName(id uint16) string {
	lo, hi := byte(id), byte(id>>8)
	if lo >= 0x21 && lo <= 0x7e && hi >= 0x21 && hi <= 0x7e {
		return string([]byte{lo, hi})
	}
	return fmt.Sprintf("0x%04x", id)
}

// SectionNames lists the sections md holds, in the order marshalMetadata writes them.
func (md Metadata) SectionNames() []string {
	var names []string
	add := func(present bool, id uint16) {
		if present {
			names = append(names, SectionName(id))
		}
	}
	add(md.Identity != nil, SectionIdentity)
	add(md.Signing != nil, SectionSigning)
	add(md.Debug != nil, SectionDebug)
	add(md.Temporary != nil, SectionTemporary)
	add(md.Depends != nil, SectionABIDepends)
	add(md.Provides != nil, SectionABIProvides)
	add(md.SVN != nil, SectionRevocation)
	for _, s := range md.Unknown {
		names = append(names, SectionName(s.ID))
	}
	return names
}

func isKnownSection(id uint16) bool {
	switch id {
	case SectionIdentity, SectionSigning, SectionDebug, SectionTemporary,
		SectionABIDepends, SectionABIProvides, SectionRevocation:
		return true
	}
	return false
}

// marshalMetadata encodes md as a complete metadata block, including the
// magic and the trailing length, with sections in the order ID, SG, DB, TP,
// ND, NP, RV, then the unknown sections as given.
func marshalMetadata(md Metadata) ([]byte, error) {
	type section struct {
		id   uint16
		data []byte
	}
	var secs []section
	if md.Identity != nil {
		d := make([]byte, identityLen)
		binary.LittleEndian.PutUint16(d[0:], uint16(md.Identity.Type))
		copy(d[4:20], md.Identity.ComponentID[:])
		copy(d[20:36], md.Identity.ImageID[:])
		secs = append(secs, section{SectionIdentity, d})
	}
	if md.Signing != nil {
		d := make([]byte, signingLen)
		copy(d, md.Signing.Thumbprint[:])
		binary.LittleEndian.PutUint32(d[20:], md.Signing.SigningType)
		secs = append(secs, section{SectionSigning, d})
	}
	if md.Debug != nil {
		if err := checkDebugName(md.Debug.Name); err != nil {
			return nil, err
		}
		d := make([]byte, debugLen)
		binary.LittleEndian.PutUint32(d[0:], uint32(md.Debug.BuildDate))
		binary.LittleEndian.PutUint32(d[4:], uint32(md.Debug.BuildDate>>32))
		copy(d[8:], md.Debug.Name)
		secs = append(secs, section{SectionDebug, d})
	}
	if md.Temporary != nil {
		secs = append(secs, section{SectionTemporary, binary.LittleEndian.AppendUint32(nil, *md.Temporary)})
	}
	for _, abi := range []struct {
		id   uint16
		list []ABI
	}{{SectionABIDepends, md.Depends}, {SectionABIProvides, md.Provides}} {
		if abi.list == nil {
			continue
		}
		if len(abi.list) > (0xFFFF-u32Len)/abiEntryLen {
			return nil, fmt.Errorf("metadata section %q: %d ABI entries do not fit in a section", SectionName(abi.id), len(abi.list))
		}
		d := binary.LittleEndian.AppendUint32(nil, uint32(len(abi.list)))
		for _, a := range abi.list {
			d = binary.LittleEndian.AppendUint32(d, a.Version)
			d = binary.LittleEndian.AppendUint32(d, a.Identity)
		}
		secs = append(secs, section{abi.id, d})
	}
	if md.SVN != nil {
		secs = append(secs, section{SectionRevocation, binary.LittleEndian.AppendUint32(nil, *md.SVN)})
	}
	seen := make(map[uint16]bool)
	for _, s := range md.Unknown {
		if isKnownSection(s.ID) {
			return nil, fmt.Errorf("unknown-section list holds known section %q", SectionName(s.ID))
		}
		if seen[s.ID] {
			return nil, fmt.Errorf("duplicate metadata section %q", SectionName(s.ID))
		}
		seen[s.ID] = true
		if len(s.Data) > 0xFFFF {
			return nil, fmt.Errorf("metadata section %q is %d bytes, the limit is 65535", SectionName(s.ID), len(s.Data))
		}
		secs = append(secs, section{s.ID, s.Data})
	}

	out := binary.LittleEndian.AppendUint32(nil, MetadataMagic)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(secs)))
	for _, s := range secs {
		out = binary.LittleEndian.AppendUint16(out, s.id)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(s.data)))
		out = append(out, s.data...)
	}
	return binary.LittleEndian.AppendUint32(out, uint32(len(out)+u32Len)), nil
}

// checkDebugName reports whether name fits the NUL-padded 32-byte DB name field.
func checkDebugName(name string) error {
	if len(name) > debugNameLen-1 {
		return fmt.Errorf("debug name %q is %d bytes, the limit is %d", name, len(name), debugNameLen-1)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return fmt.Errorf("debug name %q contains a NUL byte", name)
		}
	}
	return nil
}

// parseMetadata decodes a complete metadata block m (magic through trailing
// length). It rejects unknown magic, duplicate sections, sections whose
// length is wrong for their id, and a section count that does not match the
// bytes present. Offsets in errors are m's offsets plus base.
func parseMetadata(m []byte, base int) (Metadata, error) {
	var md Metadata
	if len(m) < 12 {
		return md, fmt.Errorf("metadata is %d bytes, shorter than the 12-byte minimum", len(m))
	}
	if magic := binary.LittleEndian.Uint32(m); magic != MetadataMagic {
		return md, fmt.Errorf("metadata magic is 0x%08x, want 0x%08x", magic, MetadataMagic)
	}
	count := binary.LittleEndian.Uint32(m[4:])
	end := len(m) - u32Len // the trailing metadata length
	off := 8
	seen := make(map[uint16]bool)
	for i := uint32(0); i < count; i++ {
		if end-off < 4 {
			return md, fmt.Errorf("metadata declares %d sections but ends after %d", count, i)
		}
		id := binary.LittleEndian.Uint16(m[off:])
		n := int(binary.LittleEndian.Uint16(m[off+2:]))
		if n > end-off-4 {
			return md, fmt.Errorf("metadata section %q at offset %d overruns metadata (len %d, %d left)", SectionName(id), base+off, n, end-off-4)
		}
		data := m[off+4 : off+4+n]
		if seen[id] {
			return md, fmt.Errorf("metadata section %q at offset %d is a duplicate", SectionName(id), base+off)
		}
		seen[id] = true
		if err := md.decodeSection(id, data); err != nil {
			return md, fmt.Errorf("metadata section %q at offset %d: %w", SectionName(id), base+off, err)
		}
		off += 4 + n
	}
	if off != end {
		return md, fmt.Errorf("metadata has %d bytes after its %d declared sections", end-off, count)
	}
	return md, nil
}

// decodeSection stores the decoded section id into md.
func (md *Metadata) decodeSection(id uint16, d []byte) error {
	wantLen := func(n int) error {
		if len(d) != n {
			return fmt.Errorf("length is %d, want %d", len(d), n)
		}
		return nil
	}
	switch id {
	case SectionIdentity:
		if err := wantLen(identityLen); err != nil {
			return err
		}
		if r := binary.LittleEndian.Uint16(d[2:]); r != 0 {
			return fmt.Errorf("reserved field is 0x%04x, want 0", r)
		}
		ident := &Identity{Type: ImageType(binary.LittleEndian.Uint16(d))}
		copy(ident.ComponentID[:], d[4:20])
		copy(ident.ImageID[:], d[20:36])
		md.Identity = ident
	case SectionSigning:
		if err := wantLen(signingLen); err != nil {
			return err
		}
		sg := &SigningInfo{SigningType: binary.LittleEndian.Uint32(d[20:])}
		copy(sg.Thumbprint[:], d[:20])
		md.Signing = sg
	case SectionDebug:
		if err := wantLen(debugLen); err != nil {
			return err
		}
		name := d[8:]
		n := 0
		for n < len(name) && name[n] != 0 {
			n++
		}
		if n == len(name) {
			return fmt.Errorf("name is not NUL-terminated within %d bytes", debugNameLen)
		}
		for _, c := range name[n:] {
			if c != 0 {
				return fmt.Errorf("name %q is followed by non-zero padding", name[:n])
			}
		}
		md.Debug = &Debug{
			BuildDate: uint64(binary.LittleEndian.Uint32(d)) | uint64(binary.LittleEndian.Uint32(d[4:]))<<32,
			Name:      string(name[:n]),
		}
	case SectionTemporary:
		if err := wantLen(u32Len); err != nil {
			return err
		}
		v := binary.LittleEndian.Uint32(d)
		md.Temporary = &v
	case SectionRevocation:
		if err := wantLen(u32Len); err != nil {
			return err
		}
		v := binary.LittleEndian.Uint32(d)
		md.SVN = &v
	case SectionABIDepends, SectionABIProvides:
		if len(d) < u32Len {
			return fmt.Errorf("length is %d, shorter than the 4-byte count", len(d))
		}
		count := binary.LittleEndian.Uint32(d)
		if uint64(len(d)) != u32Len+uint64(count)*abiEntryLen {
			return fmt.Errorf("length is %d, want %d for %d entries", len(d), u32Len+uint64(count)*abiEntryLen, count)
		}
		list := make([]ABI, count)
		for i := range list {
			e := d[u32Len+i*abiEntryLen:]
			list[i] = ABI{Version: binary.LittleEndian.Uint32(e), Identity: binary.LittleEndian.Uint32(e[4:])}
		}
		if id == SectionABIDepends {
			md.Depends = list
		} else {
			md.Provides = list
		}
	default:
		md.Unknown = append(md.Unknown, RawSection{ID: id, Data: d})
	}
	return nil
}
