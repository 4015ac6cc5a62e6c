package kernelmsg

import (
	"encoding/binary"
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Syscall kinds: one per applibs import (docs/abi.md) and per WASI preview1
// function the kernel serves. Each takes Args and answers a Result whose
// Value is ≥ 0 or −errno (Linux numbering). Argument lists are given as
// (name, …) in the order of Args.Ints; "data" is Args.Data.
const (
	KindLog mailbox.Kind = 0x10 // data: text

	KindGPIOOpenInput  mailbox.Kind = 0x20 // (gpio) → fd
	KindGPIOOpenOutput mailbox.Kind = 0x21 // (gpio, mode, value) → fd
	KindGPIOGetValue   mailbox.Kind = 0x22 // (fd) → 0, data: one byte
	KindGPIOSetValue   mailbox.Kind = 0x23 // (fd, value)

	KindEventLoopCreate     mailbox.Kind = 0x40 // () → fd
	KindEventLoopRegister   mailbox.Kind = 0x41 // (elfd, fd, events, token)
	KindEventLoopModify     mailbox.Kind = 0x42 // (elfd, fd, events)
	KindEventLoopUnregister mailbox.Kind = 0x43 // (elfd, fd)
	KindEventLoopWait       mailbox.Kind = 0x44 // (elfd, timeout_ms, max) → n, data: n × {u32 token, u32 events}

	KindTimerfdCreate  mailbox.Kind = 0x48 // (clock, flags) → fd
	KindTimerfdSettime mailbox.Kind = 0x49 // (fd, flags, value_ns, interval_ns)
	KindTimerfdGettime mailbox.Kind = 0x4A // (fd) → 0, data: {i64 value_ns, i64 interval_ns}

	KindUARTOpen mailbox.Kind = 0x50 // (isu, baud, blocking, data_bits, parity, stop_bits, flow) → fd

	KindI2COpen             mailbox.Kind = 0x54 // (isu) → fd
	KindI2CSetBusSpeed      mailbox.Kind = 0x55 // (fd, hz)
	KindI2CSetTimeout       mailbox.Kind = 0x56 // (fd, ms)
	KindI2CSetDefaultTarget mailbox.Kind = 0x57 // (fd, addr)
	KindI2CTransfer         mailbox.Kind = 0x58 // (fd, addr, read_len), data: bytes to write → n, data: bytes read

	KindSPIOpen        mailbox.Kind = 0x5C // (isu, cs, cs_polarity) → fd
	KindSPISetBusSpeed mailbox.Kind = 0x5D // (fd, hz)
	KindSPISetMode     mailbox.Kind = 0x5E // (fd, mode)
	KindSPISetBitOrder mailbox.Kind = 0x5F // (fd, order)
	KindSPITransfer    mailbox.Kind = 0x60 // (fd), data: SPI transfer list → total, data: read bytes, concatenated

	KindADCOpen              mailbox.Kind = 0x64 // (controller) → fd
	KindADCGetSampleBitCount mailbox.Kind = 0x65 // (fd, channel) → bits
	KindADCSetReference      mailbox.Kind = 0x66 // (fd, channel, millivolts)
	KindADCPoll              mailbox.Kind = 0x67 // (fd, channel) → sample

	KindPWMOpen  mailbox.Kind = 0x6C // (controller) → fd
	KindPWMApply mailbox.Kind = 0x6D // (fd, channel, period_ns, duty_ns, polarity, enabled)

	KindStorageOpenMutable   mailbox.Kind = 0x70 // () → fd
	KindStorageDeleteMutable mailbox.Kind = 0x71 // ()
	KindStoragePackageRoot   mailbox.Kind = 0x72 // () → 0, data: path

	KindApplicationConnect        mailbox.Kind = 0x78 // data: component ID text → fd
	KindApplicationDeviceAuthRead mailbox.Kind = 0x79 // () → 0 or 1
	KindApplicationsMemoryUsage   mailbox.Kind = 0x7A // (kind, guest_memory_bytes) → KiB
	KindApplicationsOSVersion     mailbox.Kind = 0x7B // () → 0, data: version

	KindPowerForceReboot    mailbox.Kind = 0x80 // ()
	KindPowerForcePowerDown mailbox.Kind = 0x81 // (max_residency_s)
	KindPowerSetProfile     mailbox.Kind = 0x82 // (profile)

	KindSysEventRegister mailbox.Kind = 0x88 // (mask) → fd
	KindSysEventDefer    mailbox.Kind = 0x89 // (event, minutes)
	KindSysEventResume   mailbox.Kind = 0x8A // (event)

	KindNetInterfaceCount    mailbox.Kind = 0x90 // () → n
	KindNetInterfaces        mailbox.Kind = 0x91 // (max) → n, data: n × 20-byte records
	KindNetConnectionStatus  mailbox.Kind = 0x92 // data: interface name → status bits
	KindNetSetInterfaceState mailbox.Kind = 0x93 // (enabled), data: interface name
	KindNetTimeSyncSet       mailbox.Kind = 0x94 // (enabled)
	KindNetTimeSyncGet       mailbox.Kind = 0x95 // () → 0 or 1

	KindRTCSysToHC    mailbox.Kind = 0x98 // ()
	KindClockSettime  mailbox.Kind = 0x99 // (clock, ns)
	KindClockOffset   mailbox.Kind = 0x9A // () → wall-clock offset ns set by clock_settime
	KindSignalSetDisp mailbox.Kind = 0xA0 // (signo, disposition)
	KindSetsockopt    mailbox.Kind = 0xA1 // (fd, level, name), data: option value
	KindUnimplemented mailbox.Kind = 0xA2 // data: API name → −ENOSYS

	KindFdClose          mailbox.Kind = 0x100 // (fd)
	KindFdRead           mailbox.Kind = 0x101 // (fd, max) → n, data
	KindFdWrite          mailbox.Kind = 0x102 // (fd), data → n
	KindFdSeek           mailbox.Kind = 0x103 // (fd, offset, whence) → new offset
	KindFdFdstatGet      mailbox.Kind = 0x104 // (fd) → filetype | flags<<8
	KindFdFdstatSetFlags mailbox.Kind = 0x105 // (fd, flags)
	KindFdFilestatGet    mailbox.Kind = 0x106 // (fd) → 0, data: {u8 filetype, u64 size}
	KindFdPrestatGet     mailbox.Kind = 0x107 // (fd) → length of the preopened directory's name
	KindFdPrestatDirName mailbox.Kind = 0x108 // (fd) → 0, data: name
	KindFdSync           mailbox.Kind = 0x109 // (fd)
	KindPathOpen         mailbox.Kind = 0x10A // (dirfd, oflags, fdflags, write), data: path → fd
	KindPathFilestatGet  mailbox.Kind = 0x10B // (dirfd), data: path → 0, data: {u8 filetype, u64 size}
	KindPollOneoff       mailbox.Kind = 0x10C // data: subscriptions → n, data: events
	KindSockSend         mailbox.Kind = 0x10D // (fd), data → n
	KindSockRecv         mailbox.Kind = 0x10E // (fd, max, flags) → n, data
	KindSockShutdown     mailbox.Kind = 0x10F // (fd, how)
	KindGetrandom        mailbox.Kind = 0x110 // (n) → n, data
	KindFdFilestatSize   mailbox.Kind = 0x111 // (fd, size) (ftruncate)
	KindFdTell           mailbox.Kind = 0x112 // (fd) → offset
)

var syscallNames = map[mailbox.Kind]string{
	KindLog: "Log_Debug", KindGPIOOpenInput: "GPIO_OpenAsInput", KindGPIOOpenOutput: "GPIO_OpenAsOutput",
	KindGPIOGetValue: "GPIO_GetValue", KindGPIOSetValue: "GPIO_SetValue",
	KindEventLoopCreate: "EventLoop_Create", KindEventLoopRegister: "EventLoop_RegisterIo",
	KindEventLoopModify: "EventLoop_ModifyIoEvents", KindEventLoopUnregister: "EventLoop_UnregisterIo",
	KindEventLoopWait: "EventLoop_Wait", KindTimerfdCreate: "timerfd_create", KindTimerfdSettime: "timerfd_settime",
	KindTimerfdGettime: "timerfd_gettime", KindUARTOpen: "UART_Open", KindI2COpen: "I2CMaster_Open",
	KindI2CSetBusSpeed: "I2CMaster_SetBusSpeed", KindI2CSetTimeout: "I2CMaster_SetTimeout",
	KindI2CSetDefaultTarget: "I2CMaster_SetDefaultTargetAddress", KindI2CTransfer: "I2CMaster_Transfer",
	KindSPIOpen: "SPIMaster_Open", KindSPISetBusSpeed: "SPIMaster_SetBusSpeed", KindSPISetMode: "SPIMaster_SetMode",
	KindSPISetBitOrder: "SPIMaster_SetBitOrder", KindSPITransfer: "SPIMaster_TransferSequential",
	KindADCOpen: "ADC_Open", KindADCGetSampleBitCount: "ADC_GetSampleBitCount", KindADCSetReference: "ADC_SetReferenceVoltage",
	KindADCPoll: "ADC_Poll", KindPWMOpen: "PWM_Open", KindPWMApply: "PWM_Apply",
	KindStorageOpenMutable: "Storage_OpenMutableFile", KindStorageDeleteMutable: "Storage_DeleteMutableFile",
	KindStoragePackageRoot: "Storage_GetAbsolutePathInImagePackage", KindApplicationConnect: "Application_Connect",
	KindApplicationDeviceAuthRead: "Application_IsDeviceAuthReady", KindApplicationsMemoryUsage: "Applications_GetMemoryUsage",
	KindApplicationsOSVersion: "Applications_GetOsVersion", KindPowerForceReboot: "PowerManagement_ForceSystemReboot",
	KindPowerForcePowerDown: "PowerManagement_ForceSystemPowerDown", KindPowerSetProfile: "PowerManagement_SetSystemPowerProfile",
	KindSysEventRegister: "SysEvent_RegisterForEventNotifications", KindSysEventDefer: "SysEvent_DeferEvent",
	KindSysEventResume: "SysEvent_ResumeEvent", KindNetInterfaceCount: "Networking_GetInterfaceCount",
	KindNetInterfaces: "Networking_GetInterfaces", KindNetConnectionStatus: "Networking_GetInterfaceConnectionStatus",
	KindNetSetInterfaceState: "Networking_SetInterfaceState", KindNetTimeSyncSet: "Networking_TimeSync_SetEnabled",
	KindNetTimeSyncGet: "Networking_TimeSync_GetEnabled", KindRTCSysToHC: "clock_systohc", KindClockSettime: "clock_settime",
	KindClockOffset: "clock_offset", KindSignalSetDisp: "sigaction", KindSetsockopt: "setsockopt", KindUnimplemented: "unimplemented",
	KindFdClose: "fd_close", KindFdRead: "fd_read", KindFdWrite: "fd_write", KindFdSeek: "fd_seek",
	KindFdFdstatGet: "fd_fdstat_get", KindFdFdstatSetFlags: "fd_fdstat_set_flags", KindFdFilestatGet: "fd_filestat_get",
	KindFdPrestatGet: "fd_prestat_get", KindFdPrestatDirName: "fd_prestat_dir_name", KindFdSync: "fd_sync",
	KindPathOpen: "path_open", KindPathFilestatGet: "path_filestat_get", KindPollOneoff: "poll_oneoff",
	KindSockSend: "sock_send", KindSockRecv: "sock_recv", KindSockShutdown: "sock_shutdown", KindGetrandom: "random_get",
	KindFdFilestatSize: "fd_filestat_set_size", KindFdTell: "fd_tell",
}

// SyscallName returns the API name of a syscall kind ("" if unknown).
func SyscallName(k mailbox.Kind) string { return syscallNames[k] }

// EpochUnixNano is the wall-clock time at virtual time zero (2026-01-01
// 00:00:00 UTC), fixed so that runs repeat; clock_settime shifts it.
const EpochUnixNano int64 = 1767225600 * 1e9

// Poll subscription tags (WASI eventtype).
const (
	PollClock   = 0
	PollFdRead  = 1
	PollFdWrite = 2
)

// PollSub is one poll_oneoff subscription as the app core passes it: u64
// userdata, u8 tag, i32 fd, i64 deadline (absolute virtual ns; clock only).
type PollSub struct {
	Userdata uint64
	Tag      uint8
	FD       int32
	Deadline int64
}

// PollEvent is one poll_oneoff result: u64 userdata, u16 errno (Linux), u8
// tag, u64 bytes available, u16 flags (1 = hang-up).
type PollEvent struct {
	Userdata uint64
	Errno    uint16
	Tag      uint8
	NBytes   uint64
	Flags    uint16
}

const pollSubSize, pollEventSize = 21, 21

// MarshalPollSubs encodes subscriptions back to back.
func MarshalPollSubs(subs []PollSub) []byte {
	b := make([]byte, 0, len(subs)*pollSubSize)
	for _, s := range subs {
		b = binary.LittleEndian.AppendUint64(b, s.Userdata)
		b = append(b, s.Tag)
		b = binary.LittleEndian.AppendUint32(b, uint32(s.FD))
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Deadline))
	}
	return b
}

