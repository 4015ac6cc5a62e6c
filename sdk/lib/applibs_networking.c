// applibs networking.h for sphere-emu.
//
// Emulated through the host: interface count, list, connection status and state, and the
// time-sync switch. The configuration objects (IpConfig, SntpServerConfig, DhcpServerConfig,
// ProxyConfig) are plain C. Calls that would apply configuration or read other OS networking
// state are not emulated yet: after the checks the real API documents (EFAULT, EINVAL,
// ERANGE) they fail with ENOSYS through applibs_unimplemented, so the emulator can trace them.
#define _POSIX_C_SOURCE 200809L  // strnlen, clock_gettime even when built with -std=c17
#include <applibs/networking.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

#define INTERFACE_V1 (z__NETWORKING_NETWORK_INTERFACE_STRUCT_MAGIC | 1u)

// ---- Host-backed queries -----------------------------------------------------------------

ssize_t Networking_GetInterfaceCount(void)
{
    return applibs_result(__applibs_networking_get_interface_count());
}

ssize_t z__Networking_GetInterfaces(
    struct z__Networking_NetworkInterface_Base *outNetworkInterfacesArray,
    size_t networkInterfacesArrayCount, uint32_t networkInterfaceStructVersion)
{
    if (outNetworkInterfacesArray == NULL) {
        return applibs_fail(EFAULT);
    }
    if (networkInterfacesArrayCount == 0) {
        return applibs_fail(ERANGE);
    }
    if (networkInterfaceStructVersion != 1) {
        return applibs_fail(EINVAL);
    }
    size_t max = networkInterfacesArrayCount > 16 ? 16 : networkInterfacesArrayCount;
    applibs_network_interface_record records[16];
    int32_t n = __applibs_networking_get_interfaces(records, (uint32_t)max);
    if (n < 0) {
        return applibs_result(n);
    }
    struct z__Networking_NetworkInterface_v1 *out =
        (struct z__Networking_NetworkInterface_v1 *)outNetworkInterfacesArray;
    for (int32_t i = 0; i < n && (size_t)i < max; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].z__magicAndVersion = INTERFACE_V1;
        out[i].isEnabled = records[i].enabled != 0;
        memcpy(out[i].interfaceName, records[i].name, sizeof records[i].name);
        out[i].interfaceName[IF_NAMESIZE - 1] = '\0';
        out[i].ipConfigurationType = records[i].ip_config_type;
        out[i].interfaceMediumType = records[i].medium;
    }
    return n;
}

int Networking_GetInterfaceConnectionStatus(const char *networkInterfaceName,
                                            Networking_InterfaceConnectionStatus *outStatus)
{
    if (networkInterfaceName == NULL || outStatus == NULL) {
        return applibs_fail(EFAULT);
    }
    uint32_t status = 0;
    int32_t r = __applibs_networking_get_connection_status(
        networkInterfaceName, (uint32_t)strnlen(networkInterfaceName, IF_NAMESIZE), &status);
    if (r < 0) {
        return applibs_result(r);
    }
    *outStatus = status;
    return 0;
}

int Networking_IsNetworkingReady(bool *outIsNetworkingReady)
{
    if (outIsNetworkingReady == NULL) {
        return applibs_fail(EFAULT);
    }
    Networking_InterfaceConnectionStatus status;
    if (Networking_GetInterfaceConnectionStatus("wlan0", &status) != 0) {
        return -1;
    }
    *outIsNetworkingReady =
        (status & Networking_InterfaceConnectionStatus_ConnectedToInternet) != 0;
    return 0;
}

int Networking_SetInterfaceState(const char *networkInterfaceName, bool isEnabled)
{
    if (networkInterfaceName == NULL) {
        return applibs_fail(EFAULT);
    }
    return applibs_result(__applibs_networking_set_interface_state(
        networkInterfaceName, (uint32_t)strnlen(networkInterfaceName, IF_NAMESIZE),
        isEnabled ? 1u : 0u));
}

int Networking_TimeSync_SetEnabled(bool enabled)
{
    return applibs_result(__applibs_networking_timesync_set_enabled(enabled ? 1u : 0u));
}

