package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestControlScripts runs the control API's end-to-end scripts: the Python
// example of examples/python (skipped without python3 on PATH) against
// `sphere-emu boot --control`, and the CLI's refusals.
func TestControlScripts(t *testing.T) {
	td, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "control-script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("TESTDATA", td)
			e.Setenv("EXAMPLES", ex)
			return nil
		},
	})
}
