package image

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSRoundTrip(t *testing.T) {
	files := []File{
		{Path: "bin/app", Mode: 0o755, Data: []byte("code")},
		{Path: "app_manifest.json", Mode: 0o644, Data: []byte("{}")},
		{Path: "res/a/b/c.txt", Mode: 0o644, Data: nil},
	}
	b, err := BuildFS(files)
	require.NoError(t, err)
	require.Equal(t, []byte("SFS1"), b[:4])

	fsys, err := ParseFS(b)
	require.NoError(t, err)
	got := fsys.Files()
	require.Len(t, got, 3)
	require.Equal(t, []string{"app_manifest.json", "bin/app", "res/a/b/c.txt"}, []string{got[0].Path, got[1].Path, got[2].Path})

	f, ok := fsys.Lookup("bin/app")
	require.True(t, ok)
	require.Equal(t, uint32(0o755), f.Mode)
	require.Equal(t, []byte("code"), f.Data)
	_, ok = fsys.Lookup("bin")
	require.False(t, ok)
	_, ok = fsys.Lookup("zzz")
	require.False(t, ok)

	// Order of input does not matter; output is canonical.
	rev := []File{files[2], files[1], files[0]}
	b2, err := BuildFS(rev)
	require.NoError(t, err)
	require.Equal(t, b, b2)

	// An empty tree is valid.
	empty, err := BuildFS(nil)
	require.NoError(t, err)
	fsys, err = ParseFS(empty)
	require.NoError(t, err)
	require.Empty(t, fsys.Files())

	var nilFS *FS
	require.Nil(t, nilFS.Files())
	_, ok = nilFS.Lookup("x")
	require.False(t, ok)
}

func TestBuildFSBadPaths(t *testing.T) {
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{""}, "empty path"},
		{[]string{"/bin/app"}, "not a clean relative path"},
		{[]string{"bin/"}, "not a clean relative path"},
		{[]string{"bin//app"}, "not a clean relative path"},
		{[]string{"../etc/passwd"}, "not a clean relative path"},
		{[]string{"bin/../app"}, "not a clean relative path"},
		{[]string{"."}, "not a clean relative path"},
		{[]string{"./app"}, "not a clean relative path"},
		{[]string{"a\x00b"}, "NUL"},
		{[]string{"\xff"}, "not a clean relative path"},
		{[]string{strings.Repeat("a", 256)}, "is 256 bytes, the limit is 255"},
		{[]string{"app", "app"}, `duplicate path "app"`},
		{[]string{"bin", "bin/app"}, `"bin" is a file and also a directory of "bin/app"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.paths, ","), func(t *testing.T) {
			var files []File
			for _, p := range tt.paths {
				files = append(files, File{Path: p})
			}
			_, err := BuildFS(files)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "image fs: ")
		})
	}
	_, err := BuildFS([]File{{Path: strings.Repeat("a", 255)}})
	require.NoError(t, err)
}

func TestParseFSErrors(t *testing.T) {
	entry := func(path string, data string) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(len(path)))
		b = append(b, path...)
		b = binary.LittleEndian.AppendUint32(b, 0o644)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		return append(b, data...)
	}
	tree := func(count uint32, entries ...[]byte) []byte {
		b := binary.LittleEndian.AppendUint32([]byte("SFS1"), count)
		return append(b, bytes.Join(entries, nil)...)
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte("SFS"), "shorter than the 8-byte header"},
		{"bad magic", append([]byte("XFS1"), 0, 0, 0, 0), `magic is "XFS1"`},
		{"count too large", tree(0xFFFFFFFF), "4294967295 entries cannot fit in 0 bytes"},
		{"count too large for entries", tree(2, entry("a", "x")), "2 entries cannot fit in 12 bytes"},
		{"missing entry", tree(2, entry("a", "xyzxyzxyzxyzxyz")), "entry 1 at offset 34: truncated path length"},
		{"trailing bytes", append(tree(1, entry("a", "x")), 0), "1 trailing bytes"},
		{"data overrun", tree(1, entry("a", "xyz")[:13]), "data length 3 overruns the payload (2 bytes left)"},
		{"path overrun", tree(1, []byte{0xFF, 0xFF, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0}), "path of 65535 bytes"},
		{"unsorted", tree(2, entry("b", ""), entry("a", "")), `path "a" is out of order after "b"`},
		{"duplicate", tree(2, entry("a", ""), entry("a", "")), `duplicate path "a"`},
		{"dotdot", tree(1, entry("../x", "")), "not a clean relative path"},
		{"absolute", tree(1, entry("/x", "")), "not a clean relative path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFS(tt.b)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
