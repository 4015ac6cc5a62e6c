package sphereemu

import "embed"

// SDK is the C SDK that `sphere-emu sdk build` compiles apps against, as
// files under "sdk/": include/ (the applibs headers), lib/ (their C side,
// compiled into every app), hardware-definitions/ (mt3620.json,
// mt3620_rdb.json and their generated inc/hw headers) and flags.sh (the
// compiler and linker flags, shared with testdata/apps/build.sh). The
// binary carries it so that an installed sphere-emu builds apps from any
// folder; `sphere-emu sdk` unpacks it into a content-addressed cache
// directory. The all: prefixes keep files whose names start with _ or .
// (wasi-libc-style headers such as __typedef_sigset_t.h).
//
//go:embed all:sdk/include all:sdk/lib all:sdk/hardware-definitions sdk/flags.sh all:sdk/rt/include all:sdk/rt/lib sdk/rt/flags.sh
var SDK embed.FS

// TestAppPrivateKey is the PEM private half of the PUBLIC TEST app-signing
// key in testdata/keys (its public half is TestAppPublicKey). `sphere-emu
// sdk build` signs with it unless given --key, like the Azure Sphere SDK's
// test key: anyone can sign anything with it, and any flash image built
// with `sphere-emu image build --keys testdata/keys` trusts it.
//
//go:embed testdata/keys/app-signing.key.pem
var TestAppPrivateKey []byte
