package kernel

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/trace"
)

// NetConfig is the emulated network the OS gives high-level apps: the
// names its resolver knows (emulated DNS), how the bytes of app
// connections reach the host, and the CAs app TLS trusts by default.
// Nothing in it may let a guest reach an address the test or the user did
// not choose: the firewall (AllowedConnections) decides first, and only
// addresses this table or the manifest name are ever dialled.
type NetConfig struct {
	// Hosts is the resolver table: host name → IPv4 address text, e.g.
	// {"telemetry.contoso.com": "127.0.0.1"}. Names are matched without
	// case and without a trailing dot. getaddrinfo of any other name
	// fails with EAI_NONAME; the emulator never asks the host's DNS.
	Hosts map[string]string
	// Dial opens the host connection for an app's connect() to addr
	// ("ip:port", the address the app asked for, after the firewall
	// allowed it); network is "tcp" or "udp". nil dials the host.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Listen opens the host listener for an app's listen() on a port its
	// manifest declares in AllowedTcpServerPorts; nil listens on
	// 127.0.0.1:port of the host.
	Listen func(port int) (net.Listener, error)
	// RootCAs are the CAs app HTTPS (the curl subset) trusts when the app
	// names no CAINFO file of its own; nil: the host's system roots.
	RootCAs *x509.CertPool
	// Offline powers the device on with its network down (the access
	// point out of reach): Networking_IsNetworkingReady is false and
	// connect fails with ENETUNREACH until Device.SetNetworkUp(true). The
	// device applies it to the board, which holds the network's state.
	Offline bool
}

// netState is the kernel's view of the emulated network beyond the
// interfaces' own switches: whether the link to the outside is up.
type netState struct {
	cfg NetConfig
	// names remembers, per address, the name an app resolved last, so a
	// denial names the host the app meant.
	names map[netip.Addr]string
	// ev is signalled by the goroutines reading host sockets.
	ev chan struct{}
}

func newNetState(c *NetConfig) *netState {
	s := &netState{names: map[netip.Addr]string{}, ev: make(chan struct{}, 1)}
	if c != nil {
		s.cfg = *c
	}
	return s
}

// SetNetworkUp brings the emulated network up or down (the access point
// appears or vanishes): readiness, interface status and connect() follow.
// The network is the board's (the world around the chip), so the state
// outlives a reboot; a scenario's "network" input drives the same switch.
func (k *Kernel) SetNetworkUp(up bool) { k.board.SetNetworkUp(up) }

// NetworkReady reports whether an app would see Networking_IsNetworkingReady true.
func (k *Kernel) NetworkReady() bool {
	i := k.net.find("wlan0")
	return i != nil && k.ifaceStatus(i)&statusConnectedToInternet != 0
}

// Interface status bits (networking.h).
const (
	statusInterfaceUp         = 1
	statusConnectedToNetwork  = 2
	statusIPAvailable         = 4
	statusConnectedToInternet = 8
)

// ifaceStatus is an interface's connection status: its configured bits
// while the network is up; only InterfaceUp while it is down; none while
// the interface is disabled.
func (k *Kernel) ifaceStatus(i *Interface) uint32 {
	if !i.Enabled {
		return 0
	}
	if !k.board.NetworkUp() {
		return i.Status & statusInterfaceUp
	}
	return i.Status
}

// online reports whether apps can reach the network: some enabled
// interface is connected to the internet.
func (k *Kernel) online() bool {
	for i := range k.net.ifaces {
		if k.ifaceStatus(&k.net.ifaces[i])&statusConnectedToInternet != 0 {
			return true
		}
	}
	return false
}

// canonicalHost lower-cases a host name and drops a trailing dot.
func canonicalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// maxHostName bounds a name given to the resolver.
const maxHostName = 253