// UnmarshalPollSubs decodes subscriptions.
func UnmarshalPollSubs(b []byte) ([]PollSub, error) {
	if len(b)%pollSubSize != 0 {
		return nil, fmt.Errorf("poll subscriptions: %d bytes is not a multiple of %d", len(b), pollSubSize)
	}
	out := make([]PollSub, 0, len(b)/pollSubSize)
	for ; len(b) > 0; b = b[pollSubSize:] {
		s := PollSub{Userdata: binary.LittleEndian.Uint64(b), Tag: b[8], FD: int32(binary.LittleEndian.Uint32(b[9:])), Deadline: int64(binary.LittleEndian.Uint64(b[13:]))}
		if s.Tag > PollFdWrite {
			return nil, fmt.Errorf("poll subscription: unknown tag %d", s.Tag)
		}
		out = append(out, s)
	}
	return out, nil
}

// MarshalPollEvents encodes events back to back.
func MarshalPollEvents(evs []PollEvent) []byte {
	b := make([]byte, 0, len(evs)*pollEventSize)
	for _, e := range evs {
		b = binary.LittleEndian.AppendUint64(b, e.Userdata)
		b = binary.LittleEndian.AppendUint16(b, e.Errno)
		b = append(b, e.Tag)
		b = binary.LittleEndian.AppendUint64(b, e.NBytes)
		b = binary.LittleEndian.AppendUint16(b, e.Flags)
	}
	return b
}

