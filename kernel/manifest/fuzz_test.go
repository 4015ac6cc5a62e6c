package manifest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzSeeds are added to the seed corpus in testdata/fuzz.
var fuzzSeeds = []string{
	helloWorldHL, helloWorldSource, intercoreHL, intercoreRT, mutableStorageHL,
	privateNetworkHL, powerdownHL, azureIoTHL, peripheralsRT,
	hl(`{"Gpio":[26],"Uart":["ISU0"]}`),
	hl(`{"MutableStorage":{"SizeKB":65}}`),
	hl(`{"PowerControls":["ForceReboot","ForceReboot"]}`),
	`{"SchemaVersion":1,"SchemaVersion":2}`,
	"\ufeff" + helloWorldSource,
}

// checkResult checks the invariants every Parse or ParseSource result must keep.
func checkResult(t *testing.T, in []byte, m *Manifest, err error) {
	t.Helper()
	if err != nil {
		require.Nil(t, m)
		var e *Error
		require.True(t, errors.As(err, &e), "error %v is not an *Error", err)
		require.NotEmpty(t, e.ID.Message(), "error %v has an unknown id", err)
		require.NotEmpty(t, e.Error())
		return
	}
	require.NotNil(t, m)
	require.NoError(t, m.Validate(), "a parsed manifest must validate")
	require.Equal(t, 1, m.SchemaVersion)
	require.Contains(t, []AppType{Default, RealTimeCapable}, m.ApplicationType)
	require.True(t, bytes.HasSuffix(in, m.Raw), "Raw must be the input without a byte-order mark")
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Parse(in)
		checkResult(t, in, m, err)
		if err != nil {
			return
		}
		require.Empty(t, m.Capabilities.Unresolved)
		// An image-package manifest is also a valid source manifest, read the same way.
		src, err := ParseSource(in)
		require.NoError(t, err)
		require.Equal(t, m, src)
		// Parsing is deterministic.
		again, err := Parse(m.Raw)
		require.NoError(t, err)
		require.Equal(t, m, again)
	})
}

func FuzzParseSource(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ParseSource(in)
		checkResult(t, in, m, err)
		if err != nil {
			return
		}
		// Once every reference is resolved (here: none remain), the
		// packaged manifest parses the same way.
		if len(m.Capabilities.Unresolved) == 0 {
			img, err := Parse(m.Raw)
			require.NoError(t, err)
			require.Equal(t, m, img)
		}
	})
}
