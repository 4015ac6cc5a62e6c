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

// TestPlatformPrivateKey is the PEM private half of the TEST platform root
// key. It is public (testdata/keys/README.md): the embedded security service
// signs capability files with it by default, as Microsoft's service signs
// real ones with a key real devices trust. Never trust it for anything real.
//
//go:embed testdata/keys/platform-root.key.pem
var TestPlatformPrivateKey []byte

// TestSDKPrivateKey is the PEM private half of the PUBLIC SDK test key in
// testdata/keys (sdk-test.key.pem). Packages it signs run only on a device
// whose image trusts it as a test key and that holds the appDevelopment
// capability; the fault package's sideload-no-capability script signs with it.
//
//go:embed testdata/keys/sdk-test.key.pem
var TestSDKPrivateKey []byte
