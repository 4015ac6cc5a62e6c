// Package sphereemu holds the files bundled into every sphere-emu binary: the
// sample flash image and the public test keys. The emulator itself lives in
// the subpackages; see README.md and docs/.
package sphereemu

import _ "embed"

// SampleImage is testdata/images/blink.bin, the image `sphere-emu boot`
// runs when given none.
//
//go:embed testdata/images/blink.bin
var SampleImage []byte

// TestPlatformPublicKey is the PEM public half of the TEST platform root key
// in testdata/keys. New devices have its hash fused unless told otherwise.
//
//go:embed testdata/keys/platform-root.pub.pem
var TestPlatformPublicKey []byte

// TestAppPublicKey is the PEM public half of the TEST app-signing key.
//
//go:embed testdata/keys/app-signing.pub.pem
var TestAppPublicKey []byte
