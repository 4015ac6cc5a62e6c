// sphere-emu SDK: <net/if.h> (missing from wasi-libc), for IF_NAMESIZE, which
// <applibs/networking.h> uses for interface names (Networking_NetworkInterface).
#ifndef SPHERE_EMU_NET_IF_H
#define SPHERE_EMU_NET_IF_H

/// Size of an interface name buffer, including the terminating NUL ("wlan0", "eth0", ...).
#define IF_NAMESIZE 16
#define IFNAMSIZ IF_NAMESIZE

#endif
