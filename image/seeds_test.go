package image

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora in testdata/fuzz")

// seedCorpora returns valid inputs for each fuzz target, keyed by file name.
func seedCorpora(t *testing.T) map[string]map[string][]byte {
	fsSeed, err := BuildFS([]File{
		{Path: "app_manifest.json", Mode: 0o644, Data: []byte(`{"SchemaVersion":1,"Name":"blink"}`)},
		{Path: "bin/app", Mode: 0o755, Data: []byte("\x00asm\x01\x00\x00\x00")},
		{Path: "res/a.txt", Mode: 0o644, Data: []byte("resource")},
	})
	require.NoError(t, err)
	locator, err := testLocator().Marshal()
	require.NoError(t, err)
	flash, err := BuildFlash(BuildOptions{
		PlatformKey: testKey(t, "platform"),
		Apps:        [][]byte{testApp(t, "blink")},
		OSVersion:   "26.11",
		BuildDate:   1_700_000_000,
	})
	require.NoError(t, err)
	return map[string]map[string][]byte{
		"FuzzParsePackage": {
			"app":          testApp(t, "blink"),
			"all-sections": testPackage(t, []byte("payload")),
			"minimal":      rawPackage(nil, 2, idSec, sgSec),
		},
		"FuzzParseFS": {"tree": fsSeed},
		"FuzzParseKeystore": {"two-keys": BuildKeystore([]KeystoreEntry{
			{PublicKey: &testKey(t, "platform").PublicKey, Usage: UsagePlatform},
			{PublicKey: &testKey(t, "app").PublicKey, Usage: UsageApplications},
		})},
		"FuzzParseLocator": {"table": locator},
		"FuzzInspect":      {"flash": flash, "app": testApp(t, "blink")},
	}
}

// TestFuzzSeeds checks that the stored seed corpora exist and, with
// -update-seeds, regenerates them.
func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range seedCorpora(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, data := range seeds {
			path := filepath.Join(dir, "seed-"+name)
			want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if *updateSeeds {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
				continue
			}
			got, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run TestFuzzSeeds -update-seeds ./image/")
			require.Equal(t, want, string(got), "%s is stale; run go test -run TestFuzzSeeds -update-seeds ./image/", path)
		}
	}
}
