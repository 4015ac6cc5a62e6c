// Package image reads, writes, signs and verifies the images an emulated
// Azure Sphere (MT3620) device boots from.
//
// It covers four formats:
//
//   - image packages (package.go, metadata.go, signature.go): the real Azure
//     Sphere layout of payload, "4X4M" metadata sections and a 64-byte
//     ECDSA P-256 signature;
//   - the payload file tree of application images (fs.go), an
//     emulator-defined stand-in for the real ASXipFS;
//   - the trusted keystore (keystore.go), the payload of the TrustedKeystore
//     image that lists the public keys allowed to sign images;
//   - the flash image (locator.go, build.go), an emulator-defined locator
//     table followed by partitions holding image packages.
//
// Every parser in this package is fed hostile bytes by fault-injection tests:
// parsers return errors and never panic, whatever their input.
//
// The formats are described byte by byte in docs/image-format.md.
package image
