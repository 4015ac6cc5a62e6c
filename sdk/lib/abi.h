// Private to the sphere-emu C SDK: the WASM imports that applibs calls are built on.
//
// docs/abi.md is the contract; this file must match it exactly. Rules shared by every import:
//   - import module "applibs"; every parameter and every result is an i32, except where a
//     declaration below uses int64_t (i64) or float (f32);
//   - result >= 0 is success (a value or a file descriptor), result < 0 is -errno, with errno
//     numbered as in wasi-libc's <errno.h> (EACCES 2, EBADF 8, EBUSY 10, EFAULT 21, EINVAL 28,
//     ENODEV 43, ...), so apps see the same errno values and strerror() texts as for any libc
//     call;
//   - pointers are offsets into the module's exported "memory"; the host bounds-checks each one
//     and answers -EFAULT when it is NULL or out of range (except where a declaration says a
//     pointer may be 0 because its length is 0).
//
// To add an API: declare its imports here (in a section named after the applibs header), then
// write sdk/lib/applibs_<header>.c, which converts arguments, calls the import and passes the
// result through applibs_result(). Keep the import names snake_case: <area>_<verb>[_<noun>].
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define APPLIBS_IMPORT(name) __attribute__((__import_module__("applibs"), __import_name__(name)))

// Converts an import's result to the applibs convention: a negative result -e becomes
// errno = e and -1; anything else is returned unchanged.
static inline int applibs_result(int32_t r)
{
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

// Fails with errno = e and returns -1 (for checks the C side makes before calling the host).
static inline int applibs_fail(int e)
{
    errno = e;
    return -1;
}

// Fails with errno = e and returns NULL.
static inline void *applibs_fail_null(int e)
{
    errno = e;
    return NULL;
}

// ---- log.h ----------------------------------------------------------------------------------

// Logs len bytes of text at ptr (UTF-8 expected but not guaranteed; passed on verbatim,
// including any "\n"). Returns 0 or -errno.
APPLIBS_IMPORT("log_debug")
int32_t __applibs_log_debug(const char *ptr, size_t len);

// ---- gpio.h ---------------------------------------------------------------------------------

// Returns a file descriptor (>= 0) or -errno.
APPLIBS_IMPORT("gpio_open_input")
int32_t __applibs_gpio_open_input(int32_t gpio);

// mode and initial_value are zero-extended from uint8_t. Returns a file descriptor or -errno.
APPLIBS_IMPORT("gpio_open_output")
int32_t __applibs_gpio_open_output(int32_t gpio, uint32_t mode, uint32_t initial_value);

// The host writes one byte (0 or 1) at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("gpio_get_value")
int32_t __applibs_gpio_get_value(int32_t fd, uint8_t *out_ptr);

// value is zero-extended from uint8_t. Returns 0 or -errno.
APPLIBS_IMPORT("gpio_set_value")
int32_t __applibs_gpio_set_value(int32_t fd, uint32_t value);

// ---- eventloop.h ----------------------------------------------------------------------------

// One ready descriptor, as eventloop_wait writes it (8 bytes, little-endian).
typedef struct {
    uint32_t token;   // the token given to eventloop_register
    uint32_t events;  // EventLoop_Input 0x1 | EventLoop_Output 0x4 | EventLoop_Error 0x8
} applibs_eventloop_record;

// Creates a host event loop. Returns its descriptor or -errno.
APPLIBS_IMPORT("eventloop_create")
int32_t __applibs_eventloop_create(void);

// Watches fd for events (mask of 0x1/0x4/0x8); token is returned with its readiness records.
// Returns 0 or -errno (EEXIST: fd already registered).
APPLIBS_IMPORT("eventloop_register")
int32_t __applibs_eventloop_register(int32_t elfd, int32_t fd, uint32_t events, uint32_t token);

// Changes the events watched for fd. Returns 0 or -errno.
APPLIBS_IMPORT("eventloop_modify")
int32_t __applibs_eventloop_modify(int32_t elfd, int32_t fd, uint32_t events);

// Stops watching fd. Returns 0 or -errno.
APPLIBS_IMPORT("eventloop_unregister")
int32_t __applibs_eventloop_unregister(int32_t elfd, int32_t fd);

// Waits up to timeout_ms (-1 forever, 0 poll) for registered descriptors to be ready; writes
// up to max records at out_ptr. Returns the number of records, or -errno (-EINTR: a signal
// handler ran).
APPLIBS_IMPORT("eventloop_wait")
int32_t __applibs_eventloop_wait(int32_t elfd, int32_t timeout_ms,
                                 applibs_eventloop_record *out_ptr, uint32_t max);

// ---- sys/timerfd.h --------------------------------------------------------------------------

// clockid: 0 CLOCK_REALTIME, 1 CLOCK_MONOTONIC. flags: TFD_NONBLOCK (4). Returns fd or -errno.
APPLIBS_IMPORT("timerfd_create")
int32_t __applibs_timerfd_create(int32_t clockid, int32_t flags);

// flags: TFD_TIMER_ABSTIME (1). value_ns 0 disarms; interval_ns 0 is a one-shot timer.
// Returns 0 or -errno.
APPLIBS_IMPORT("timerfd_settime")
int32_t __applibs_timerfd_settime(int32_t fd, int32_t flags, int64_t value_ns,
                                  int64_t interval_ns);

// Writes {int64 remaining_ns, int64 interval_ns} (16 bytes) at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("timerfd_gettime")
int32_t __applibs_timerfd_gettime(int32_t fd, int64_t *out_ptr);

// ---- uart.h ---------------------------------------------------------------------------------

// Fields of UART_Config v1, each zero-extended. Returns fd or -errno.
APPLIBS_IMPORT("uart_open")
int32_t __applibs_uart_open(int32_t id, uint32_t baud, uint32_t blocking_mode,
                            uint32_t data_bits, uint32_t parity, uint32_t stop_bits,
                            uint32_t flow_control);

// ---- i2c.h ----------------------------------------------------------------------------------

APPLIBS_IMPORT("i2c_open")
int32_t __applibs_i2c_open(int32_t id);

APPLIBS_IMPORT("i2c_set_bus_speed")
int32_t __applibs_i2c_set_bus_speed(int32_t fd, uint32_t hz);

APPLIBS_IMPORT("i2c_set_timeout")
int32_t __applibs_i2c_set_timeout(int32_t fd, uint32_t ms);

APPLIBS_IMPORT("i2c_set_default_target")
int32_t __applibs_i2c_set_default_target(int32_t fd, uint32_t addr);

// One transaction with the device at addr: write wr_len bytes from wr_ptr, then (repeated
// start) read rd_len bytes to rd_ptr. Either length may be 0, and then its pointer may be 0.
// Returns the number of bytes transferred (written + read) or -errno.
APPLIBS_IMPORT("i2c_transfer")
int32_t __applibs_i2c_transfer(int32_t fd, uint32_t addr, const uint8_t *wr_ptr, uint32_t wr_len,
                               uint8_t *rd_ptr, uint32_t rd_len);

// ---- spi.h ----------------------------------------------------------------------------------

// One half-duplex transfer, as spi_transfer reads it (16 bytes, little-endian).
typedef struct {
    uint32_t flags;      // 1 read, 2 write
    uint32_t write_ptr;  // guest pointer (write transfers), else 0
    uint32_t read_ptr;   // guest pointer (read transfers), else 0
    uint32_t length;     // bytes, >= 1
} applibs_spi_record;

// cs: -1 CS A, -2 CS B. cs_polarity: 1 active low, 2 active high. Returns fd or -errno.
APPLIBS_IMPORT("spi_open")
int32_t __applibs_spi_open(int32_t iface, int32_t cs, uint32_t cs_polarity);

APPLIBS_IMPORT("spi_set_bus_speed")
int32_t __applibs_spi_set_bus_speed(int32_t fd, uint32_t hz);

APPLIBS_IMPORT("spi_set_mode")
int32_t __applibs_spi_set_mode(int32_t fd, uint32_t mode);

APPLIBS_IMPORT("spi_set_bit_order")
int32_t __applibs_spi_set_bit_order(int32_t fd, uint32_t order);

// Performs count transfers under one chip-select assertion. Returns total bytes or -errno.
APPLIBS_IMPORT("spi_transfer")
int32_t __applibs_spi_transfer(int32_t fd, const applibs_spi_record *xfers_ptr, uint32_t count);

// ---- adc.h ----------------------------------------------------------------------------------

APPLIBS_IMPORT("adc_open")
int32_t __applibs_adc_open(uint32_t id);

// Returns the sample width in bits or -errno.
APPLIBS_IMPORT("adc_get_sample_bit_count")
int32_t __applibs_adc_get_sample_bit_count(int32_t fd, uint32_t channel);

// volts is an f32. Returns 0 or -errno.
APPLIBS_IMPORT("adc_set_reference_voltage")
int32_t __applibs_adc_set_reference_voltage(int32_t fd, uint32_t channel, float volts);

// The host writes the sample as a u32 at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("adc_poll")
int32_t __applibs_adc_poll(int32_t fd, uint32_t channel, uint32_t *out_ptr);

// ---- pwm.h ----------------------------------------------------------------------------------

APPLIBS_IMPORT("pwm_open")
int32_t __applibs_pwm_open(uint32_t id);

// period_ns and duty_ns are unsigned. polarity 0 normal / 1 inversed; enabled 0/1.
APPLIBS_IMPORT("pwm_apply")
int32_t __applibs_pwm_apply(int32_t fd, uint32_t channel, uint32_t period_ns, uint32_t duty_ns,
                            uint32_t polarity, uint32_t enabled);

// ---- storage.h ------------------------------------------------------------------------------

// Opens (creating if needed) the mutable storage file, read-write, offset 0. Returns fd or
// -errno.
APPLIBS_IMPORT("storage_open_mutable")
int32_t __applibs_storage_open_mutable(void);

APPLIBS_IMPORT("storage_delete_mutable")
int32_t __applibs_storage_delete_mutable(void);

// Returns the length of the package root path (no NUL). Writes it at out_ptr only when it fits
// (length <= cap); out_ptr may be 0 when cap is 0.
APPLIBS_IMPORT("storage_package_root")
int32_t __applibs_storage_package_root(char *out_ptr, uint32_t cap);

// ---- application.h --------------------------------------------------------------------------

// cid_ptr/len: the component ID text (36 characters, no NUL). Returns a socket fd or -errno.
APPLIBS_IMPORT("application_connect")
int32_t __applibs_application_connect(const char *cid_ptr, uint32_t len);

// The host writes one byte (0/1) at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("application_is_device_auth_ready")
int32_t __applibs_application_is_device_auth_ready(uint8_t *out_ptr);

// ---- applications.h -------------------------------------------------------------------------

// kind: 0 total, 1 user mode, 2 peak user mode. Returns KiB or -errno.
APPLIBS_IMPORT("applications_get_memory_usage_kb")
int32_t __applibs_applications_get_memory_usage_kb(uint32_t kind);

// Returns the length of the OS version text (no NUL); writes it only when it fits.
APPLIBS_IMPORT("applications_get_os_version")
int32_t __applibs_applications_get_os_version(char *out_ptr, uint32_t cap);

// ---- powermanagement.h ----------------------------------------------------------------------

APPLIBS_IMPORT("powermanagement_force_reboot")
int32_t __applibs_powermanagement_force_reboot(void);

APPLIBS_IMPORT("powermanagement_force_power_down")
int32_t __applibs_powermanagement_force_power_down(uint32_t max_residency_s);

APPLIBS_IMPORT("powermanagement_set_power_profile")
int32_t __applibs_powermanagement_set_power_profile(uint32_t profile);

// ---- sysevent.h -----------------------------------------------------------------------------

// One event, as read() on the sysevent descriptor returns it (16 bytes, little-endian).
typedef struct {
    uint32_t event;                 // one SysEvent_Events flag
    uint32_t status;                // SysEvent_Status
    uint32_t update_type;           // SysEvent_UpdateType
    uint32_t max_deferral_minutes;  // for SysEvent_Status_Pending
} applibs_sysevent_record;

// Returns a non-blocking descriptor, readable while events are queued, or -errno.
APPLIBS_IMPORT("sysevent_register")
int32_t __applibs_sysevent_register(uint32_t mask);

APPLIBS_IMPORT("sysevent_defer")
int32_t __applibs_sysevent_defer(uint32_t event, uint32_t minutes);

APPLIBS_IMPORT("sysevent_resume")
int32_t __applibs_sysevent_resume(uint32_t event);

// ---- networking.h ---------------------------------------------------------------------------

// One interface, as networking_get_interfaces writes it (20 bytes).
typedef struct {
    char name[16];           // NUL-padded
    uint8_t enabled;         // 0/1
    uint8_t ip_config_type;  // Networking_IpType
    uint8_t medium;          // Networking_InterfaceMedium
    uint8_t reserved;        // 0
} applibs_network_interface_record;

APPLIBS_IMPORT("networking_get_interface_count")
int32_t __applibs_networking_get_interface_count(void);

// Writes up to max records at out_ptr. Returns the number written or -errno.
APPLIBS_IMPORT("networking_get_interfaces")
int32_t __applibs_networking_get_interfaces(applibs_network_interface_record *out_ptr,
                                            uint32_t max);

// The host writes the status bits as a u32 at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("networking_get_connection_status")
int32_t __applibs_networking_get_connection_status(const char *name_ptr, uint32_t len,
                                                   uint32_t *out_ptr);

APPLIBS_IMPORT("networking_set_interface_state")
int32_t __applibs_networking_set_interface_state(const char *name_ptr, uint32_t len,
                                                 uint32_t enabled);

APPLIBS_IMPORT("networking_timesync_set_enabled")
int32_t __applibs_networking_timesync_set_enabled(uint32_t enabled);

// The host writes one byte (0/1) at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("networking_timesync_get_enabled")
int32_t __applibs_networking_timesync_get_enabled(uint8_t *out_ptr);

// ---- rtc.h, time.h (clock_settime) ----------------------------------------------------------

APPLIBS_IMPORT("rtc_clock_systohc")
int32_t __applibs_rtc_clock_systohc(void);

// clockid: 0 CLOCK_REALTIME (the only settable clock). ns: nanoseconds since the epoch.
APPLIBS_IMPORT("clock_settime_ns")
int32_t __applibs_clock_settime_ns(int32_t clockid, int64_t ns);

// ---- signal.h -------------------------------------------------------------------------------

// handled: 0 default action (SIG_DFL), 1 the app has a handler (the host calls the exported
// __applibs_signal(signo) to run it), 2 ignored (SIG_IGN). Returns 0 or -errno.
APPLIBS_IMPORT("signal_set_disposition")
int32_t __applibs_signal_set_disposition(int32_t signo, int32_t handled);

// ---- sys/socket.h ---------------------------------------------------------------------------

// val_ptr is read only when len > 0. Returns 0 or -errno.
APPLIBS_IMPORT("socket_setsockopt")
int32_t __applibs_socket_setsockopt(int32_t fd, int32_t level, int32_t optname,
                                    const void *val_ptr, uint32_t len);

// ---- sys/socket.h, netdb.h: BSD sockets on the emulated network (docs/abi.md §26) ------------
//
// Constants are wasi-libc's (AF_INET 1, SOCK_DGRAM 5, SOCK_STREAM 6, SOCK_NONBLOCK 0x4000,
// SOCK_CLOEXEC 0x2000). An IPv4 address crosses as a uint32 whose value is the address read
// big-endian (1.2.3.4 is 0x01020304, i.e. ntohl(sin_addr.s_addr)); a port as a host-order
// integer.

// One socket address, as socket_accept and socket_getaddr write it (8 bytes, little-endian).
typedef struct {
    uint32_t ipv4;  // big-endian value of the address
    uint32_t port;  // host order
} applibs_sockaddr_record;

// Returns a socket descriptor or -errno (EAFNOSUPPORT for any family but AF_INET).
APPLIBS_IMPORT("socket_open")
int32_t __applibs_socket_open(int32_t domain, int32_t type, int32_t protocol);

// Connects through the OS firewall. Returns 0 or -errno: EPERM (the firewall: the address is
// not in AllowedConnections), ENETUNREACH (no network), ECONNREFUSED, ETIMEDOUT, EINPROGRESS
// (a non-blocking TCP socket: connected or failed at once; SO_ERROR tells which).
APPLIBS_IMPORT("socket_connect")
int32_t __applibs_socket_connect(int32_t fd, uint32_t ipv4, uint32_t port);

// Binds the local port (the address is ignored). Returns 0 or -errno.
APPLIBS_IMPORT("socket_bind")
int32_t __applibs_socket_bind(int32_t fd, uint32_t ipv4, uint32_t port);

APPLIBS_IMPORT("socket_listen")
int32_t __applibs_socket_listen(int32_t fd, int32_t backlog);

// flags: SOCK_NONBLOCK | SOCK_CLOEXEC. Writes the peer at out_ptr unless it is 0. Returns the
// new descriptor or -errno (EAGAIN: nothing to accept on a non-blocking socket).
APPLIBS_IMPORT("socket_accept")
int32_t __applibs_socket_accept(int32_t fd, uint32_t flags, applibs_sockaddr_record *out_ptr);

// Writes the option's value as an int32 at out_ptr (SO_ERROR: an errno, cleared by the read).
// Returns 0 or -errno.
APPLIBS_IMPORT("socket_getsockopt")
int32_t __applibs_socket_getsockopt(int32_t fd, int32_t level, int32_t optname, int32_t *out_ptr);

// peer 0: the local address (getsockname), 1: the peer (getpeername). Returns 0 or -errno.
APPLIBS_IMPORT("socket_getaddr")
int32_t __applibs_socket_getaddr(int32_t fd, uint32_t peer, applibs_sockaddr_record *out_ptr);

// Resolves a host name (name_len bytes, no NUL) with the OS resolver; writes up to max IPv4
// addresses (big-endian values) at out_ptr. Returns their number or -errno: ENOENT (no such
// name), ENETUNREACH (no network), EINVAL.
APPLIBS_IMPORT("net_resolve")
int32_t __applibs_net_resolve(const char *name_ptr, uint32_t name_len, uint32_t *out_ptr,
                              uint32_t max);

// ---- curl/curl.h, tlsutils/deviceauth.h: HTTPS served by the OS (docs/abi.md §27) ----------

// The result of https_perform (12 bytes, little-endian).
typedef struct {
    int32_t body_fd;    // read-only descriptor of the response body (-1 on failure)
    uint32_t status;    // HTTP status
    uint32_t body_len;  // bytes in the body
} applibs_https_result;

// Makes one HTTP(S) exchange described by the request record at req_ptr (the encoding is in
// docs/abi.md §27). Returns a CURLcode >= 0 (CURLE_OK: the result at out_ptr is filled in), or
// -errno for a malformed call (EFAULT, EINVAL).
APPLIBS_IMPORT("https_perform")
int32_t __applibs_https_perform(const uint8_t *req_ptr, uint32_t req_len,
                                applibs_https_result *out_ptr);

// Returns a DeviceAuthSslResult: 0 when the app may present the device's client certificate.
APPLIBS_IMPORT("deviceauth_ssl_ctx")
int32_t __applibs_deviceauth_ssl_ctx(void);

// Writes the certificate path when it fits in cap bytes and a descriptor of its directory at
// fd_out. Returns the path's length or -errno (EACCES: no DeviceAuthentication capability).
APPLIBS_IMPORT("deviceauth_cert_path")
int32_t __applibs_deviceauth_cert_path(char *out_ptr, uint32_t cap, int32_t *fd_out);

// ---- not emulated yet (wificonfig.h, certstore.h, deviceauth.h, parts of networking.h) ------

// Reports that the app called the API named by name_ptr/len (e.g. "WifiConfig_AddNetwork");
// always returns -ENOSYS.
APPLIBS_IMPORT("applibs_unimplemented")
int32_t __applibs_unimplemented(const char *name_ptr, uint32_t len);

// Fails an API that is not emulated yet: traces it through the host, returns -1 with errno
// set to the host's answer (ENOSYS).
static inline int applibs_unimplemented(const char *name, size_t len)
{
    int32_t r = __applibs_unimplemented(name, (uint32_t)len);
    errno = r < 0 ? (int)-r : ENOSYS;
    return -1;
}
#define APPLIBS_UNIMPLEMENTED(name) applibs_unimplemented(name, sizeof(name) - 1)

// ---- clock ids ------------------------------------------------------------------------------

// wasi-libc's clockid_t is a pointer; the imports number clocks as WASI and Linux do.
// Returns -1 for clocks the emulator does not know.
static inline int32_t applibs_clock_id(clockid_t clockid)
{
    if (clockid == CLOCK_REALTIME) {
        return 0;
    }
    if (clockid == CLOCK_MONOTONIC) {
        return 1;
    }
    return -1;
}