int Networking_TimeSync_GetEnabled(bool *outIsEnabled)
{
    if (outIsEnabled == NULL) {
        return applibs_fail(EFAULT);
    }
    uint8_t enabled = 0;
    int32_t r = __applibs_networking_timesync_get_enabled(&enabled);
    if (r < 0) {
        return applibs_result(r);
    }
    *outIsEnabled = enabled != 0;
    return 0;
}

// ---- Networking_IpConfig ------------------------------------------------------------------

typedef struct {
    uint32_t magic;  // IPCONFIG_MAGIC once initialised
    bool staticIp;
    bool customDns;
    uint8_t dnsCount;
    struct in_addr ip, mask, gateway;
    struct in_addr dns[3];
} IpConfig;
_Static_assert(sizeof(IpConfig) <= sizeof(Networking_IpConfig), "IpConfig too large");
#define IPCONFIG_MAGIC 0x49504346u  // "IPCF"

void Networking_IpConfig_Init(Networking_IpConfig *ipConfig)
{
    if (ipConfig == NULL) {
        return;
    }
    memset(ipConfig, 0, sizeof *ipConfig);
    ((IpConfig *)ipConfig)->magic = IPCONFIG_MAGIC;
}

void Networking_IpConfig_Destroy(Networking_IpConfig *ipConfig)
{
    if (ipConfig != NULL) {
        memset(ipConfig, 0, sizeof *ipConfig);
    }
}

void Networking_IpConfig_EnableDynamicIp(Networking_IpConfig *ipConfig)
{
    if (ipConfig != NULL) {
        ((IpConfig *)ipConfig)->staticIp = false;
    }
}

void Networking_IpConfig_EnableStaticIp(Networking_IpConfig *ipConfig, struct in_addr ipAddress,
                                        struct in_addr subnetMask, struct in_addr gatewayAddress)
{
    if (ipConfig == NULL) {
        return;
    }
    IpConfig *c = (IpConfig *)ipConfig;
    c->staticIp = true;
    c->ip = ipAddress;
    c->mask = subnetMask;
    c->gateway = gatewayAddress;
}

void Networking_IpConfig_EnableAutomaticDns(Networking_IpConfig *ipConfig)
{
    if (ipConfig != NULL) {
        IpConfig *c = (IpConfig *)ipConfig;
        c->customDns = false;
        c->dnsCount = 0;
    }
}

int Networking_IpConfig_EnableCustomDns(Networking_IpConfig *ipConfig,
                                        const struct in_addr *dnsServerAddresses,
                                        size_t serverCount)
{
    if (ipConfig == NULL || dnsServerAddresses == NULL) {
        return applibs_fail(EFAULT);
    }
    if (serverCount > 3) {
        return applibs_fail(EINVAL);
    }
    for (size_t i = 0; i < serverCount; i++) {
        if (dnsServerAddresses[i].s_addr == INADDR_ANY) {
            return applibs_fail(EINVAL);
        }
    }
    IpConfig *c = (IpConfig *)ipConfig;
    c->customDns = true;
    c->dnsCount = (uint8_t)serverCount;
    memcpy(c->dns, dnsServerAddresses, serverCount * sizeof *dnsServerAddresses);
    return 0;
}

