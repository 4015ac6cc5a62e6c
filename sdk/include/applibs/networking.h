/// \file networking.h
/// \brief The networking subsystem: interface state and connection status, IP configuration,
/// time synchronisation (NTP), DHCP and SNTP servers on private interfaces, hardware
/// addresses and proxy settings. Each function's summary names the manifest capability it
/// needs.
///
/// NETWORKING_STRUCTS_VERSION selects the struct versions; it defaults to 1, the only version.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "networking.h"). Implemented on the "applibs" imports networking_* (docs/
/// abi.md): interface count/list/status/state and time-sync enable. The configuration objects
/// (Networking_IpConfig, Networking_DhcpServerConfig, Networking_SntpServerConfig,
/// Networking_ProxyConfig) are fully implemented in C. The calls that would change or query
/// other OS networking state (IpConfig_Apply, ReleaseIp/RenewIp, the NTP selection functions,
/// DHCP/SNTP server start, hardware address, proxy apply/get/status) are not emulated yet:
/// after their argument checks they fail with ENOSYS (and the emulator traces the call).
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <applibs/applibs_internal_api_traits.h>

#ifndef NETWORKING_STRUCTS_VERSION
#define NETWORKING_STRUCTS_VERSION 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>How an interface gets its IP address.</summary>
typedef enum {
    /// <summary>No DHCP client: a static address must be configured.</summary>
    Networking_IpType_DhcpNone = 0,
    /// <summary>A DHCP client assigns the address.</summary>
    Networking_IpType_DhcpClient = 1
} Networking_IpType;
typedef uint8_t Networking_IpType_Type;

/// <summary>The network technology of an interface.</summary>
typedef enum {
    Networking_InterfaceMedium_Unspecified = 0,
    Networking_InterfaceMedium_Wifi = 1,
    Networking_InterfaceMedium_Ethernet = 2
} Networking_InterfaceMedium;
typedef uint8_t Networking_InterfaceMedium_Type;

/// <summary>Version 1 of the properties of a network interface. Use it as
/// Networking_NetworkInterface.</summary>
struct z__Networking_NetworkInterface_v1 {
    /// <summary>Identifies the struct type and version. Do not change.</summary>
    uint32_t z__magicAndVersion;
    /// <summary>Whether the interface is enabled.</summary>
    bool isEnabled;
    /// <summary>The interface name, NUL-terminated ("wlan0", "eth0", "azspheresvc").</summary>
    char interfaceName[IF_NAMESIZE];
    /// <summary>Reserved.</summary>
    uint32_t reserved;
    /// <summary>A Networking_IpType value.</summary>
    Networking_IpType_Type ipConfigurationType;
    /// <summary>A Networking_InterfaceMedium value.</summary>
    Networking_InterfaceMedium_Type interfaceMediumType;
};

#if NETWORKING_STRUCTS_VERSION == 1
typedef struct z__Networking_NetworkInterface_v1 Networking_NetworkInterface;
#else
#error NETWORKING_STRUCTS_VERSION is set to an unsupported value. Only version 1 is supported.
#endif

struct z__Networking_NetworkInterface_Base {
    uint32_t z__magicAndVersion;
};

/// <summary>Magic part of z__magicAndVersion (the low 16 bits hold the version).</summary>
#define z__NETWORKING_NETWORK_INTERFACE_STRUCT_MAGIC 0xfa9a0000

/// <summary>An opaque IP configuration (Networking_IpConfig_* functions).</summary>
typedef struct Networking_IpConfig {
    uint64_t reserved[5];
} Networking_IpConfig;

/// <summary>An opaque SNTP server configuration.</summary>
typedef struct Networking_SntpServerConfig {
    uint64_t reserved[3];
} Networking_SntpServerConfig;

/// <summary>An opaque DHCP server configuration.</summary>
typedef struct Networking_DhcpServerConfig {
    uint64_t reserved[8];
} Networking_DhcpServerConfig;

/// <summary>Length of an Ethernet hardware (MAC) address.</summary>
#define HARDWARE_ADDRESS_LENGTH 6

/// <summary>A hardware address.</summary>
typedef struct Networking_Interface_HardwareAddress {
    uint8_t address[HARDWARE_ADDRESS_LENGTH];
} Networking_Interface_HardwareAddress;

