package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"

	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/service"
)

// appNetwork is the network `boot` gives apps when the device is linked to
// a security service: the service's name (service.ServerName) resolves,
// and an app's connection to it on port 443 reaches the service, whose
// company cloud (POST /cloud/v1/telemetry) the cloud-telemetry sample
// uploads to; app HTTPS trusts the service CA. Every other destination is
// refused by the host (ECONNREFUSED), so a booted app never reaches past
// the service. nil without a service: apps get an empty resolver table.
func appNetwork(link *kernel.ServiceLink) (*kernel.NetConfig, error) {
	if link == nil {
		return nil, nil
	}
	u, err := url.Parse(link.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--service %q: not a URL", link.URL)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "443")
	}
	const addr = "127.0.0.1"
	dial := link.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &kernel.NetConfig{
		Hosts:   map[string]string{service.ServerName: addr},
		RootCAs: link.RootCAs,
		Dial: func(ctx context.Context, network, to string) (net.Conn, error) {
			if network != "tcp" || to != net.JoinHostPort(addr, "443") {
				return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
			}
			return dial(ctx, "tcp", target)
		},
	}, nil
}
