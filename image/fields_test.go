package image

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFindField: each named field of a real package holds what its parsed
// form says, and lies where FindField says.
func TestFindField(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", "blink.imagepackage"))
	require.NoError(t, err)
	p, err := ParsePackage(b)
	require.NoError(t, err)
	at := func(name string) []byte {
		f, err := FindField(b, name)
		require.NoError(t, err, name)
		require.Equal(t, name, f.Name)
		return b[f.Offset : f.Offset+f.Length]
	}
	require.Equal(t, p.Payload, at("payload"))
	require.Equal(t, p.Signature[:], at("signature"))
	require.Equal(t, p.Signed[len(p.Payload):], at("metadata"))
	require.Equal(t, p.Metadata.Identity.ComponentID[:], at("component-id"))
	require.Equal(t, uint16(p.Metadata.Identity.Type), binary.LittleEndian.Uint16(at("image-type")))
	require.Equal(t, p.Metadata.Signing.Thumbprint[:], at("signer"))
	_, err = FindField(b, "svn")
	require.ErrorContains(t, err, "no RV section", "an app package without a security version")

	// The kernel of a flash image has one.
	img, err := os.ReadFile(filepath.Join("..", "testdata", "images", "blink.bin"))
	require.NoError(t, err)
	loc, err := ParseLocator(img[:EraseBlockSize])
	require.NoError(t, err)
	part, ok := FindPartition(loc, "kernel")
	require.True(t, ok)
	kernel := img[part.Offset : part.Offset+part.Length]
	kp, err := ParsePackage(kernel)
	require.NoError(t, err)
	f, err := FindField(kernel, "svn")
	require.NoError(t, err)
	require.Equal(t, kp.Metadata.SecurityVersion(), binary.LittleEndian.Uint32(kernel[f.Offset:f.Offset+4]))
	require.NotZero(t, kp.Metadata.SecurityVersion())
	_, err = FindField(b, "crc")
	require.ErrorContains(t, err, "is not one of")
	_, err = FindField(b[:10], "svn")
	require.Error(t, err)
}
