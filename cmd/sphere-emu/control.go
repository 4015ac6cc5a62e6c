package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/control"
	"github.com/sphere-emu/sphere-emu/device"
)

// runControl serves the control API of d on addr (boot --control) and runs
// the device as its requests say, on this goroutine, until a quit request
// or SIGINT; horizon (> 0) bounds virtual time. The device starts paused.
func runControl(cmd *cobra.Command, d *device.Device, addr string, horizon int64) (device.Result, error) {
	ln, err := control.Listen(addr)
	if err != nil {
		return device.Result{}, &codeError{exitUsage, err}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	c := control.New(d, control.Options{Horizon: horizon})
	srvCtx, stopSrv := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- c.Serve(srvCtx, ln) }()
	fmt.Fprintf(cmd.ErrOrStderr(), "sphere-emu: control API on http://%s (docs/control-api.md); the device is paused\n", ln.Addr())
	c.Loop(ctx)
	stopSrv()
	if err := <-served; err != nil {
		return device.Result{}, err
	}
	return d.Run(d.Now()), nil
}
