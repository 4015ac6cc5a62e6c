/// \file wificonfig.h
/// \brief Wi-Fi network configuration: add, configure, persist, scan for and forget networks.
/// Needs the WifiConfig capability (EAP-TLS networks also EnterpriseWifiConfig).
///
/// WIFICONFIG_STRUCTS_VERSION selects the struct versions; it defaults to 1, the only version.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "wificonfig.h"). NOT EMULATED YET: every function checks its pointer
/// arguments (EFAULT) and then fails with ENOSYS through the "applibs" import
/// applibs_unimplemented, which lets the emulator trace which API the app wanted.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <applibs/applibs_internal_api_traits.h>
#include <applibs/certstore.h>

#ifndef WIFICONFIG_STRUCTS_VERSION
#define WIFICONFIG_STRUCTS_VERSION 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>Longest SSID, in bytes.</summary>
#define WIFICONFIG_SSID_MAX_LENGTH 32
/// <summary>Size of a WPA2 key buffer.</summary>
#define WIFICONFIG_WPA2_KEY_MAX_BUFFER_SIZE 64
/// <summary>Size of a BSSID.</summary>
#define WIFICONFIG_BSSID_BUFFER_SIZE 6
/// <summary>Longest configuration name, without the NUL.</summary>
#define WIFICONFIG_CONFIG_NAME_MAX_LENGTH 16
/// <summary>Longest EAP identity, without the NUL.</summary>
#define WIFICONFIG_EAP_IDENTITY_MAX_LENGTH 254

/// <summary>Wi-Fi security types.</summary>
typedef uint8_t WifiConfig_Security_Type;
enum {
    WifiConfig_Security_Unknown = 0,
    WifiConfig_Security_Open = 1,
    WifiConfig_Security_Wpa2_Psk = 2,
    WifiConfig_Security_Wpa2_EAP_TLS = 3,
};

/// <summary>Version 1 of a stored network. Use it as WifiConfig_StoredNetwork.</summary>
struct z__WifiConfig_StoredNetwork_v1 {
    uint32_t z__magicAndVersion;
    uint8_t ssid[WIFICONFIG_SSID_MAX_LENGTH];
    uint8_t ssidLength;
    bool isEnabled;
    bool isConnected;
    WifiConfig_Security_Type security;
};

/// <summary>Version 1 of the connected network. Use it as WifiConfig_ConnectedNetwork.
/// </summary>
struct z__WifiConfig_ConnectedNetwork_v1 {
    uint32_t z__magicAndVersion;
    uint8_t ssid[WIFICONFIG_SSID_MAX_LENGTH];
    uint8_t bssid[WIFICONFIG_BSSID_BUFFER_SIZE];
    uint8_t ssidLength;
    WifiConfig_Security_Type security;
    uint32_t frequencyMHz;
    int8_t signalRssi;
};

/// <summary>Version 1 of a scanned network. Use it as WifiConfig_ScannedNetwork.</summary>
struct z__WifiConfig_ScannedNetwork_v1 {
    uint32_t z__magicAndVersion;
    uint8_t ssid[WIFICONFIG_SSID_MAX_LENGTH];
    uint8_t bssid[WIFICONFIG_BSSID_BUFFER_SIZE];
    uint8_t ssidLength;
    WifiConfig_Security_Type security;
    uint32_t frequencyMHz;
    int8_t signalRssi;
};

#if WIFICONFIG_STRUCTS_VERSION == 1
typedef struct z__WifiConfig_StoredNetwork_v1 WifiConfig_StoredNetwork;
typedef struct z__WifiConfig_ConnectedNetwork_v1 WifiConfig_ConnectedNetwork;
typedef struct z__WifiConfig_ScannedNetwork_v1 WifiConfig_ScannedNetwork;
#else
#error WIFICONFIG_STRUCTS_VERSION is set to an unsupported value. Only version 1 is supported.
#endif

/// <summary>An EAP-TLS client identity, NUL-terminated.</summary>
typedef struct WifiConfig_ClientIdentity {
    char identity[WIFICONFIG_EAP_IDENTITY_MAX_LENGTH + 1];
} WifiConfig_ClientIdentity;