/// <summary>Connection status of an interface (bit mask).</summary>
typedef uint32_t Networking_InterfaceConnectionStatus;
enum {
    /// <summary>The interface is enabled.</summary>
    Networking_InterfaceConnectionStatus_InterfaceUp = 1 << 0,
    /// <summary>The interface is connected to a network.</summary>
    Networking_InterfaceConnectionStatus_ConnectedToNetwork = 1 << 1,
    /// <summary>The interface has an IP address.</summary>
    Networking_InterfaceConnectionStatus_IpAvailable = 1 << 2,
    /// <summary>The interface reaches the internet.</summary>
    Networking_InterfaceConnectionStatus_ConnectedToInternet = 1 << 3
};

/// <summary>Whether the default NTP server is kept as a fallback.</summary>
typedef uint32_t Networking_NtpOption;
enum {
    Networking_NtpOption_FallbackServerDisabled = 0,
    Networking_NtpOption_FallbackServerEnabled = 1,
};

/// <summary>Proxy status (bit mask).</summary>
typedef uint32_t Networking_ProxyStatus;
enum {
    Networking_ProxyStatus_Enabled = 1 << 0,
    Networking_ProxyStatus_ResolvingProxyName = 1 << 1,
    Networking_ProxyStatus_Ready = 1 << 2,
};

/// <summary>Longest proxy address, without the NUL.</summary>
#define PROXY_ADDRESS_MAX_LENGTH 255
/// <summary>Longest no-proxy address list, without the NUL.</summary>
#define PROXY_NO_PROXY_ADDRESSES_MAX_LENGTH 255
/// <summary>Longest proxy user name, without the NUL.</summary>
#define PROXY_USERNAME_MAX_LENGTH 63
/// <summary>Longest proxy password, without the NUL.</summary>
#define PROXY_PASSWORD_MAX_LENGTH 63

/// <summary>Proxy options (bit mask).</summary>
typedef uint32_t Networking_ProxyOptions;
enum {
    Networking_ProxyOptions_None = 1 << 0,
    Networking_ProxyOptions_Enabled = 1 << 1,
};

/// <summary>Proxy types.</summary>
typedef int8_t Networking_ProxyType;
enum {
    Networking_ProxyType_Invalid = -1,
    Networking_ProxyType_HTTP = 0
};

/// <summary>Proxy authentication types.</summary>
typedef int8_t Networking_ProxyAuthType;
enum {
    Networking_ProxyAuthType_Invalid = -1,
    Networking_ProxyAuthType_Anonymous = 0,
    Networking_ProxyAuthType_Basic = 1
};

/// <summary>An opaque proxy configuration (Networking_Proxy_* functions).</summary>
typedef struct Networking_ProxyConfig Networking_ProxyConfig;

/// <summary>
///     Tells whether networking is ready (superseded by
///     <see cref="Networking_GetInterfaceConnectionStatus"/>): sets *outIsNetworkingReady to
///     true when the wlan0 interface reports
///     Networking_InterfaceConnectionStatus_ConnectedToInternet (enabled, connected, has an
///     address, reaches the internet, time synced).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="outIsNetworkingReady"/> is NULL;
///     otherwise as <see cref="Networking_GetInterfaceConnectionStatus"/>.
/// </summary>
int Networking_IsNetworkingReady(bool *outIsNetworkingReady);

/// <summary>
///     Returns the number of network interfaces of the device.
///     <para>Returns -1 and sets errno on failure (EAGAIN: the network stack is not ready).
///     </para>
/// </summary>
ssize_t Networking_GetInterfaceCount(void);

/// <summary>Versioned implementation of Networking_GetInterfaces; use that.</summary>
ssize_t z__Networking_GetInterfaces(
    struct z__Networking_NetworkInterface_Base *outNetworkInterfacesArray,
    size_t networkInterfacesArrayCount, uint32_t networkInterfaceStructVersion);

/// <summary>
///     Fills an array with the device's network interfaces (as many as fit).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT the array is NULL; ERANGE the count is 0; EAGAIN the
///     network stack is not ready.
/// </summary>
/// <returns>The number of elements filled.</returns>
static inline ssize_t Networking_GetInterfaces(Networking_NetworkInterface *outNetworkInterfacesArray,
                                               size_t networkInterfacesArrayCount)
{
    return z__Networking_GetInterfaces(
        (struct z__Networking_NetworkInterface_Base *)outNetworkInterfacesArray,
        networkInterfacesArrayCount, NETWORKING_STRUCTS_VERSION);
}

