package restapi_test

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
)

func TestTelemetryRoundTrip(t *testing.T) {
	recs := []restapi.TelemetryRecord{
		{Seq: 1 << 40, Uploaded: true, TimeUnixNano: 1767225600e9, Type: 1, Class: 1, Description: "AppExit (exit_code=1; component_id=x; image_id=y)"},
		{Seq: 1<<40 + 1, TimeUnixNano: 1767225601e9, Type: 0, Class: 0, Description: "Reboot (reason=REST POST /restart)"},
		{Seq: 1<<40 + 2, Description: ""},
	}
	b := restapi.EncodeTelemetry(recs)
	// Bytes 3–4 hold the data length, big-endian, as the public test suite
	// of the real API reads them.
	require.Equal(t, len(b)-5, int(b[3])<<8|int(b[4]))
	require.EqualValues(t, 3, binary.BigEndian.Uint16(b[1:]))
	got, err := restapi.DecodeTelemetry(b)
	require.NoError(t, err)
	require.Equal(t, recs, got)

	empty := restapi.EncodeTelemetry(nil)
	require.Equal(t, []byte{1, 0, 0, 0, 0}, empty, "no records: a zero data length")
	got, err = restapi.DecodeTelemetry(empty)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestTelemetryDropsTheOldestThatDoNotFit(t *testing.T) {
	var recs []restapi.TelemetryRecord
	for i := range 100 {
		recs = append(recs, restapi.TelemetryRecord{Seq: uint64(i), Description: strings.Repeat("x", 1000)})
	}
	b := restapi.EncodeTelemetry(recs)
	require.LessOrEqual(t, len(b), 5+restapi.MaxTelemetryData)
	got, err := restapi.DecodeTelemetry(b)
	require.NoError(t, err)
	require.Less(t, len(got), 100)
	require.Equal(t, uint64(99), got[len(got)-1].Seq, "the newest are kept")
	require.Equal(t, uint64(100-len(got)), got[0].Seq)
}

func TestDecodeTelemetryRefusesDamage(t *testing.T) {
	good := restapi.EncodeTelemetry([]restapi.TelemetryRecord{{Seq: 7, Description: "hello"}})
	for name, b := range map[string][]byte{
		"short":     good[:4],
		"version":   append([]byte{2}, good[1:]...),
		"cut":       good[:len(good)-1],
		"extra":     append(append([]byte{}, good...), 0),
		"count":     append([]byte{1, 0, 2}, good[3:]...),
		"desc-long": append(append([]byte{}, good[:len(good)-7]...), 0xFF, 0xFF, 'h', 'e', 'l', 'l', 'o'),
	} {
		_, err := restapi.DecodeTelemetry(b)
		require.Error(t, err, name)
	}
}

// FuzzDecodeTelemetry: any bytes decode or fail cleanly, and what decodes
// encodes back to the same bytes. Seeds: testdata/fuzz/FuzzDecodeTelemetry.
func FuzzDecodeTelemetry(f *testing.F) {
	f.Add(restapi.EncodeTelemetry([]restapi.TelemetryRecord{{Seq: 1, Uploaded: true, Type: 1, Class: 1, Description: "AppCrash"}}))
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := restapi.DecodeTelemetry(b)
		if err != nil {
			return
		}
		again := restapi.EncodeTelemetry(recs)
		back, err := restapi.DecodeTelemetry(again)
		if err != nil {
			t.Fatalf("re-encoded records do not decode: %v", err)
		}
		require.Equal(t, len(recs), len(back))
	})
}

func TestErrorShapeAndCodes(t *testing.T) {
	b, err := json.Marshal(restapi.Error{Code: restapi.ErrAppNotPresent})
	require.NoError(t, err)
	require.JSONEq(t, `{"error": 14680065}`, string(b))
	for _, c := range []uint32{restapi.ErrRouteNotFound, restapi.ErrInvalidJSON, restapi.ErrAppDevelopmentRequired, restapi.ErrAppNotPresent} {
		require.Contains(t, restapi.Describe(c), "category")
	}
	require.Equal(t, uint32(10), restapi.ErrRouteNotFound>>20)
	require.Equal(t, uint32(18), restapi.ErrInvalidJSON>>20)
	require.Equal(t, uint32(6), restapi.ErrAppDevelopmentRequired>>20)
}

func TestPayloadNamesAreTheRealOnes(t *testing.T) {
	b, err := json.Marshal(restapi.MemoryStats{})
	require.NoError(t, err)
	require.JSONEq(t, `{"memoryStats":{"currentMemoryUsageInBytes":0,"userModeMemoryUsageInByte":0,"peakUserModeMemoryUsageInBytes":0}}`, string(b))
	b, err = json.Marshal(restapi.AppQuota{UsageKB: 1, LimitKB: 8})
	require.NoError(t, err)
	require.JSONEq(t, `{"UsageKB":1,"LimitKB":8}`, string(b))
	core := 1
	b, err = json.Marshal(restapi.AppStatus{State: restapi.StateRunning, RealTimeCore: &core})
	require.NoError(t, err)
	require.JSONEq(t, `{"state":"running","realTimeCore":1}`, string(b))
}
