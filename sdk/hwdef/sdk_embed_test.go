package hwdef

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	sphereemu "github.com/sphere-emu/sphere-emu"
)

// TestBundledSDK checks that the SDK bundled in sphere-emu (sphereemu.SDK,
// which `sphere-emu sdk` unpacks) holds exactly the files of the repository's
// sdk/include, sdk/lib, sdk/hardware-definitions, sdk/rt/include,
// sdk/rt/lib, sdk/flags.sh and sdk/rt/flags.sh:
// go:embed silently drops names starting with _ or . unless told otherwise.
func TestBundledSDK(t *testing.T) {
	onDisk := map[string][]byte{}
	for _, dir := range []string{"include", "lib", "hardware-definitions", "rt/include", "rt/lib"} {
		root := filepath.Join("..", dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel("..", p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			onDisk["sdk/"+filepath.ToSlash(rel)] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rtFlags, err := os.ReadFile("../rt/flags.sh")
	if err != nil {
		t.Fatal(err)
	}
	onDisk["sdk/rt/flags.sh"] = rtFlags
	b, err := os.ReadFile("../flags.sh")
	if err != nil {
		t.Fatal(err)
	}
	onDisk["sdk/flags.sh"] = b
	bundled := 0
	err = fs.WalkDir(sphereemu.SDK, "sdk", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		bundled++
		want, ok := onDisk[p]
		if !ok {
			t.Errorf("bundled %s is not in the tree", p)
			return nil
		}
		if got, _ := fs.ReadFile(sphereemu.SDK, p); !bytes.Equal(got, want) {
			t.Errorf("bundled %s differs from the tree", p)
		}
		delete(onDisk, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range onDisk {
		t.Errorf("%s is not bundled", p)
	}
	if bundled < 5 {
		t.Errorf("only %d files bundled", bundled)
	}
}
