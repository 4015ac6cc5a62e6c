package image

import (
	"bytes"
	"testing"
)

func benchPackage(b *testing.B) []byte {
	return testPackage(b, bytes.Repeat([]byte{0xA5}, 64<<10))
}

func BenchmarkParsePackage(b *testing.B) {
	pkg := benchPackage(b)
	b.SetBytes(int64(len(pkg)))
	for b.Loop() {
		if _, err := ParsePackage(pkg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	p, err := ParsePackage(benchPackage(b))
	if err != nil {
		b.Fatal(err)
	}
	key := &testKey(b, "app").PublicKey
	b.SetBytes(int64(len(p.Signed)))
	for b.Loop() {
		if err := p.VerifySignature(key); err != nil {
			b.Fatal(err)
		}
	}
}
