package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// FSMagic is the first four bytes of a file tree payload, "SFS1".
const FSMagic = "SFS1"

// MaxPathLen is the longest path a file tree entry may have, in bytes.
const MaxPathLen = 255

// fsEntryMin is the smallest entry: path length, a 1-byte path, mode and data length.
const fsEntryMin = 2 + 1 + 4 + 4

// File is one regular file of a payload file tree.
type File struct {
	Path string // relative, slash-separated, e.g. "bin/app"
	Mode uint32 // Unix permission and type bits
	Data []byte
}

// FS is a parsed, read-only payload file tree.
//
// The real platform's payload is ASXipFS, a cramfs derivative; this flat
// list of files is an emulator-defined simplification.
type FS struct {
	files []File // sorted by Path
}

// BuildFS encodes files as a file tree payload, sorted by path; it rejects
// invalid and duplicate paths and files that are also directories of others.
func BuildFS(files []File) ([]byte, error) {
	sorted := slices.Clone(files)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	if err := checkTree(sorted); err != nil {
		return nil, fmt.Errorf("image fs: %w", err)
	}
	out := []byte(FSMagic)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(sorted)))
	for _, f := range sorted {
		if uint64(len(f.Data)) > 0xFFFFFFFF {
			return nil, fmt.Errorf("image fs: file %q is %d bytes, too large", f.Path, len(f.Data))
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(len(f.Path)))
		out = append(out, f.Path...)
		out = binary.LittleEndian.AppendUint32(out, f.Mode)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(f.Data)))
		out = append(out, f.Data...)
	}
	return out, nil
}

// ParseFS parses a file tree payload; the returned FS does not alias b.
func ParseFS(b []byte) (*FS, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("image fs: %d bytes is shorter than the 8-byte header", len(b))
	}
	if string(b[:4]) != FSMagic {
		return nil, fmt.Errorf("image fs: magic is %q, want %q", b[:4], FSMagic)
	}
	b = bytes.Clone(b)
	count := binary.LittleEndian.Uint32(b[4:])
	off := 8
	if uint64(count) > uint64(len(b)-off)/fsEntryMin {
		return nil, fmt.Errorf("image fs: %d entries cannot fit in %d bytes", count, len(b)-off)
	}
	files := make([]File, 0, count)
	for i := uint32(0); i < count; i++ {
		f, n, err := parseFSEntry(b[off:])
		if err != nil {
			return nil, fmt.Errorf("image fs: entry %d at offset %d: %w", i, off, err)
		}
		files = append(files, f)
		off += n
	}
	if off != len(b) {
		return nil, fmt.Errorf("image fs: %d trailing bytes after the last entry", len(b)-off)
	}
	if err := checkTree(files); err != nil {
		return nil, fmt.Errorf("image fs: %w", err)
	}
	return &FS{files: files}, nil
}

// parseFSEntry decodes one entry at the start of b and returns it with its encoded length.
func parseFSEntry(b []byte) (File, int, error) {
	var f File
	if len(b) < 2 {
		return f, 0, errors.New("truncated path length")
	}
	pl := int(binary.LittleEndian.Uint16(b))
	if len(b)-2 < pl+8 {
		return f, 0, fmt.Errorf("path of %d bytes and header overrun the payload (%d bytes left)", pl, len(b)-2)
	}
	f.Path = string(b[2 : 2+pl])
	f.Mode = binary.LittleEndian.Uint32(b[2+pl:])
	dl := binary.LittleEndian.Uint32(b[6+pl:])
	at := 10 + pl
	if uint64(dl) > uint64(len(b)-at) {
		return f, 0, fmt.Errorf("file %q: data length %d overruns the payload (%d bytes left)", f.Path, dl, len(b)-at)
	}
	f.Data = b[at : at+int(dl) : at+int(dl)]
	return f, at + int(dl), nil
}

// checkTree checks that sorted files have valid, strictly increasing paths
// and that no file is also a directory of another.
func checkTree(files []File) error {
	names := make(map[string]bool, len(files))
	for i, f := range files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if i > 0 && files[i-1].Path >= f.Path {
			if files[i-1].Path == f.Path {
				return fmt.Errorf("duplicate path %q", f.Path)
			}
			return fmt.Errorf("path %q is out of order after %q", f.Path, files[i-1].Path)
		}
		names[f.Path] = true
	}
	for _, f := range files {
		for dir := f.Path; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if names[dir] {
				return fmt.Errorf("path %q is a file and also a directory of %q", dir, f.Path)
			}
		}
	}
	return nil
}

// checkPath reports whether p is a valid relative file path.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case len(p) > MaxPathLen:
		return fmt.Errorf("path %.40q... is %d bytes, the limit is %d", p, len(p), MaxPathLen)
	case strings.IndexByte(p, 0) >= 0:
		return fmt.Errorf("path %q contains a NUL byte", p)
	case p == "." || !fs.ValidPath(p):
		return fmt.Errorf("path %q is not a clean relative path (no leading '/', '.', '..' or empty components; UTF-8)", p)
	}
	return nil
}

// Files returns the files of the tree sorted by path; callers must not modify the Data slices.
func (f *FS) Files() []File {
	if f == nil {
		return nil
	}
	return slices.Clone(f.files)
}

// Lookup returns the file with the given path.
func (f *FS) Lookup(path string) (File, bool) {
	if f == nil {
		return File{}, false
	}
	i := sort.Search(len(f.files), func(i int) bool { return f.files[i].Path >= path })
	if i < len(f.files) && f.files[i].Path == path {
		return f.files[i], true
	}
	return File{}, false
}