// resolve looks a name up in the resolver table; an IPv4 literal resolves
// to itself. It returns the address, or the errno that getaddrinfo turns
// into EAI_AGAIN (ENETUNREACH: offline) or EAI_NONAME (ENOENT).
func (k *Kernel) resolve(p *process, name string) (netip.Addr, kernelmsg.Errno) {
	if len(name) == 0 || len(name) > maxHostName || strings.ContainsRune(name, 0) {
		return netip.Addr{}, kernelmsg.EINVAL
	}
	if a, err := netip.ParseAddr(name); err == nil {
		if !a.Is4() {
			return netip.Addr{}, kernelmsg.ENOENT // IPv4 only, as the MT3620's apps
		}
		return a, 0
	}
	if !k.online() {
		return netip.Addr{}, kernelmsg.ENETUNREACH
	}
	host := canonicalHost(name)
	for n, text := range k.netw.cfg.Hosts {
		if canonicalHost(n) != host {
			continue
		}
		a, err := netip.ParseAddr(text)
		if err != nil || !a.Is4() {
			return netip.Addr{}, kernelmsg.ENOENT
		}
		k.netw.names[a] = host
		k.tr.Emit(trace.Kernel, "net.resolve", trace.Str("cid", p.cid), trace.Str("host", host), trace.Str("addr", a.String()))
		return a, 0
	}
	k.tr.Emit(trace.Kernel, "net.resolve", trace.Str("cid", p.cid), trace.Str("host", host), trace.Str("addr", ""))
	return netip.Addr{}, kernelmsg.ENOENT
}

// hostMatches reports whether a manifest AllowedConnections entry covers
// host: the same name, or a "*.domain" wildcard and a name below domain.
func hostMatches(entry, host string) bool {
	entry = canonicalHost(entry)
	if d, ok := strings.CutPrefix(entry, "*."); ok {
		return strings.HasSuffix(host, "."+d)
	}
	return entry == host
}

// allowedAddr reports whether the firewall lets p connect to a: the
// address is listed literally in AllowedConnections, or a listed name (or
// wildcard) covers a name the resolver table maps to a. Like the real
// firewall, rules are on addresses: two names at one address share it.
func (k *Kernel) allowedAddr(p *process, a netip.Addr) bool {
	allowed := p.manifest.Capabilities.AllowedConnections
	for _, e := range allowed {
		if lit, err := netip.ParseAddr(e); err == nil && lit == a {
			return true
		}
	}
	for n, text := range k.netw.cfg.Hosts {
		if ta, err := netip.ParseAddr(text); err != nil || ta != a {
			continue
		}
		host := canonicalHost(n)
		if slices.ContainsFunc(allowed, func(e string) bool { return hostMatches(e, host) }) {
			return true
		}
	}
	return false
}

// hostName is the name to report for an address: the one the app
// resolved, else the first table name for it, else the literal.
func (k *Kernel) hostName(a netip.Addr) string {
	if n, ok := k.netw.names[a]; ok {
		return n
	}
	var names []string
	for n, text := range k.netw.cfg.Hosts {
		if ta, err := netip.ParseAddr(text); err == nil && ta == a {
			names = append(names, canonicalHost(n))
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return names[0]
	}
	return a.String()
}

// Firewall rules named in net.deny events.
const (
	ruleAllowedConnections = "AllowedConnections"
	ruleTCPServerPorts     = "AllowedTcpServerPorts"
	ruleUDPServerPorts     = "AllowedUdpServerPorts"
)

// deny reports a firewall refusal.
func (k *Kernel) deny(p *process, proto, host string, addr netip.Addr, port int, rule string) {
	f := []trace.Field{trace.Str("cid", p.cid), trace.Str("proto", proto), trace.Str("host", host)}
	if addr.IsValid() {
		f = append(f, trace.Str("addr", addr.String()))
	}
	f = append(f, trace.Int("port", int64(port)), trace.Str("rule", rule))
	k.tr.Emit(trace.Kernel, "net.deny", f...)
}

// checkOutbound applies the outbound firewall to a connection p opens to
// a:port. A refused destination fails with EPERM (see docs/abi.md §26:
// the firewall drops the packet in the OUTPUT chain, which Linux reports
// to connect() and sendto() as EPERM) and a net.deny event.
func (k *Kernel) checkOutbound(p *process, proto string, a netip.Addr, port int) kernelmsg.Errno {
	if !k.online() {
		return kernelmsg.ENETUNREACH
	}
	if !k.allowedAddr(p, a) {
		k.deny(p, proto, k.hostName(a), a, port, ruleAllowedConnections)
		return kernelmsg.EPERM
	}
	return 0
}

// serverPortAllowed reports whether p's manifest declares port for proto.
func serverPortAllowed(m *manifest.Manifest, proto string, port int) bool {
	if proto == "udp" {
		return slices.Contains(m.Capabilities.AllowedUdpServerPorts, port)
	}
	return slices.Contains(m.Capabilities.AllowedTcpServerPorts, port)
}

func hostPort(a netip.Addr, port int) string {
	return net.JoinHostPort(a.String(), strconv.Itoa(port))
}