/// <summary>
///     Enables or disables a network interface. Needs the NetworkConfig capability.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT name is NULL; EACCES no NetworkConfig capability;
///     ENOENT no such interface; EPERM not allowed on this interface; EAGAIN not ready.
/// </summary>
int Networking_SetInterfaceState(const char *networkInterfaceName, bool isEnabled);

/// <summary>
///     Gets the connection status of a network interface.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT an argument is NULL; ENOENT no such interface;
///     EAGAIN the network stack is not ready.
/// </summary>
int Networking_GetInterfaceConnectionStatus(const char *networkInterfaceName,
                                            Networking_InterfaceConnectionStatus *outStatus);

/// <summary>Initialises an IP configuration (dynamic IP, automatic DNS). Destroy it with
/// <see cref="Networking_IpConfig_Destroy"/>.</summary>
void Networking_IpConfig_Init(Networking_IpConfig *ipConfig);

/// <summary>Releases an IP configuration made by Networking_IpConfig_Init.</summary>
void Networking_IpConfig_Destroy(Networking_IpConfig *ipConfig);

/// <summary>Selects dynamic IP (DHCP client).</summary>
void Networking_IpConfig_EnableDynamicIp(Networking_IpConfig *ipConfig);

/// <summary>Selects a static IP address, subnet mask and gateway.</summary>
void Networking_IpConfig_EnableStaticIp(Networking_IpConfig *ipConfig, struct in_addr ipAddress,
                                        struct in_addr subnetMask, struct in_addr gatewayAddress);

/// <summary>Obtains DNS server addresses automatically (DHCP).</summary>
void Networking_IpConfig_EnableAutomaticDns(Networking_IpConfig *ipConfig);

/// <summary>
///     Uses up to three custom DNS servers, replacing any set before.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT an argument is NULL; EINVAL more than three addresses
///     or one equals INADDR_ANY.
/// </summary>
int Networking_IpConfig_EnableCustomDns(Networking_IpConfig *ipConfig,
                                        const struct in_addr *dnsServerAddresses,
                                        size_t serverCount);

/// <summary>
///     Applies an IP configuration to an interface. Needs NetworkConfig.
///     <para>Errors: EFAULT an argument is NULL; EACCES; ENOENT; EPERM; EAGAIN; EFBIG.
///     sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_IpConfig_Apply(const char *networkInterfaceName,
                              const Networking_IpConfig *ipConfig);

/// <summary>
///     Releases the interface's DHCP-assigned address. Needs NetworkConfig.
///     <para>sphere-emu: not emulated yet, fails with ENOSYS (EFAULT for a NULL name).</para>
/// </summary>
int Networking_IpConfig_ReleaseIp(const char *networkInterfaceName);

/// <summary>
///     Renews the interface's DHCP lease. Needs NetworkConfig.
///     <para>sphere-emu: not emulated yet, fails with ENOSYS (EFAULT for a NULL name).</para>
/// </summary>
int Networking_IpConfig_RenewIp(const char *networkInterfaceName);

/// <summary>
///     Uses the default NTP server. Needs TimeSyncConfig.
///     <para>sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_TimeSync_EnableDefaultNtp(void);

/// <summary>
///     Uses NTP servers from DHCP option 42. Needs TimeSyncConfig.
///     <para>Errors: EINVAL bad option. sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_TimeSync_EnableAutomaticNtp(Networking_NtpOption option);

/// <summary>
///     Uses one or two custom NTP servers (host names or addresses). Needs TimeSyncConfig.
///     <para>Errors: EFAULT primary is NULL; ERANGE a name is too long; EINVAL bad option.
///     sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_TimeSync_EnableCustomNtp(const char *primaryNtpServer,
                                        const char *secondaryNtpServer,
                                        Networking_NtpOption option);

/// <summary>
///     Gets the NTP server and times of the last successful time sync.
///     <para>Errors: EFAULT outNtpServer given without inOutNtpServerLength; ENOENT no sync yet;
///     ENOBUFS buffer too small. sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_TimeSync_GetLastNtpSyncInfo(char *outNtpServer, size_t *inOutNtpServerLength,
                                           struct tm *outTimeBeforeSync, struct tm *outNtpTime);

/// <summary>
///     Enables or disables the time-sync service (persists across reboots). Needs
///     TimeSyncConfig.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES no TimeSyncConfig capability; EAGAIN not ready.
/// </summary>
int Networking_TimeSync_SetEnabled(bool enabled);

