package main

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/service"
)

func TestAppNetwork(t *testing.T) {
	n, err := appNetwork(nil)
	require.NoError(t, err)
	require.Nil(t, n)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	n, err = appNetwork(&kernel.ServiceLink{URL: "https://" + ln.Addr().String()})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", n.Hosts[service.ServerName])
	c, err := n.Dial(context.Background(), "tcp", "127.0.0.1:443")
	require.NoError(t, err, "the service's name on port 443 reaches the service")
	c.Close()
	for _, to := range []string{"127.0.0.1:80", "127.0.0.2:443"} {
		_, err = n.Dial(context.Background(), "tcp", to)
		require.Error(t, err, to)
	}
	_, err = n.Dial(context.Background(), "udp", "127.0.0.1:443")
	require.Error(t, err)
}
