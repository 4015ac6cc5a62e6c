// Command sphere-emu emulates an Azure Sphere (MT3620-class) device: it boots
// signed flash images through the whole chain of trust and runs WASM apps.
// It also generates keys, packs app packages and builds flash images.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes of every sphere-emu command.
const (
	exitOK          = 0
	exitError       = 1 // the command failed (bad file, I/O error, …)
	exitUsage       = 2 // the command line is wrong
	exitHalted      = 3 // boot: the device refused to boot (boot.halt)
	exitAppError    = 4 // boot: the OS booted but the app was refused, crashed, or exited non-zero
	exitExpectation = 5 // boot --scenario: an expectation failed
)

// exitError carries an exit code through cobra.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &codeError{exitUsage, fmt.Errorf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ce *codeError
	if errors.As(err, &ce) {
		if ce.err != nil && ce.code != exitHalted && ce.code != exitAppError && ce.code != exitExpectation {
			fmt.Fprintln(stderr, "sphere-emu:", ce.err)
		}
		return ce.code
	}
	fmt.Fprintln(stderr, "sphere-emu:", err)
	return exitError
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "sphere-emu",
		Short:         "An emulator of an Azure Sphere (MT3620) device and its firmware stack",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &codeError{exitUsage, fmt.Errorf("%w\n%s", err, c.UsageString())}
	})
	root.AddCommand(newBootCmd(), newKeysCmd(), newImageCmd())
	root.AddCommand(newSDKCmd())
	root.AddCommand(newFaultCmd())
	addServiceCommands(root)
	addDeviceRESTCommands(root)
	addDeviceUpdateCommands(root)
	return root
}

// exactArgs is cobra.ExactArgs with the usage exit code.
func argsRange(min, max int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			if min == max {
				return usageErrorf("%s takes %d argument(s), got %d", c.CommandPath(), min, len(args))
			}
			return usageErrorf("%s takes %d to %d arguments, got %d", c.CommandPath(), min, max, len(args))
		}
		return nil
	}
}
