package hwdef

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzFiles are the names the fuzz input is split into, at NUL bytes: the
// first part is app.json (the file loaded), the others files it may import.
var fuzzFiles = []string{"app.json", "a.json", "b.json"}

// FuzzLoad loads arbitrary files (with the SDK's mt3620.json and
// mt3620_rdb.json importable from a search file system) and checks that
// Load never panics, that failures are described, and that a loaded
// definition resolves every name and generates a header without panicking.
// Seeds: testdata/fuzz/FuzzLoad and the SDK's own files.
func FuzzLoad(f *testing.F) {
	sdk := fstest.MapFS{}
	for _, name := range []string{"mt3620.json", "mt3620_rdb.json"} {
		b, err := os.ReadFile(filepath.Join(sdkDir, name))
		if err != nil {
			f.Fatal(err)
		}
		sdk[name] = &fstest.MapFile{Data: b}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{}
		for i, part := range bytes.SplitN(data, []byte{0}, len(fuzzFiles)) {
			fsys[fuzzFiles[i]] = &fstest.MapFile{Data: part}
		}
		d, err := LoadFS(fsys, "app.json", sdk)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) && !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("error %q is a %T, not an *Error", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		h := string(d.Header())
		if !strings.Contains(h, "#pragma once\n") {
			t.Fatalf("header without #pragma once:\n%s", h)
		}
		for _, p := range d.Peripherals {
			if !strings.Contains(h, "#define "+p.Name+" ") {
				t.Fatalf("header lacks %s:\n%s", p.Name, h)
			}
		}
		for _, name := range d.Names() {
			chain, err := d.Chain(name)
			if err != nil {
				t.Fatalf("Chain(%s) of a loaded definition: %v", name, err)
			}
			if last := chain[len(chain)-1]; last.MainCoreHeaderValue == "" {
				t.Fatalf("chain of %s ends at %s, which has no MainCoreHeaderValue", name, last.Name)
			}
			v, err := d.Resolve(name)
			switch v.(type) {
			case int, string:
				if err != nil {
					t.Fatalf("Resolve(%s) = %v and %v", name, v, err)
				}
			case nil:
				if err == nil {
					t.Fatalf("Resolve(%s) = nil, nil", name)
				}
			default:
				t.Fatalf("Resolve(%s) = %T", name, v)
			}
			src := manifestWith(`{"Gpio": ["$` + name + `"]}`)
			if out, _, err := ResolveManifest([]byte(src), d); err == nil && bytes.Contains(out, []byte(`"Gpio": ["$`+name)) {
				t.Fatalf("ResolveManifest left $%s in place:\n%s", name, out)
			}
		}
	})
}
