package device

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const testCID = "ec30fa51-8d24-4562-b688-7180c5fc6fc4"

func TestFileStorageIsAtomic(t *testing.T) {
	s := &fileStorage{dir: t.TempDir()}
	_, found, err := s.Load(testCID)
	require.NoError(t, err)
	require.False(t, found)

	require.NoError(t, s.Save(testCID, []byte("old content")))
	// A power cut in the middle of the next Save leaves its temporary file
	// behind, never a half-written target: simulate exactly that state.
	partial := filepath.Join(s.dir, testCID+".123.tmp")
	require.NoError(t, os.WriteFile(partial, []byte("new co"), 0o644))
	b, found, err := s.Load(testCID)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "old content", string(b), "the old content survives an interrupted write")

	require.NoError(t, s.Save(testCID, []byte("new content")))
	b, _, _ = s.Load(testCID)
	require.Equal(t, "new content", string(b))
	matches, _ := filepath.Glob(filepath.Join(s.dir, testCID+".*.tmp"))
	require.Equal(t, []string{partial}, matches, "a successful Save leaves no temporary file of its own")

	require.NoError(t, s.Delete(testCID))
	require.NoError(t, s.Delete(testCID), "deleting twice is fine")
	_, found, _ = s.Load(testCID)
	require.False(t, found)
}

func TestFileStorageRefusesPathTricks(t *testing.T) {
	s := &fileStorage{dir: t.TempDir()}
	for _, cid := range []string{"../../etc/passwd", "", "EC30FA51-8D24-4562-B688-7180C5FC6FC4", testCID + "/x"} {
		require.Error(t, s.Save(cid, []byte("x")), cid)
		_, _, err := s.Load(cid)
		require.Error(t, err, cid)
	}
}
