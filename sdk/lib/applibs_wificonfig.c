// applibs wificonfig.h for sphere-emu: not emulated yet. Each function checks its pointer
// arguments (EFAULT), then fails with ENOSYS through applibs_unimplemented, which lets the
// emulator trace which API the app wanted.
#define WIFICONFIG_STRUCTS_VERSION 1
#define _AZSPHERE_USE_DEPRECATED_API 1
#include <applibs/wificonfig.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

#define REQUIRE(p)                        \
    do {                                  \
        if ((p) == NULL) {                \
            return applibs_fail(EFAULT);  \
        }                                 \
    } while (0)

int WifiConfig_StoreOpenNetwork(const uint8_t *ssid, size_t ssidLength)
{
    (void)ssidLength;
    REQUIRE(ssid);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_StoreOpenNetwork");
}

int WifiConfig_StoreWpa2Network(const uint8_t *ssid, size_t ssidLength, const char *psk,
                                size_t pskLength)
{
    (void)ssidLength;
    (void)pskLength;
    REQUIRE(ssid);
    REQUIRE(psk);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_StoreWpa2Network");
}

int z__WifiConfig_ForgetNetwork(const struct z__WifiConfig_StoredNetwork_Base *storedNetwork)
{
    REQUIRE(storedNetwork);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_ForgetNetwork");
}

int WifiConfig_ForgetNetworkById(int networkId)
{
    (void)networkId;
    return APPLIBS_UNIMPLEMENTED("WifiConfig_ForgetNetworkById");
}

int WifiConfig_ForgetAllNetworks(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_ForgetAllNetworks");
}

ssize_t WifiConfig_GetStoredNetworkCount(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetStoredNetworkCount");
}

ssize_t z__WifiConfig_GetStoredNetworks(struct z__WifiConfig_StoredNetwork_Base *storedNetworkArray,
                                        size_t storedNetworkArrayCount,
                                        uint32_t storedNetworkStructVersion)
{
    (void)storedNetworkStructVersion;
    REQUIRE(storedNetworkArray);
    if (storedNetworkArrayCount == 0) {
        return applibs_fail(ERANGE);
    }
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetStoredNetworks");
}

int z__WifiConfig_GetCurrentNetwork(struct z__WifiConfig_ConnectedNetwork_Base *connectedNetwork,
                                    uint32_t connectedNetworkStructVersion)
{
    (void)connectedNetworkStructVersion;
    REQUIRE(connectedNetwork);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetCurrentNetwork");
}

int WifiConfig_TriggerScanAndGetScannedNetworkCount(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_TriggerScanAndGetScannedNetworkCount");
}

ssize_t z__WifiConfig_GetScannedNetworks(
    struct z__WifiConfig_ScannedNetwork_Base *scannedNetworkArray, size_t scannedNetworkArrayCount,
    uint32_t scannedNetworkStructVersion)
{
    (void)scannedNetworkStructVersion;
    REQUIRE(scannedNetworkArray);
    if (scannedNetworkArrayCount == 0) {
        return applibs_fail(ERANGE);
    }
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetScannedNetworks");
}

int WifiConfig_AddNetwork(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_AddNetwork");
}

int WifiConfig_AddDuplicateNetwork(int networkId, const char *configName)
{
    (void)networkId;
    REQUIRE(configName);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_AddDuplicateNetwork");
}

int WifiConfig_SetSSID(int networkId, const uint8_t *ssid, size_t ssidLength)
{
    (void)networkId;
    (void)ssidLength;
    REQUIRE(ssid);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetSSID");
}

int WifiConfig_SetSecurityType(int networkId, WifiConfig_Security_Type securityType)
{
    (void)networkId;
    (void)securityType;
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetSecurityType");
}

int WifiConfig_SetNetworkEnabled(int networkId, bool enabled)
{
    (void)networkId;
    (void)enabled;
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetNetworkEnabled");
}

int WifiConfig_PersistConfig(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_PersistConfig");
}

int WifiConfig_ReloadConfig(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_ReloadConfig");
}

int WifiConfig_SetPSK(int networkId, const char *psk, size_t pskLength)
{
    (void)networkId;
    (void)pskLength;
    REQUIRE(psk);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetPSK");
}

int WifiConfig_SetClientIdentity(int networkId, const char *identity)
{
    (void)networkId;
    REQUIRE(identity);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetClientIdentity");
}

int WifiConfig_SetClientCertStoreIdentifier(int networkId, const char *certStoreIdentifier)
{
    (void)networkId;
    REQUIRE(certStoreIdentifier);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetClientCertStoreIdentifier");
}

int WifiConfig_SetRootCACertStoreIdentifier(int networkId, const char *certStoreIdentifier)
{
    (void)networkId;
    REQUIRE(certStoreIdentifier);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetRootCACertStoreIdentifier");
}

int WifiConfig_SetConfigName(int networkId, const char *configName)
{
    (void)networkId;
    REQUIRE(configName);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetConfigName");
}

int WifiConfig_SetTargetedScanEnabled(int networkId, bool enabled)
{
    (void)networkId;
    (void)enabled;
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetTargetedScanEnabled");
}

int WifiConfig_GetNetworkIdByConfigName(const char *configName)
{
    REQUIRE(configName);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetNetworkIdByConfigName");
}

int WifiConfig_GetNetworkDiagnostics(int networkId,
                                     WifiConfig_NetworkDiagnostics *networkDiagnostics)
{
    (void)networkId;
    REQUIRE(networkDiagnostics);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetNetworkDiagnostics");
}

int WifiConfig_GetClientIdentity(int networkId, WifiConfig_ClientIdentity *outIdentity)
{
    (void)networkId;
    REQUIRE(outIdentity);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetClientIdentity");
}

int WifiConfig_GetClientCertStoreIdentifier(int networkId, CertStore_Identifier *outIdentifier)
{
    (void)networkId;
    REQUIRE(outIdentifier);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetClientCertStoreIdentifier");
}

int WifiConfig_GetRootCACertStoreIdentifier(int networkId, CertStore_Identifier *outIdentifier)
{
    (void)networkId;
    REQUIRE(outIdentifier);
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetRootCACertStoreIdentifier");
}

int WifiConfig_GetConnectedNetworkId(void)
{
    return APPLIBS_UNIMPLEMENTED("WifiConfig_GetConnectedNetworkId");
}

int WifiConfig_SetPowerSavingsEnabled(bool enabled)
{
    (void)enabled;
    return APPLIBS_UNIMPLEMENTED("WifiConfig_SetPowerSavingsEnabled");
}
