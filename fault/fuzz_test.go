package fault

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse feeds arbitrary bytes to the plan parser: it must never panic,
// and any plan it accepts must validate, and survive a round trip through
// JSON unchanged. Seeds: the plans in testdata/ and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"plan.yaml", "plan.json", "plan-more.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"faults": []}`))
	f.Add([]byte(`{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"register":{"core":"rtcore0","addr":"0x38040004"}}}}]}`))
	f.Add([]byte("faults:\n  - trigger: {on: {event: mbox.send, nth: 5}}\n    action: {message: {op: truncate}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		require.NoError(t, p.Validate())
		out, err := json.Marshal(p)
		require.NoError(t, err)
		q, err := ParseJSON(out)
		require.NoError(t, err, "%s", out)
		require.Equal(t, p, q)
	})
}
