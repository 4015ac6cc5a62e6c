// applibs_versions.h: the versions of the applibs structs this app is written against.
// The versioned applibs headers (uart.h, spi.h, networking.h, wificonfig.h, ...) read
// these; include this file before any applibs header.
#pragma once

// This app uses no versioned applibs structs.