/// <summary>
///     Tells whether the time-sync service is enabled. Needs TimeSyncConfig.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="outIsEnabled"/> is NULL; EACCES no
///     TimeSyncConfig capability; EAGAIN not ready.
/// </summary>
int Networking_TimeSync_GetEnabled(bool *outIsEnabled);

/// <summary>Initialises an SNTP server configuration. Destroy it with
/// <see cref="Networking_SntpServerConfig_Destroy"/>.</summary>
void Networking_SntpServerConfig_Init(Networking_SntpServerConfig *sntpServerConfig);

/// <summary>Releases an SNTP server configuration.</summary>
void Networking_SntpServerConfig_Destroy(Networking_SntpServerConfig *sntpServerConfig);

/// <summary>
///     Starts the SNTP server on an interface. Needs SntpService.
///     <para>Errors: EFAULT an argument is NULL; EACCES; ENOENT; EPERM; EAGAIN.
///     sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_SntpServer_Start(const char *networkInterfaceName,
                                const Networking_SntpServerConfig *sntpServerConfig);

/// <summary>Initialises a DHCP server configuration. Destroy it with
/// <see cref="Networking_DhcpServerConfig_Destroy"/>.</summary>
void Networking_DhcpServerConfig_Init(Networking_DhcpServerConfig *dhcpServerConfig);

/// <summary>Releases a DHCP server configuration.</summary>
void Networking_DhcpServerConfig_Destroy(Networking_DhcpServerConfig *dhcpServerConfig);

/// <summary>
///     Sets the leases of a DHCP server configuration.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="dhcpServerConfig"/> is NULL; EINVAL
///     no addresses, a zero lease time, or a gateway outside the leased subnet.
/// </summary>
int Networking_DhcpServerConfig_SetLease(Networking_DhcpServerConfig *dhcpServerConfig,
                                         struct in_addr startIpAddress, uint8_t ipAddressCount,
                                         struct in_addr subnetMask, struct in_addr gatewayAddress,
                                         uint32_t leaseTimeInHours);

/// <summary>
///     Sets the NTP servers a DHCP server announces (at most three).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT an argument is NULL; EINVAL more than three addresses.
/// </summary>
int Networking_DhcpServerConfig_SetNtpServerAddresses(Networking_DhcpServerConfig *dhcpServerConfig,
                                                      const struct in_addr *ntpServerAddresses,
                                                      size_t serverCount);

/// <summary>
///     Starts the DHCP server on an interface (which must have a static address). Needs
///     DhcpService.
///     <para>Errors: EFAULT an argument is NULL; EACCES; ENOENT; EPERM; EAGAIN; EINVAL; EFBIG.
///     sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_DhcpServer_Start(const char *networkInterfaceName,
                                const Networking_DhcpServerConfig *dhcpServerConfig);

/// <summary>
///     Sets (and persists) an Ethernet interface's hardware address. Needs
///     HardwareAddressConfig.
///     <para>Errors: EFAULT an argument is NULL; ERANGE the length is not
///     HARDWARE_ADDRESS_LENGTH; EINVAL an all-zero or group address; EACCES; ENOENT; EPERM.
///     sphere-emu: not emulated yet, fails with ENOSYS after the argument checks.</para>
/// </summary>
int Networking_SetHardwareAddress(const char *networkInterfaceName, const uint8_t *hardwareAddress,
                                  size_t hardwareAddressLength);

/// <summary>
///     Gets an interface's hardware address.
///     <para>Errors: EFAULT an argument is NULL; ENOENT; EPERM. sphere-emu: not emulated yet,
///     fails with ENOSYS.</para>
/// </summary>
int Networking_GetHardwareAddress(const char *networkInterfaceName,
                                  Networking_Interface_HardwareAddress *outAddress);

/// <summary>
///     Creates a proxy configuration (enabled, HTTP, anonymous, no address). Release it with
///     <see cref="Networking_Proxy_Destroy"/>.
///     <para>Returns NULL and sets errno ENOMEM on failure.</para>
/// </summary>
Networking_ProxyConfig *Networking_Proxy_Create(void);

/// <summary>Releases a proxy configuration (NULL is ignored).</summary>
void Networking_Proxy_Destroy(Networking_ProxyConfig *proxyConfig);

