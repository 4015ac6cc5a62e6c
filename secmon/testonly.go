package secmon

// TestOnlyReleaseRunningCores, when set, is a deliberately broken Security
// Monitor for the invariant checker's tests (fault/invariant_test.go): it
// releases a real-time core's peripheral when asked even while the core runs
// with that peripheral in its firewall, so a hostile kernel can map it to a
// second compartment. Never set it outside a test.
var TestOnlyReleaseRunningCores bool
