package kernel

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sphere-emu/sphere-emu/kernel/manifest"
)

func TestHostMatches(t *testing.T) {
	cases := []struct {
		entry, host string
		want        bool
	}{
		{"telemetry.contoso.com", "telemetry.contoso.com", true},
		{"Telemetry.Contoso.com.", "telemetry.contoso.com", true},
		{"telemetry.contoso.com", "evil.contoso.com", false},
		{"*.contoso.com", "telemetry.contoso.com", true},
		{"*.contoso.com", "a.b.contoso.com", true},
		{"*.contoso.com", "contoso.com", false},
		{"*.contoso.com", "evilcontoso.com", false},
		{"contoso.com", "telemetry.contoso.com", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, hostMatches(tc.entry, tc.host), "%s vs %s", tc.entry, tc.host)
	}
}

func TestAllowedAddr(t *testing.T) {
	k := &Kernel{netw: newNetState(&NetConfig{Hosts: map[string]string{
		"a.contoso.com": "10.0.0.1", "b.contoso.com": "10.0.0.2", "shared.fabrikam.com": "10.0.0.1", "bad": "not-an-ip",
	}})}
	p := &process{manifest: &manifest.Manifest{Capabilities: manifest.Capabilities{
		AllowedConnections: []string{"a.contoso.com", "192.0.2.7"}}}}
	cases := []struct {
		addr string
		want bool
	}{
		{"10.0.0.1", true},  // a.contoso.com
		{"10.0.0.2", false}, // b.contoso.com is not listed
		{"192.0.2.7", true}, // a listed literal
		{"192.0.2.8", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, k.allowedAddr(p, netip.MustParseAddr(tc.addr)), tc.addr)
	}
	assert.Equal(t, "b.contoso.com", k.hostName(netip.MustParseAddr("10.0.0.2")))
	assert.Equal(t, "a.contoso.com", k.hostName(netip.MustParseAddr("10.0.0.1")), "the first name in order")
	assert.Equal(t, "192.0.2.8", k.hostName(netip.MustParseAddr("192.0.2.8")))
}
