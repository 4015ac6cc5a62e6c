package kernel

// TestOnlyAckStorageBeforePersist, when set, is a deliberately broken
// kernel for the invariant checker's tests (fault/invariant_test.go): a
// write to mutable storage is acknowledged to the app (and traced as
// storage.write) without being saved; the file is saved only when the app
// closes it. A power cut in between loses a write the app saw succeed.
// Never set it outside a test.
var TestOnlyAckStorageBeforePersist bool
