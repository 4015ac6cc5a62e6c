package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/service"
)

// defaultServiceAddr is where `sphere-emu service` listens unless told:
// loopback only.
const defaultServiceAddr = "127.0.0.1:8443"

// addServiceCommands adds the security service and its admin commands to
// the root command; `image add` and `image list` join the existing image
// command.
func addServiceCommands(root *cobra.Command) {
	root.AddCommand(newServiceCmd())
	root.AddCommand(newAdminCmds()...)
	for _, c := range root.Commands() {
		if c.Name() == "image" {
			c.AddCommand(newImageAddCmd(), newImageListCmd())
		}
	}
}

func newServiceCmd() *cobra.Command {
	var addr, data string
	c := &cobra.Command{
		Use:   "service --data DIR [--addr HOST:PORT]",
		Short: "Run the security service (attestation, certificates, error reports, admin API)",
		Long: `Run sphere-emu's security service, the emulator's Azure Sphere Security
Service: devices attest to it and get their certificates, upload error
reports, and a company cloud route accepts their client certificates; the
admin commands (tenant, product, device-group, device, image add, os-release,
deployment, ca-certificate, telemetry) manage it.

DIR keeps the database and, written at start:
  service-ca.pem   the service CA certificate clients trust (--ca)
  admin-token      the admin bearer token (--token), mode 0600
  url              the URL the service listens on

so that admin commands can be pointed at the service with --data DIR alone.
HTTPS only; the default address is loopback. It runs until SIGINT or SIGTERM.`,
		Args: argsRange(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return usageErrorf("--data DIR is required: the service keeps its database and keys there")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runService(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), addr, data)
		},
	}
	c.Flags().StringVar(&addr, "addr", defaultServiceAddr, "address to listen on (HOST:PORT; port 0 picks a free one)")
	c.Flags().StringVar(&data, "data", "", "data directory (created if missing)")
	return c
}

// runService serves until ctx is done.
func runService(ctx context.Context, stdout, stderr io.Writer, addr, data string) error {
	svc, err := service.New(service.Config{DataDir: data, ErrorLog: log.New(stderr, "sphere-emu service: ", 0)})
	if err != nil {
		return err
	}
	defer svc.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	url := serviceURL(l.Addr().(*net.TCPAddr))
	urlFile := filepath.Join(data, service.URLFile)
	if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o644); err != nil {
		l.Close()
		return fmt.Errorf("service: %w", err)
	}
	defer os.Remove(urlFile)
	if ip := l.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		fmt.Fprintf(stderr, "sphere-emu service: warning: listening on %s, beyond this machine; the admin routes need the token, device routes are open\n", l.Addr())
	}
	fmt.Fprintf(stdout, "sphere-emu security service listening on %s\n", url)
	fmt.Fprintf(stdout, "service CA:  %s (SHA-256 %s)\n", filepath.Join(data, service.ServiceCAFile), svc.ServiceCAFingerprint())
	fmt.Fprintf(stdout, "admin token: %s\n", filepath.Join(data, service.AdminTokenFile))
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}

	done := make(chan error, 1)
	go func() { done <- svc.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	if err := svc.Close(); err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	fmt.Fprintln(stdout, "sphere-emu security service stopped")
	return nil
}

// serviceURL is the https URL of a listening address; an unspecified
// address is reached through loopback, which the server certificate names.
func serviceURL(a *net.TCPAddr) string {
	host := a.IP.String()
	switch {
	case a.IP.IsUnspecified() && a.IP.To4() != nil:
		host = "127.0.0.1"
	case a.IP.IsUnspecified():
		host = "::1"
	}
	return "https://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}
