package device

// SetNetworkUp brings the device's network up or down, as if the access
// point appeared or vanished: Networking_IsNetworkingReady and the
// interfaces' connection status follow, and connect() fails with
// ENETUNREACH while it is down (kernel.Kernel.SetNetworkUp). Call it
// between runs, or from an event scheduled on Sim(). A reboot starts again
// from Config.Net.Offline.
func (d *Device) SetNetworkUp(up bool) { d.kernel.SetNetworkUp(up) }

// NetworkReady reports what Networking_IsNetworkingReady would answer now.
func (d *Device) NetworkReady() bool { return d.kernel.NetworkReady() }
