package image

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// GUID is a component or image identifier, held in the Windows (mixed-endian)
// byte order of the real identity section: a little-endian u32, two
// little-endian u16s, then 8 bytes as written.
type GUID [16]byte

// ParseGUID parses the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
// (either case) and returns the GUID in wire byte order.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, fmt.Errorf("image: GUID %q is not in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	var text [16]byte // big-endian (text) order
	groups := [...]struct{ from, to, at int }{{0, 8, 0}, {9, 13, 4}, {14, 18, 6}, {19, 23, 8}, {24, 36, 10}}
	for _, gr := range groups {
		n := (gr.to - gr.from) / 2
		if _, err := hex.Decode(text[gr.at:gr.at+n], []byte(s[gr.from:gr.to])); err != nil {
			return g, fmt.Errorf("image: GUID %q: %w", s, err)
		}
	}
	binary.LittleEndian.PutUint32(g[0:4], binary.BigEndian.Uint32(text[0:4]))
	binary.LittleEndian.PutUint16(g[4:6], binary.BigEndian.Uint16(text[4:6]))
	binary.LittleEndian.PutUint16(g[6:8], binary.BigEndian.Uint16(text[6:8]))
	copy(g[8:], text[8:])
	return g, nil
}

// String returns g in the canonical lower-case text form.
func (g GUID) String() string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(g[0:4]),
		binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]),
		g[8:10], g[10:16])
}

// IsZero reports whether g is the all-zero (nil) GUID.
func (g GUID) IsZero() bool { return g == GUID{} }

// mustGUID parses a GUID constant written in this package's source; it is
// only ever called on literals, which the tests check.
func mustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}
