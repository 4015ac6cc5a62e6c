package secmon

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

const (
	testTelBase  = 8 * hw.FlashBlockSize
	testTelSize  = 4 * hw.FlashBlockSize
	testTelFirst = 1 << 32
)

func newTestTelemetry(t *testing.T) (*hw.Flash, *telemetryStore) {
	t.Helper()
	f, err := hw.NewFlash(16*hw.FlashBlockSize, nil)
	require.NoError(t, err)
	s, err := mountTelemetry(f, testTelBase, testTelSize, hw.FlashBlockSize, testTelFirst)
	require.NoError(t, err)
	return f, s
}

func remount(t *testing.T, f *hw.Flash) *telemetryStore {
	t.Helper()
	s, err := mountTelemetry(f, testTelBase, testTelSize, hw.FlashBlockSize, 99)
	require.NoError(t, err)
	return s
}

func payloads(rs []telemetryRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Payload))
	}
	return out
}

func TestTelemetryAppendSurvivesRemount(t *testing.T) {
	f, s := newTestTelemetry(t)
	for i := range 3 {
		seq, dropped, err := s.append(telKindRecord, []byte(fmt.Sprintf("event %d", i)))
		require.NoError(t, err)
		require.Zero(t, dropped)
		require.Equal(t, uint64(testTelFirst+i), seq)
	}
	s2 := remount(t, f)
	require.Equal(t, []string{"event 0", "event 1", "event 2"}, payloads(s2.pending()))
	seq, _, err := s2.append(telKindRecord, []byte("event 3"))
	require.NoError(t, err)
	require.Equal(t, uint64(testTelFirst+3), seq, "numbering continues after a remount")
}

func TestTelemetryDropsOldestWhenFull(t *testing.T) {
	f, s := newTestTelemetry(t)
	big := make([]byte, 1000) // four fit in a 4 KiB block
	total, dropped := 60, 0
	for i := range total {
		big[0] = byte(i)
		_, d, err := s.append(telKindRecord, big)
		require.NoError(t, err)
		dropped += d
	}
	recs := remount(t, f).stored()
	require.Equal(t, total, len(recs)+dropped, "every record is either kept or counted as dropped")
	require.Less(t, len(recs), total)
	require.Equal(t, byte(total-1), recs[len(recs)-1].Payload[0], "the newest record is kept")
	for i := 1; i < len(recs); i++ {
		require.Equal(t, recs[i-1].Seq+1, recs[i].Seq, "the kept records are the newest, contiguous")
	}
}

func TestTelemetryTornRecordIsSkipped(t *testing.T) {
	f, s := newTestTelemetry(t)
	_, _, err := s.append(telKindRecord, []byte("kept"))
	require.NoError(t, err)
	head := s.head
	_, _, err = s.append(telKindRecord, []byte("torn by a power cut"))
	require.NoError(t, err)
	// A power cut mid-program leaves the record's tail erased (0xFF) while
	// its header is written: clear the CRC's bits back to what a cut
	// leaves by erasing and re-programming only the first bytes.
	raw, err := f.Read(testTelBase, hw.FlashBlockSize)
	require.NoError(t, err)
	require.NoError(t, f.Erase(testTelBase))
	require.NoError(t, f.Program(testTelBase, raw[:head+telHeader+5]))

	s2 := remount(t, f)
	require.Equal(t, []string{"kept"}, payloads(s2.stored()))
	_, _, err = s2.append(telKindRecord, []byte("after the cut"))
	require.NoError(t, err)
	require.Equal(t, []string{"kept", "after the cut"}, payloads(remount(t, f).stored()))
}

func TestTelemetryAckAndClear(t *testing.T) {
	f, s := newTestTelemetry(t)
	var seqs []uint64
	for i := range 3 {
		seq, _, err := s.append(telKindRecord, []byte{byte('a' + i)})
		require.NoError(t, err)
		seqs = append(seqs, seq)
	}
	require.NoError(t, s.mark(telKindAck, seqs[1]))
	require.Equal(t, []string{"c"}, payloads(remount(t, f).pending()))
	require.Equal(t, []string{"a", "b", "c"}, payloads(remount(t, f).stored()))
	require.NoError(t, s.mark(telKindClear, seqs[2]))
	require.Empty(t, remount(t, f).stored())
	require.Error(t, s.mark(telKindAck, 1<<62), "a cursor beyond the last record is refused")
}

func TestTelemetryCursorsSurviveTheirBlocksErasure(t *testing.T) {
	f, s := newTestTelemetry(t)
	seq, _, err := s.append(telKindRecord, []byte("uploaded"))
	require.NoError(t, err)
	require.NoError(t, s.mark(telKindAck, seq))
	big := make([]byte, 1000)
	for range 20 { // wraps the four-block ring several times
		_, _, err := s.append(telKindRecord, big)
		require.NoError(t, err)
	}
	s2 := remount(t, f)
	require.Equal(t, seq, s2.acked, "the ack cursor is restated in every new block")
}

func TestTelemetryRejects(t *testing.T) {
	f, s := newTestTelemetry(t)
	_, _, err := s.append(telKindRecord, make([]byte, TelemetryMaxRecord+1))
	require.ErrorContains(t, err, "exceeds")
	_, err = mountTelemetry(f, testTelBase, hw.FlashBlockSize, hw.FlashBlockSize, 1)
	require.ErrorContains(t, err, "two whole")
}

// FuzzTelemetryMount mounts arbitrary partition contents: it must never
// panic, and a mounted store must accept a new record and read it back.
func FuzzTelemetryMount(f *testing.F) {
	fl, s := newTestTelemetryF(f)
	for i := range 5 {
		_, _, _ = s.append(telKindRecord, []byte(fmt.Sprintf("seed %d", i)))
	}
	_ = s.mark(telKindAck, testTelFirst+1)
	seed, _ := fl.Read(testTelBase, testTelSize)
	f.Add(seed)
	f.Add([]byte{0x54, 0x52, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > testTelSize {
			data = data[:testTelSize]
		}
		img := make([]byte, testTelBase+testTelSize)
		for i := range img {
			img[i] = 0xFF
		}
		copy(img[testTelBase:], data)
		fl, err := hw.NewFlash(16*hw.FlashBlockSize, img)
		require.NoError(t, err)
		s, err := mountTelemetry(fl, testTelBase, testTelSize, hw.FlashBlockSize, 7)
		require.NoError(t, err)
		seq, _, err := s.append(telKindRecord, []byte("new"))
		require.NoError(t, err)
		got := remount(t, fl).stored()
		require.NotEmpty(t, got)
		require.Equal(t, seq, got[len(got)-1].Seq)
		require.Equal(t, "new", string(got[len(got)-1].Payload))
	})
}

func newTestTelemetryF(f *testing.F) (*hw.Flash, *telemetryStore) {
	fl, err := hw.NewFlash(16*hw.FlashBlockSize, nil)
	if err != nil {
		f.Fatal(err)
	}
	s, err := mountTelemetry(fl, testTelBase, testTelSize, hw.FlashBlockSize, testTelFirst)
	if err != nil {
		f.Fatal(err)
	}
	return fl, s
}
