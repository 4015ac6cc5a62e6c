package device

// SetNetworkUp brings the device's network up or down, as if the access
// point appeared or vanished: Networking_IsNetworkingReady and the
// interfaces' connection status follow, and connect() fails with
// ENETUNREACH while it is down. The network is the board's — the world
// around the chip — so its state outlives a reboot; Config.Net.Offline
// sets it at power-on and a scenario's "network" input drives it too.
// Call it between runs, or from an event scheduled on Sim().
func (d *Device) SetNetworkUp(up bool) { d.board.SetNetworkUp(up) }

// NetworkReady reports what Networking_IsNetworkingReady would answer now.
func (d *Device) NetworkReady() bool { return d.kernel.NetworkReady() }
