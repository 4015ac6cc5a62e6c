package image

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKeys are fixed, so generated fuzz seeds are reproducible.
var testKeys = sync.OnceValue(func() map[string]*ecdsa.PrivateKey {
	keys := make(map[string]*ecdsa.PrivateKey)
	for _, name := range []string{"platform", "app", "other"} {
		scalar := sha256.Sum256([]byte("sphere-emu image test key: " + name))
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	return keys
})

func testKey(t testing.TB, name string) *ecdsa.PrivateKey {
	t.Helper()
	k, ok := testKeys()[name]
	require.True(t, ok, "no test key %q", name)
	return k
}

func u32p(v uint32) *uint32 { return &v }

// fullMetadata returns metadata with every kind of section.
func fullMetadata() Metadata {
	return Metadata{
		Identity: &Identity{
			Type:        ImageTypeApplications,
			ComponentID: mustGUID("00112233-4455-6677-8899-aabbccddeeff"),
			ImageID:     mustGUID("ffeeddcc-bbaa-4988-8776-655443322110"),
		},
		Debug:     &Debug{BuildDate: 0x1_2345_6789, Name: "blink"},
		Temporary: u32p(TemporaryUnderDevelopment),
		Depends:   []ABI{{Version: 1, Identity: ABIApplicationRuntime}},
		Provides:  []ABI{{Version: 7, Identity: ABIOSRuntime}, {Version: 2, Identity: ABISecureWorldRuntime}},
		SVN:       u32p(5),
		Unknown:   []RawSection{{ID: 0x4D43, Data: []byte{1, 2, 3}}, {ID: 0x0001, Data: []byte{}}},
	}
}

// testPackage builds a signed package with every kind of section.
func testPackage(t testing.TB, payload []byte) []byte {
	t.Helper()
	b, err := BuildPackage(payload, fullMetadata(), testKey(t, "app"))
	require.NoError(t, err)
	return b
}

// testApp builds a small signed application package.
func testApp(t testing.TB, name string) []byte {
	t.Helper()
	b, err := BuildApp(AppOptions{
		ComponentID: DeriveImageID(GUID{}, []byte(name), 0, 0),
		Name:        name,
		Files: []File{
			{Path: "app_manifest.json", Mode: 0o644, Data: []byte(`{"Name":"` + name + `"}`)},
			{Path: "bin/app", Mode: 0o755, Data: []byte("\x00asm\x01\x00\x00\x00")},
		},
		Key:       testKey(t, "app"),
		BuildDate: 1_700_000_000,
	})
	require.NoError(t, err)
	return b
}

// testFlashOptions returns options for a flash image with two apps.
func testFlashOptions(t testing.TB) BuildOptions {
	t.Helper()
	return BuildOptions{
		PlatformKey: testKey(t, "platform"),
		AppKeys:     []*ecdsa.PublicKey{&testKey(t, "app").PublicKey},
		Apps:        [][]byte{testApp(t, "blink"), testApp(t, "uart")},
		SVN:         3,
		OSVersion:   "26.11",
		BuildDate:   1_700_000_000,
	}
}