/// <summary>Diagnostics of the last connection attempt to a network.</summary>
typedef struct WifiConfig_NetworkDiagnostics {
    bool isEnabled;
    bool isConnected;
    int32_t error;
    time_t timestamp;
    uint32_t certError;
    int32_t certDepth;
    CertStore_SubjectName certSubject;
} WifiConfig_NetworkDiagnostics;

struct z__WifiConfig_StoredNetwork_Base {
    uint32_t z__magicAndVersion;
};
struct z__WifiConfig_ConnectedNetwork_Base {
    uint32_t z__magicAndVersion;
};
struct z__WifiConfig_ScannedNetwork_Base {
    uint32_t z__magicAndVersion;
};

/// <summary>Magic parts of z__magicAndVersion (the low 16 bits hold the version).</summary>
#define z__WIFICONFIG_STORED_NETWORK_STRUCT_MAGIC 0xb22e0000
#define z__WIFICONFIG_CONNECTED_NETWORK_STRUCT_MAGIC 0x09ef0000
#define z__WIFICONFIG_SCANNED_NETWORK_STRUCT_MAGIC 0x7eb10000

/// <summary>Versioned implementations; use the functions without the z__ prefix.</summary>
int z__WifiConfig_ForgetNetwork(const struct z__WifiConfig_StoredNetwork_Base *storedNetwork);
ssize_t z__WifiConfig_GetStoredNetworks(struct z__WifiConfig_StoredNetwork_Base *storedNetworkArray,
                                        size_t storedNetworkArrayCount,
                                        uint32_t storedNetworkStructVersion);
int z__WifiConfig_GetCurrentNetwork(struct z__WifiConfig_ConnectedNetwork_Base *connectedNetwork,
                                    uint32_t connectedNetworkStructVersion);
ssize_t z__WifiConfig_GetScannedNetworks(
    struct z__WifiConfig_ScannedNetwork_Base *scannedNetworkArray, size_t scannedNetworkArrayCount,
    uint32_t scannedNetworkStructVersion);

/// <summary>Stores an open network (deprecated; use WifiConfig_AddNetwork and setters).
/// </summary>
int WifiConfig_StoreOpenNetwork(const uint8_t *ssid, size_t ssidLength)
    _AZSPHERE_DEPRECATED_BY(WifiConfig_AddNetwork);

/// <summary>Stores a WPA2-PSK network (deprecated; use WifiConfig_AddNetwork and setters).
/// </summary>
int WifiConfig_StoreWpa2Network(const uint8_t *ssid, size_t ssidLength, const char *psk,
                                size_t pskLength) _AZSPHERE_DEPRECATED_BY(WifiConfig_AddNetwork);

/// <summary>Forgets a stored network (deprecated; use WifiConfig_ForgetNetworkById).</summary>
static inline int WifiConfig_ForgetNetwork(const WifiConfig_StoredNetwork *storedNetwork)
    _AZSPHERE_DEPRECATED_BY(WifiConfig_ForgetNetworkById);
static inline int WifiConfig_ForgetNetwork(const WifiConfig_StoredNetwork *storedNetwork)
{
    return z__WifiConfig_ForgetNetwork(
        (const struct z__WifiConfig_StoredNetwork_Base *)storedNetwork);
}

/// <summary>Forgets the network with the given ID.</summary>
int WifiConfig_ForgetNetworkById(int networkId);

/// <summary>Forgets every stored network.</summary>
int WifiConfig_ForgetAllNetworks(void);

/// <summary>Returns the number of stored networks, or -1 with errno.</summary>
ssize_t WifiConfig_GetStoredNetworkCount(void);

/// <summary>Fills an array with the stored networks; returns how many, or -1 with errno.
/// </summary>
static inline ssize_t WifiConfig_GetStoredNetworks(WifiConfig_StoredNetwork *storedNetworkArray,
                                                   size_t storedNetworkArrayCount)
{
    return z__WifiConfig_GetStoredNetworks(
        (struct z__WifiConfig_StoredNetwork_Base *)storedNetworkArray, storedNetworkArrayCount,
        WIFICONFIG_STRUCTS_VERSION);
}

