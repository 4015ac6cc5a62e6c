package image

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuildApp(t *testing.T) {
	key := testKey(t, "app")
	cid := mustGUID("1689d8b2-c835-2e27-27ad-e894d6d15fa9")
	files := []File{
		{Path: "bin/app", Mode: 0o755, Data: []byte("wasm")},
		{Path: "app_manifest.json", Mode: 0o644, Data: []byte("{}")},
	}
	o := AppOptions{ComponentID: cid, Name: "HelloWorld_HighLevelApp", Files: files, Key: key, BuildDate: 42}
	b, err := BuildApp(o)
	require.NoError(t, err)
	p, err := ParsePackage(b)
	require.NoError(t, err)
	require.NoError(t, p.VerifySignature(&key.PublicKey))

	md := p.Metadata
	require.Equal(t, ImageTypeApplications, md.Identity.Type)
	require.Equal(t, cid, md.Identity.ComponentID)
	require.Equal(t, DeriveImageID(cid, p.Payload, 0, 42), md.Identity.ImageID)
	require.Equal(t, &Debug{BuildDate: 42, Name: "HelloWorld_HighLevelApp"}, md.Debug)
	require.Nil(t, md.Temporary)
	require.Nil(t, md.SVN)
	require.Equal(t, []ABI{{Version: ApplicationRuntimeVersion, Identity: ABIApplicationRuntime}}, md.Depends)

	fsys, err := ParseFS(p.Payload)
	require.NoError(t, err)
	f, ok := fsys.Lookup("bin/app")
	require.True(t, ok)
	require.Equal(t, []byte("wasm"), f.Data)

	again, err := BuildApp(o)
	require.NoError(t, err)
	require.Equal(t, b, again)
}

func TestBuildAppOptions(t *testing.T) {
	key := testKey(t, "app")
	tests := []struct {
		name      string
		appName   string
		wantName  string
		temporary uint32
		depends   []ABI
	}{
		{"long name truncated", strings.Repeat("x", 40), strings.Repeat("x", 31), 0, nil},
		{"multibyte name truncated at a rune", strings.Repeat("a", 30) + "é", strings.Repeat("a", 30), 0, nil},
		{"temporary", "dev", "dev", TemporaryUnderDevelopment, nil},
		{"explicit depends", "dep", "dep", 0, []ABI{{Version: 9, Identity: ABIApplicationRuntime}}},
		{"no depends", "nodep", "nodep", 0, []ABI{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := BuildApp(AppOptions{ComponentID: GUID{1}, Name: tt.appName, Key: key, Temporary: tt.temporary, Depends: tt.depends})
			require.NoError(t, err)
			p, err := ParsePackage(b)
			require.NoError(t, err)
			require.Equal(t, tt.wantName, p.Metadata.Debug.Name)
			if tt.temporary == 0 {
				require.Nil(t, p.Metadata.Temporary)
			} else {
				require.Equal(t, tt.temporary, *p.Metadata.Temporary)
			}
			if tt.depends != nil {
				require.Equal(t, tt.depends, p.Metadata.Depends)
			}
		})
	}
}

func TestBuildAppErrors(t *testing.T) {
	key := testKey(t, "app")
	tests := []struct {
		name string
		o    AppOptions
		want string
	}{
		{"no key", AppOptions{ComponentID: GUID{1}}, "no signing key"},
		{"nil component", AppOptions{Key: key}, "nil GUID"},
		{"bad file", AppOptions{ComponentID: GUID{1}, Key: key, Files: []File{{Path: "/abs"}}}, "not a clean relative path"},
		{"NUL in name", AppOptions{ComponentID: GUID{1}, Key: key, Name: "a\x00"}, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildApp(tt.o)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "image app")
		})
	}
}