int Networking_IpConfig_Apply(const char *networkInterfaceName,
                              const Networking_IpConfig *ipConfig)
{
    if (networkInterfaceName == NULL || ipConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_IpConfig_Apply");
}

int Networking_IpConfig_ReleaseIp(const char *networkInterfaceName)
{
    if (networkInterfaceName == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_IpConfig_ReleaseIp");
}

int Networking_IpConfig_RenewIp(const char *networkInterfaceName)
{
    if (networkInterfaceName == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_IpConfig_RenewIp");
}

// ---- Time sync (NTP selection) --------------------------------------------------------------

#define FQDN_MAX_LENGTH 255

int Networking_TimeSync_EnableDefaultNtp(void)
{
    return APPLIBS_UNIMPLEMENTED("Networking_TimeSync_EnableDefaultNtp");
}

int Networking_TimeSync_EnableAutomaticNtp(Networking_NtpOption option)
{
    if (option > Networking_NtpOption_FallbackServerEnabled) {
        return applibs_fail(EINVAL);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_TimeSync_EnableAutomaticNtp");
}

int Networking_TimeSync_EnableCustomNtp(const char *primaryNtpServer,
                                        const char *secondaryNtpServer,
                                        Networking_NtpOption option)
{
    if (primaryNtpServer == NULL) {
        return applibs_fail(EFAULT);
    }
    if (strnlen(primaryNtpServer, FQDN_MAX_LENGTH + 1) > FQDN_MAX_LENGTH ||
        (secondaryNtpServer != NULL &&
         strnlen(secondaryNtpServer, FQDN_MAX_LENGTH + 1) > FQDN_MAX_LENGTH)) {
        return applibs_fail(ERANGE);
    }
    if (option > Networking_NtpOption_FallbackServerEnabled) {
        return applibs_fail(EINVAL);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_TimeSync_EnableCustomNtp");
}

int Networking_TimeSync_GetLastNtpSyncInfo(char *outNtpServer, size_t *inOutNtpServerLength,
                                           struct tm *outTimeBeforeSync, struct tm *outNtpTime)
{
    (void)outTimeBeforeSync;
    (void)outNtpTime;
    if (outNtpServer != NULL && inOutNtpServerLength == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_TimeSync_GetLastNtpSyncInfo");
}

// ---- SNTP and DHCP servers ------------------------------------------------------------------

typedef struct {
    uint32_t magic;
} SntpServerConfig;
_Static_assert(sizeof(SntpServerConfig) <= sizeof(Networking_SntpServerConfig), "too large");
#define SNTPCONFIG_MAGIC 0x534e5450u  // "SNTP"

void Networking_SntpServerConfig_Init(Networking_SntpServerConfig *sntpServerConfig)
{
    if (sntpServerConfig != NULL) {
        memset(sntpServerConfig, 0, sizeof *sntpServerConfig);
        ((SntpServerConfig *)sntpServerConfig)->magic = SNTPCONFIG_MAGIC;
    }
}

void Networking_SntpServerConfig_Destroy(Networking_SntpServerConfig *sntpServerConfig)
{
    if (sntpServerConfig != NULL) {
        memset(sntpServerConfig, 0, sizeof *sntpServerConfig);
    }
}

int Networking_SntpServer_Start(const char *networkInterfaceName,
                                const Networking_SntpServerConfig *sntpServerConfig)
{
    if (networkInterfaceName == NULL || sntpServerConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_SntpServer_Start");
}

typedef struct {
    uint32_t magic;
    struct in_addr start, mask, gateway;
    uint32_t leaseHours;
    uint8_t count;
    uint8_t ntpCount;
    struct in_addr ntp[3];
} DhcpServerConfig;
_Static_assert(sizeof(DhcpServerConfig) <= sizeof(Networking_DhcpServerConfig), "too large");
#define DHCPCONFIG_MAGIC 0x44484350u  // "DHCP"

void Networking_DhcpServerConfig_Init(Networking_DhcpServerConfig *dhcpServerConfig)
{
    if (dhcpServerConfig != NULL) {
        memset(dhcpServerConfig, 0, sizeof *dhcpServerConfig);
        ((DhcpServerConfig *)dhcpServerConfig)->magic = DHCPCONFIG_MAGIC;
    }
}

void Networking_DhcpServerConfig_Destroy(Networking_DhcpServerConfig *dhcpServerConfig)
{
    if (dhcpServerConfig != NULL) {
        memset(dhcpServerConfig, 0, sizeof *dhcpServerConfig);
    }
}

int Networking_DhcpServerConfig_SetLease(Networking_DhcpServerConfig *dhcpServerConfig,
                                         struct in_addr startIpAddress, uint8_t ipAddressCount,
                                         struct in_addr subnetMask, struct in_addr gatewayAddress,
                                         uint32_t leaseTimeInHours)
{
    if (dhcpServerConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    // The gateway must be in the leased subnet.
    if (ipAddressCount == 0 || leaseTimeInHours == 0 ||
        (startIpAddress.s_addr & subnetMask.s_addr) != (gatewayAddress.s_addr & subnetMask.s_addr)) {
        return applibs_fail(EINVAL);
    }
    DhcpServerConfig *c = (DhcpServerConfig *)dhcpServerConfig;
    c->start = startIpAddress;
    c->count = ipAddressCount;
    c->mask = subnetMask;
    c->gateway = gatewayAddress;
    c->leaseHours = leaseTimeInHours;
    return 0;
}

int Networking_DhcpServerConfig_SetNtpServerAddresses(Networking_DhcpServerConfig *dhcpServerConfig,
                                                      const struct in_addr *ntpServerAddresses,
                                                      size_t serverCount)
{
    if (dhcpServerConfig == NULL || ntpServerAddresses == NULL) {
        return applibs_fail(EFAULT);
    }
    if (serverCount > 3) {
        return applibs_fail(EINVAL);
    }
    DhcpServerConfig *c = (DhcpServerConfig *)dhcpServerConfig;
    c->ntpCount = (uint8_t)serverCount;
    memcpy(c->ntp, ntpServerAddresses, serverCount * sizeof *ntpServerAddresses);
    return 0;
}

int Networking_DhcpServer_Start(const char *networkInterfaceName,
                                const Networking_DhcpServerConfig *dhcpServerConfig)
{
    if (networkInterfaceName == NULL || dhcpServerConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_DhcpServer_Start");
}

// ---- Hardware address -----------------------------------------------------------------------

int Networking_SetHardwareAddress(const char *networkInterfaceName, const uint8_t *hardwareAddress,
                                  size_t hardwareAddressLength)
{
    if (networkInterfaceName == NULL || hardwareAddress == NULL) {
        return applibs_fail(EFAULT);
    }
    if (hardwareAddressLength != HARDWARE_ADDRESS_LENGTH) {
        return applibs_fail(ERANGE);
    }
    static const uint8_t zero[HARDWARE_ADDRESS_LENGTH];
    if (memcmp(hardwareAddress, zero, sizeof zero) == 0 || (hardwareAddress[0] & 1) != 0) {
        return applibs_fail(EINVAL);  // all-zero or group (multicast) address
    }
    return APPLIBS_UNIMPLEMENTED("Networking_SetHardwareAddress");
}

int Networking_GetHardwareAddress(const char *networkInterfaceName,
                                  Networking_Interface_HardwareAddress *outAddress)
{
    if (networkInterfaceName == NULL || outAddress == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_GetHardwareAddress");
}

// ---- Proxy configuration --------------------------------------------------------------------

struct Networking_ProxyConfig {
    Networking_ProxyOptions options;
    Networking_ProxyType type;
    Networking_ProxyAuthType authType;
    uint16_t port;
    char address[PROXY_ADDRESS_MAX_LENGTH + 1];
    char noProxy[PROXY_NO_PROXY_ADDRESSES_MAX_LENGTH + 1];
    char username[PROXY_USERNAME_MAX_LENGTH + 1];
    char password[PROXY_PASSWORD_MAX_LENGTH + 1];
};

// Copies a NUL-terminated string of at most max characters. Returns 0 or ERANGE.
static int copy_limited(char *dst, const char *src, size_t max)
{
    size_t n = strnlen(src, max + 1);
    if (n > max) {
        return ERANGE;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

Networking_ProxyConfig *Networking_Proxy_Create(void)
{
    Networking_ProxyConfig *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;  // errno ENOMEM
    }
    c->options = Networking_ProxyOptions_Enabled;
    c->type = Networking_ProxyType_HTTP;
    c->authType = Networking_ProxyAuthType_Anonymous;
    return c;
}

void Networking_Proxy_Destroy(Networking_ProxyConfig *proxyConfig)
{
    free(proxyConfig);
}

int Networking_Proxy_Apply(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_Proxy_Apply");
}

int Networking_Proxy_Get(Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_Proxy_Get");
}

int Networking_Proxy_SetProxyOptions(Networking_ProxyConfig *proxyConfig,
                                     Networking_ProxyOptions proxyOptions)
{
    if (proxyConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    proxyConfig->options = proxyOptions;
    return 0;
}

int Networking_Proxy_SetProxyAddress(Networking_ProxyConfig *proxyConfig, const char *proxyAddress,
                                     uint16_t proxyPort)
{
    if (proxyConfig == NULL || proxyAddress == NULL) {
        return applibs_fail(EFAULT);
    }
    int e = copy_limited(proxyConfig->address, proxyAddress, PROXY_ADDRESS_MAX_LENGTH);
    if (e != 0) {
        return applibs_fail(e);
    }
    proxyConfig->port = proxyPort;
    return 0;
}

int Networking_Proxy_SetAnonymousAuthentication(Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail(EFAULT);
    }
    proxyConfig->authType = Networking_ProxyAuthType_Anonymous;
    memset(proxyConfig->username, 0, sizeof proxyConfig->username);
    memset(proxyConfig->password, 0, sizeof proxyConfig->password);
    return 0;
}

int Networking_Proxy_SetBasicAuthentication(Networking_ProxyConfig *proxyConfig,
                                            const char *username, const char *password)
{
    if (proxyConfig == NULL || username == NULL || password == NULL) {
        return applibs_fail(EFAULT);
    }
    if (strnlen(username, PROXY_USERNAME_MAX_LENGTH + 1) > PROXY_USERNAME_MAX_LENGTH ||
        strnlen(password, PROXY_PASSWORD_MAX_LENGTH + 1) > PROXY_PASSWORD_MAX_LENGTH) {
        return applibs_fail(ERANGE);
    }
    copy_limited(proxyConfig->username, username, PROXY_USERNAME_MAX_LENGTH);
    copy_limited(proxyConfig->password, password, PROXY_PASSWORD_MAX_LENGTH);
    proxyConfig->authType = Networking_ProxyAuthType_Basic;
    return 0;
}

int Networking_Proxy_SetProxyNoProxyAddresses(Networking_ProxyConfig *proxyConfig,
                                              const char *noProxyAddresses)
{
    if (proxyConfig == NULL || noProxyAddresses == NULL) {
        return applibs_fail(EFAULT);
    }
    int e = copy_limited(proxyConfig->noProxy, noProxyAddresses,
                         PROXY_NO_PROXY_ADDRESSES_MAX_LENGTH);
    return e != 0 ? applibs_fail(e) : 0;
}

int Networking_Proxy_GetProxyOptions(const Networking_ProxyConfig *proxyConfig,
                                     Networking_ProxyOptions *proxyOptions)
{
    if (proxyConfig == NULL || proxyOptions == NULL) {
        return applibs_fail(EFAULT);
    }
    *proxyOptions = proxyConfig->options;
    return 0;
}

const char *Networking_Proxy_GetProxyAddress(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail_null(EFAULT);
    }
    return proxyConfig->address;
}

int Networking_Proxy_GetProxyPort(const Networking_ProxyConfig *proxyConfig, uint16_t *proxyPort)
{
    if (proxyConfig == NULL || proxyPort == NULL) {
        return applibs_fail(EFAULT);
    }
    *proxyPort = proxyConfig->port;
    return 0;
}

Networking_ProxyType Networking_Proxy_GetProxyType(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        errno = EFAULT;
        return Networking_ProxyType_Invalid;
    }
    return proxyConfig->type;
}

const char *Networking_Proxy_GetProxyUsername(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail_null(EFAULT);
    }
    return proxyConfig->username;
}

const char *Networking_Proxy_GetProxyPassword(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail_null(EFAULT);
    }
    return proxyConfig->password;
}

Networking_ProxyAuthType Networking_Proxy_GetAuthType(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        errno = EFAULT;
        return Networking_ProxyAuthType_Invalid;
    }
    return proxyConfig->authType;
}

const char *Networking_Proxy_GetNoProxyAddresses(const Networking_ProxyConfig *proxyConfig)
{
    if (proxyConfig == NULL) {
        return applibs_fail_null(EFAULT);
    }
    return proxyConfig->noProxy;
}

int Networking_Proxy_GetProxyStatus(Networking_ProxyStatus *proxyStatus)
{
    if (proxyStatus == NULL) {
        return applibs_fail(EFAULT);
    }
    return APPLIBS_UNIMPLEMENTED("Networking_Proxy_GetProxyStatus");
}