/// <summary>Gets the network the device is connected to (ENOTCONN when none).</summary>
static inline int WifiConfig_GetCurrentNetwork(WifiConfig_ConnectedNetwork *connectedNetwork)
{
    return z__WifiConfig_GetCurrentNetwork(
        (struct z__WifiConfig_ConnectedNetwork_Base *)connectedNetwork, WIFICONFIG_STRUCTS_VERSION);
}

/// <summary>Scans (blocking) and returns the number of networks found, or -1 with errno.
/// </summary>
int WifiConfig_TriggerScanAndGetScannedNetworkCount(void);

/// <summary>Fills an array with the networks found by the last scan; returns how many, or -1
/// with errno.</summary>
static inline ssize_t WifiConfig_GetScannedNetworks(WifiConfig_ScannedNetwork *scannedNetworkArray,
                                                    size_t scannedNetworkArrayCount)
{
    return z__WifiConfig_GetScannedNetworks(
        (struct z__WifiConfig_ScannedNetwork_Base *)scannedNetworkArray, scannedNetworkArrayCount,
        WIFICONFIG_STRUCTS_VERSION);
}

/// <summary>Adds an empty network configuration; returns its network ID, or -1 with errno.
/// </summary>
int WifiConfig_AddNetwork(void);

/// <summary>Copies a network configuration under a new configuration name; returns the new ID.
/// </summary>
int WifiConfig_AddDuplicateNetwork(int networkId, const char *configName);

/// <summary>Sets a network's SSID.</summary>
int WifiConfig_SetSSID(int networkId, const uint8_t *ssid, size_t ssidLength);

/// <summary>Sets a network's security type.</summary>
int WifiConfig_SetSecurityType(int networkId, WifiConfig_Security_Type securityType);

/// <summary>Enables or disables a network.</summary>
int WifiConfig_SetNetworkEnabled(int networkId, bool enabled);

/// <summary>Saves the network configuration so that it survives reboots.</summary>
int WifiConfig_PersistConfig(void);

/// <summary>Reloads the saved network configuration.</summary>
int WifiConfig_ReloadConfig(void);

/// <summary>Sets a WPA2 pre-shared key.</summary>
int WifiConfig_SetPSK(int networkId, const char *psk, size_t pskLength);

/// <summary>Sets an EAP-TLS client identity.</summary>
int WifiConfig_SetClientIdentity(int networkId, const char *identity);

/// <summary>Sets the certificate store identifier of an EAP-TLS client certificate.</summary>
int WifiConfig_SetClientCertStoreIdentifier(int networkId, const char *certStoreIdentifier);

/// <summary>Sets the certificate store identifier of an EAP-TLS root CA certificate.</summary>
int WifiConfig_SetRootCACertStoreIdentifier(int networkId, const char *certStoreIdentifier);

/// <summary>Sets a network's configuration name.</summary>
int WifiConfig_SetConfigName(int networkId, const char *configName);

/// <summary>Enables or disables targeted scanning (for hidden networks).</summary>
int WifiConfig_SetTargetedScanEnabled(int networkId, bool enabled);

/// <summary>Returns the network ID with the given configuration name, or -1 with errno.
/// </summary>
int WifiConfig_GetNetworkIdByConfigName(const char *configName);

/// <summary>Gets diagnostics of a network's last connection attempt.</summary>
int WifiConfig_GetNetworkDiagnostics(int networkId,
                                     WifiConfig_NetworkDiagnostics *networkDiagnostics);

/// <summary>Gets a network's EAP-TLS client identity.</summary>
int WifiConfig_GetClientIdentity(int networkId, WifiConfig_ClientIdentity *outIdentity);

/// <summary>Gets the certificate store identifier of a network's client certificate.</summary>
int WifiConfig_GetClientCertStoreIdentifier(int networkId, CertStore_Identifier *outIdentifier);

/// <summary>Gets the certificate store identifier of a network's root CA certificate.</summary>
int WifiConfig_GetRootCACertStoreIdentifier(int networkId, CertStore_Identifier *outIdentifier);

/// <summary>Returns the ID of the connected network, or -1 with errno.</summary>
int WifiConfig_GetConnectedNetworkId(void);

/// <summary>Enables or disables Wi-Fi power savings.</summary>
int WifiConfig_SetPowerSavingsEnabled(bool enabled);

#ifdef __cplusplus
}
#endif