// UnmarshalPollEvents decodes events.
func UnmarshalPollEvents(b []byte) ([]PollEvent, error) {
	if len(b)%pollEventSize != 0 {
		return nil, fmt.Errorf("poll events: %d bytes is not a multiple of %d", len(b), pollEventSize)
	}
	out := make([]PollEvent, 0, len(b)/pollEventSize)
	for ; len(b) > 0; b = b[pollEventSize:] {
		out = append(out, PollEvent{Userdata: binary.LittleEndian.Uint64(b), Errno: binary.LittleEndian.Uint16(b[8:]), Tag: b[10],
			NBytes: binary.LittleEndian.Uint64(b[11:]), Flags: binary.LittleEndian.Uint16(b[19:])})
	}
	return out, nil
}

// SPITransfer is one segment of an SPI transfer list: u32 flags (1 read, 2
// write), u32 length, then the bytes to write when flags has write.
type SPITransfer struct {
	Flags  uint32
	Length uint32
	Write  []byte
}

// MarshalSPITransfers encodes a transfer list.
func MarshalSPITransfers(ts []SPITransfer) []byte {
	var e mailbox.Encoder
	e.U32(uint32(len(ts)))
	for _, t := range ts {
		e.U32(t.Flags)
		e.U32(t.Length)
		if t.Flags&2 != 0 {
			e.Fixed(t.Write)
		}
	}
	return e.Bytes()
}

// MaxSPITransfers is SPI_MASTER_MAX_TRANSFERS.
const MaxSPITransfers = 256

// UnmarshalSPITransfers decodes a transfer list.
func UnmarshalSPITransfers(b []byte) ([]SPITransfer, error) {
	d := mailbox.NewDecoder(b)
	n := d.U32()
	if n == 0 || n > MaxSPITransfers {
		return nil, fmt.Errorf("SPI transfer list: %d transfers (1..%d allowed)", n, MaxSPITransfers)
	}
	out := make([]SPITransfer, 0, n)
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		t := SPITransfer{Flags: d.U32(), Length: d.U32()}
		if t.Flags == 0 || t.Flags > 3 {
			return nil, fmt.Errorf("SPI transfer %d: flags %d", i, t.Flags)
		}
		if t.Flags&2 != 0 {
			t.Write = d.Fixed(int(t.Length))
		}
		out = append(out, t)
	}
	return out, wrap("SPI transfer list", d.Finish())
}
