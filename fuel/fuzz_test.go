package fuel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// FuzzInstrument: Instrument never panics (bugs are not recovered here), it
// never modifies its input, and if the input compiles with wazero and
// Instrument succeeds, the output compiles too (and cannot be instrumented
// twice). The seed corpus (testdata/fuzz/FuzzInstrument) holds the small
// clang modules and the hand-built ones of the tests; regenerate it with
// FUEL_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds ./fuel/.
//
// Wazero compiles with the interpreter here: validation, which is what the
// property is about, is the same for both engines, and it is much faster.
func FuzzInstrument(f *testing.F) {
	recoverAll = false
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { rt.Close(ctx); recoverAll = true })
	f.Fuzz(func(t *testing.T, wasm []byte) {
		orig := bytes.Clone(wasm)
		out, err := Instrument(wasm, Options{})
		require.Equal(t, orig, wasm, "the input was modified")
		if err != nil {
			var fe *Error
			require.True(t, errors.As(err, &fe), "%T %v", err, err)
			return
		}
		cm, cerr := compileSafe(ctx, rt, wasm)
		if cerr != nil {
			return // an invalid input may give an invalid output
		}
		defer cm.Close(ctx)
		mcm, merr := compileSafe(ctx, rt, out)
		require.NoError(t, merr, "the input compiles but the output does not")
		defer mcm.Close(ctx)
		require.Len(t, mcm.ExportedFunctions(), len(cm.ExportedFunctions()))
		_, err = Instrument(out, Options{})
		require.ErrorContains(t, err, "already")
	})
}

// fuzzSeeds are the modules the seed corpus is made of.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{
		"count-loop":  countLoop,
		"multi-value": multiValue,
		"refs":        refsModule,
		"env":         envModule,
		"header-only": wasmModule(),
	}
	for _, tc := range clangModules {
		seeds[tc.file[:len(tc.file)-len(".wasm")]] = readTestdata(t, tc.file)
	}
	return seeds
}

func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("FUEL_WRITE_SEEDS") == "" {
		t.Skip("set FUEL_WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzInstrument")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzInstrument")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, wasm := range fuzzSeeds(t) {
		data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(wasm)) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
}