/// <summary>
///     Applies a proxy configuration to the device. Needs NetworkConfig.
///     <para>Errors: EFAULT NULL; EACCES. sphere-emu: not emulated yet, fails with ENOSYS.
///     </para>
/// </summary>
int Networking_Proxy_Apply(const Networking_ProxyConfig *proxyConfig);

/// <summary>
///     Reads the device's proxy configuration. Needs NetworkConfig or ReadNetworkProxyConfig.
///     <para>Errors: EFAULT NULL; EACCES; ENOENT no proxy configured. sphere-emu: not emulated
///     yet, fails with ENOSYS.</para>
/// </summary>
int Networking_Proxy_Get(Networking_ProxyConfig *proxyConfig);

/// <summary>Sets the options of a proxy configuration. Errors: EFAULT NULL.</summary>
int Networking_Proxy_SetProxyOptions(Networking_ProxyConfig *proxyConfig,
                                     Networking_ProxyOptions proxyOptions);

/// <summary>Sets the proxy's address (host name or IPv4 address) and port. Errors: EFAULT an
/// argument is NULL; ERANGE address longer than PROXY_ADDRESS_MAX_LENGTH.</summary>
int Networking_Proxy_SetProxyAddress(Networking_ProxyConfig *proxyConfig, const char *proxyAddress,
                                     uint16_t proxyPort);

/// <summary>Selects anonymous authentication (forgets user name and password). Errors: EFAULT
/// NULL.</summary>
int Networking_Proxy_SetAnonymousAuthentication(Networking_ProxyConfig *proxyConfig);

/// <summary>Selects basic authentication. Errors: EFAULT an argument is NULL; ERANGE user name
/// or password too long.</summary>
int Networking_Proxy_SetBasicAuthentication(Networking_ProxyConfig *proxyConfig,
                                            const char *username, const char *password);

/// <summary>Sets the comma-separated hosts that bypass the proxy. Errors: EFAULT an argument is
/// NULL; ERANGE longer than PROXY_NO_PROXY_ADDRESSES_MAX_LENGTH.</summary>
int Networking_Proxy_SetProxyNoProxyAddresses(Networking_ProxyConfig *proxyConfig,
                                              const char *noProxyAddresses);

/// <summary>Gets the options of a proxy configuration. Errors: EFAULT an argument is NULL.
/// </summary>
int Networking_Proxy_GetProxyOptions(const Networking_ProxyConfig *proxyConfig,
                                     Networking_ProxyOptions *proxyOptions);

/// <summary>Gets the proxy address (valid until Destroy; "" when unset). Returns NULL with
/// errno EFAULT when proxyConfig is NULL.</summary>
const char *Networking_Proxy_GetProxyAddress(const Networking_ProxyConfig *proxyConfig);

/// <summary>Gets the proxy port. Errors: EFAULT an argument is NULL.</summary>
int Networking_Proxy_GetProxyPort(const Networking_ProxyConfig *proxyConfig, uint16_t *proxyPort);

/// <summary>Gets the proxy type; Networking_ProxyType_Invalid with errno EFAULT for NULL.
/// </summary>
Networking_ProxyType Networking_Proxy_GetProxyType(const Networking_ProxyConfig *proxyConfig);

/// <summary>Gets the user name (valid until Destroy; "" when unset); NULL with errno EFAULT
/// for NULL.</summary>
const char *Networking_Proxy_GetProxyUsername(const Networking_ProxyConfig *proxyConfig);

/// <summary>Gets the password (valid until Destroy; "" when unset); NULL with errno EFAULT for
/// NULL.</summary>
const char *Networking_Proxy_GetProxyPassword(const Networking_ProxyConfig *proxyConfig);

/// <summary>Gets the authentication type; Networking_ProxyAuthType_Invalid with errno EFAULT
/// for NULL.</summary>
Networking_ProxyAuthType Networking_Proxy_GetAuthType(const Networking_ProxyConfig *proxyConfig);

/// <summary>Gets the no-proxy host list (valid until Destroy; "" when unset); NULL with errno
/// EFAULT for NULL.</summary>
const char *Networking_Proxy_GetNoProxyAddresses(const Networking_ProxyConfig *proxyConfig);

/// <summary>
///     Gets the device's proxy status.
///     <para>Errors: EFAULT NULL. sphere-emu: not emulated yet, fails with ENOSYS.</para>
/// </summary>
int Networking_Proxy_GetProxyStatus(Networking_ProxyStatus *proxyStatus);

#ifdef __cplusplus
}
#endif
