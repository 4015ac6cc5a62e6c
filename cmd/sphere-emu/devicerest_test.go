package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sphere-emu/sphere-emu/gateway"
)

// TestDeviceRESTScripts runs the scripts in testdata/rest-script: a real
// `sphere-emu boot --rest` process in the background, driven by the
// `sphere-emu device` verbs over HTTPS on loopback. Besides `exit`, they
// have:
//
//	device-boot DIR [ARGS...]  start `sphere-emu boot --rest 127.0.0.1:0
//	                           --rest-data DIR --realtime ARGS...` and wait
//	                           until DIR/url exists (the API is up)
//	device-stop                send it SIGINT and wait; it must exit 0; its
//	                           output goes to $WORK/boot.log
func TestDeviceRESTScripts(t *testing.T) {
	td, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "rest-script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("TESTDATA", td)
			st := &bootState{}
			e.Values[bootStateKey{}] = st
			e.Defer(func() {
				if st.cmd != nil && st.cmd.ProcessState == nil {
					st.cmd.Process.Kill()
					st.cmd.Wait()
				}
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exit":        cmdExit,
			"device-boot": cmdDeviceBoot,
			"device-stop": cmdDeviceStop,
		},
	})
}

type bootStateKey struct{}

// bootState is one script's background device.
type bootState struct {
	cmd    *exec.Cmd
	output *syncBuffer
	exited chan struct{}
	err    error
}

func cmdDeviceBoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: device-boot DIR [boot args...]")
	}
	st := ts.Value(bootStateKey{}).(*bootState)
	if st.cmd != nil {
		ts.Fatalf("device-boot: a device is already running")
	}
	bin, err := exec.LookPath("sphere-emu")
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	cmd := exec.Command(bin, append([]string{"boot", "--rest", "127.0.0.1:0", "--rest-data", dir, "--realtime", "--cache-dir", "none"}, args[1:]...)...)
	cmd.Dir = ts.Getenv("WORK")
	st.output = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = st.output, st.output
	ts.Check(cmd.Start())
	st.cmd, st.exited = cmd, make(chan struct{})
	go func() { st.err = cmd.Wait(); close(st.exited) }()
	// The server writes the URL file last, once it listens.
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(dir, gateway.URLFile)); err == nil {
			return
		}
		select {
		case <-st.exited:
			ts.Fatalf("the device exited before its REST API was up: %v\n%s", st.err, st.output.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the device's REST API did not come up within a minute\n%s", st.output.String())
		}
	}
}

func cmdDeviceStop(ts *testscript.TestScript, neg bool, args []string) {
	st := ts.Value(bootStateKey{}).(*bootState)
	if neg || len(args) != 0 || st.cmd == nil {
		ts.Fatalf("usage: device-stop (after device-boot)")
	}
	ts.Check(st.cmd.Process.Signal(os.Interrupt))
	select {
	case <-st.exited:
	case <-time.After(time.Minute):
		ts.Fatalf("the device did not stop within a minute of SIGINT")
	}
	ts.Check(os.WriteFile(ts.MkAbs("boot.log"), []byte(st.output.String()), 0o644))
	var ee *exec.ExitError
	if errors.As(st.err, &ee) || st.err != nil {
		ts.Fatalf("the device did not stop cleanly: %v\n%s", st.err, st.output.String())
	}
	st.cmd = nil
}
