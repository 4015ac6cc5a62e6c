package manifest

import (
	"fmt"
	"strconv"
)

// ErrorCategory is the error category of application manifest errors
// (AppManifestError) in the device's error codes.
const ErrorCategory uint32 = 2

// ErrorID identifies one application manifest error, numbered as the device numbers it.
//
// The numbering is the device's AppManifestError list as published in the
// Azure Sphere device-log error tables (azure-sphere-gallery,
// ParseDeviceLog/22.11/commonerror_yml/app_manifest_error.yml). That list
// has gaps: id 12 has never been published, and ids 52–55 belonged to CAN
// bus errors that later OS releases dropped. The gaps are kept so that every
// code matches the device: MissingEntryPoint is 3 (code 2097155),
// IncompatibleSchemaVersion 17 (2097169), MutableStorageRequestTooLarge 34
// (2097186), RequestedPeripheralsRequireSamePin 35 (2097187) and the
// PowerControls errors 48–50 (2097200–2097202).
type ErrorID uint32

// The device's AppManifestError ids.
const (
	// InvalidJson means the manifest is not well-formed JSON; this package
	// also uses it for fields that have no dedicated id (Name, ComponentId,
	// TargetApplicationRuntime, TargetBetaApis).
	InvalidJson ErrorID = 1
	// ErrorReadingFile means the manifest file could not be read.
	ErrorReadingFile ErrorID = 2
	// MissingEntryPoint means the manifest has no EntryPoint.
	MissingEntryPoint ErrorID = 3
	// MissingSchemaVersion means the manifest has no SchemaVersion.
	MissingSchemaVersion ErrorID = 4
	// CmdArgParseError means CmdArgs is missing (high-level apps) or is not an array of strings.
	CmdArgParseError ErrorID = 5
	// MissingCapabilitiesList means Capabilities is missing or is not an object.
	MissingCapabilitiesList ErrorID = 6
	// ToggleStateParseError is a retired id, kept so that later ids keep their numbers.
	//
	// Deprecated: the device no longer reports it (its name there is __DEPRECATED_ToggleStateParseError).
	ToggleStateParseError ErrorID = 7
	// DebugParseError means a 'debug' field could not be parsed.
	DebugParseError ErrorID = 8
	// ConnectionsParseError means AllowedConnections could not be parsed.
	ConnectionsParseError ErrorID = 9
	// GpioParseError means the Gpio capability could not be parsed.
	GpioParseError ErrorID = 10
	// NetworkConfigParseError means the NetworkConfig capability could not be parsed.
	NetworkConfigParseError ErrorID = 11
	// PeripheralParseError means a peripheral capability (Uart, I2cMaster, SpiMaster, Adc, Pwm, I2sSubordinate, ExternalInterrupt) could not be parsed.
	PeripheralParseError ErrorID = 13
	// UpdateParseError means an 'update' field could not be parsed.
	UpdateParseError ErrorID = 14
	// WifiParseError means the WifiConfig capability could not be parsed.
	WifiParseError ErrorID = 15
	// BadEntryPoint means EntryPoint is not a valid path.
	BadEntryPoint ErrorID = 16
	// IncompatibleSchemaVersion means SchemaVersion is not the supported version 1.
	IncompatibleSchemaVersion ErrorID = 17
	// UartNotAvailable means a requested UART is not available.
	UartNotAvailable ErrorID = 18
	// UninstallError means an application could not be uninstalled.
	UninstallError ErrorID = 19
	// ErrorParsingPolicyGroups means policy (supplementary group) fields were found; this package also uses it for unknown top-level fields.
	ErrorParsingPolicyGroups ErrorID = 20
	// ErrorParsingPolicyCapabilities means policy (Linux capability) fields were found; this package also uses it for unknown capability names.
	ErrorParsingPolicyCapabilities ErrorID = 21
	// SpecifiedEntryPointDoesNotExist means the EntryPoint file is not in the image package.
	SpecifiedEntryPointDoesNotExist ErrorID = 22
	// SpecifiedEntryPointIsNotAFile means the EntryPoint names something that is not a regular file.
	SpecifiedEntryPointIsNotAFile ErrorID = 23
	// DeviceAuthTenantIdParseError means DeviceAuthentication is not a tenant GUID string.
	DeviceAuthTenantIdParseError ErrorID = 24
	// NoAppManifest means the image package has no app_manifest.json.
	NoAppManifest ErrorID = 25
	// BadAppType means ApplicationType names an unknown application type.
	BadAppType ErrorID = 26
	// NonStringAppType means ApplicationType is not a string.
	NonStringAppType ErrorID = 27
	// InvalidTenantId means the DeviceAuthentication tenant is not usable on this device (an install-time check, not a parse error).
	InvalidTenantId ErrorID = 28
	// DeviceAuthTenantIdTooLong means DeviceAuthentication is longer than a GUID.
	DeviceAuthTenantIdTooLong ErrorID = 29
	// SystemTimeParseError means the SystemTime capability could not be parsed.
	SystemTimeParseError ErrorID = 30
	// NonObjectMutableStorageType means MutableStorage is not an object.
	NonObjectMutableStorageType ErrorID = 31
	// MutableStorageMissingRequiredField means MutableStorage has no SizeKB.
	MutableStorageMissingRequiredField ErrorID = 32
	// ErrorParsingMutableStorageField means a MutableStorage field is malformed (SizeKB not a positive integer, or an unknown field).
	ErrorParsingMutableStorageField ErrorID = 33
	// MutableStorageRequestTooLarge means MutableStorage.SizeKB exceeds the 64 KiB limit.
	MutableStorageRequestTooLarge ErrorID = 34
	// RequestedPeripheralsRequireSamePin means two requested peripherals (or one listed twice) use the same pin.
	RequestedPeripheralsRequireSamePin ErrorID = 35
	// AllowedTcpPortsParseError means AllowedTcpServerPorts is not an array of integers.
	AllowedTcpPortsParseError ErrorID = 36
	// AllowedUdpPortsParseError means AllowedUdpServerPorts is not an array of integers.
	AllowedUdpPortsParseError ErrorID = 37
	// IllegalTcpPortsValue means an AllowedTcpServerPorts entry is outside 1..65535.
	IllegalTcpPortsValue ErrorID = 38
	// IllegalUdpPortsValue means an AllowedUdpServerPorts entry is outside 1..65535.
	IllegalUdpPortsValue ErrorID = 39
	// TimeSyncConfigParseError means the TimeSyncConfig capability could not be parsed.
	TimeSyncConfigParseError ErrorID = 40
	// DhcpServiceParseError means the DhcpService capability could not be parsed.
	DhcpServiceParseError ErrorID = 41
	// SntpServiceParseError means the SntpService capability could not be parsed.
	SntpServiceParseError ErrorID = 42
	// AllowedApplicationConnectionsParseError means AllowedApplicationConnections is not an array of component-ID GUIDs.
	AllowedApplicationConnectionsParseError ErrorID = 43
	// CertStoreParseError means the CertStore capability could not be parsed.
	CertStoreParseError ErrorID = 44
	// EnterpriseWifiConfigParseError means the EnterpriseWifiConfig capability could not be parsed.
	EnterpriseWifiConfigParseError ErrorID = 45
	// SystemEventNotificationsParseError means the SystemEventNotifications capability could not be parsed.
	SystemEventNotificationsParseError ErrorID = 46
	// SoftwareUpdateDeferralParseError means the SoftwareUpdateDeferral capability could not be parsed.
	SoftwareUpdateDeferralParseError ErrorID = 47
	// PowerControlsMalformedParseError means PowerControls is not an array of strings or has duplicate entries.
	PowerControlsMalformedParseError ErrorID = 48
	// PowerControlsEmptyParseError means PowerControls is an empty array.
	PowerControlsEmptyParseError ErrorID = 49
	// PowerControlsInvalidEntryParseError means a PowerControls entry is not a known power control.
	PowerControlsInvalidEntryParseError ErrorID = 50
	// HardwareAddressConfigParseError means the HardwareAddressConfig capability could not be parsed.
	HardwareAddressConfigParseError ErrorID = 51
	// CanbusMissingRequiredField is an id from an earlier OS release's list (CAN bus); this package never reports it.
	CanbusMissingRequiredField ErrorID = 52
	// ErrorParsingCanbusField is an id from an earlier OS release's list (CAN bus); this package never reports it.
	ErrorParsingCanbusField ErrorID = 53
	// ErrorAcquiringCanbusResources is an id from an earlier OS release's list (CAN bus); this package never reports it.
	ErrorAcquiringCanbusResources ErrorID = 54
	// CanbusNetworkConfigParseError is an id from an earlier OS release's list (CAN bus); this package never reports it.
	CanbusNetworkConfigParseError ErrorID = 55
	// ReadNetworkProxyConfigParseError means the ReadNetworkProxyConfig capability could not be parsed.
	ReadNetworkProxyConfigParseError ErrorID = 56
	// ResetMemoryWatermarksParseError means the ResetMemoryWatermarks capability could not be parsed.
	ResetMemoryWatermarksParseError ErrorID = 57
	// HeapMemStatsParseError means the HeapMemStats capability could not be parsed.
	HeapMemStatsParseError ErrorID = 58
	// MallocVersionParseError means MallocVersion is not 1 or 2.
	MallocVersionParseError ErrorID = 59
)

// errorInfo is the device's name and message for one ErrorID.
type errorInfo struct {
	name, msg string
}

// errorInfos holds the device's names and messages, indexed by ErrorID.
var errorInfos = map[ErrorID]errorInfo{
	InvalidJson:                             {"InvalidJson", "Application manifest contains ill-formed json"},
	ErrorReadingFile:                        {"ErrorReadingFile", "An error occurred during file read of the application manifest"},
	MissingEntryPoint:                       {"MissingEntryPoint", "Application manifest does not contain an entry point"},
	MissingSchemaVersion:                    {"MissingSchemaVersion", "Application manifest does not contain a schema version"},
	CmdArgParseError:                        {"CmdArgParseError", "Could not parse command args from the application manifest"},
	MissingCapabilitiesList:                 {"MissingCapabilitiesList", "Application manifest does not contain a list of capabilities"},
	ToggleStateParseError:                   {"__DEPRECATED_ToggleStateParseError", "Could not parse 'toggle state' field from application manifest"},
	DebugParseError:                         {"DebugParseError", "Could not parse 'debug' field from application manifest"},
	ConnectionsParseError:                   {"ConnectionsParseError", "Could not parse 'connections' field from application manifest"},
	GpioParseError:                          {"GpioParseError", "Could not parse 'gpio' field from application manifest"},
	NetworkConfigParseError:                 {"NetworkConfigParseError", "Could not parse 'network config' field from application manifest"},
	PeripheralParseError:                    {"PeripheralParseError", "Could not parse peripheral capability field from application manifest"},
	UpdateParseError:                        {"UpdateParseError", "Could not parse 'update' field from application manifest"},
	WifiParseError:                          {"WifiParseError", "Could not parse 'wifi config' field from application manifest"},
	BadEntryPoint:                           {"BadEntryPoint", "Application manifest contains an invalid entry point"},
	IncompatibleSchemaVersion:               {"IncompatibleSchemaVersion", "Application manifest contains an incompatible schema version"},
	UartNotAvailable:                        {"UartNotAvailable", "One or more uarts requested in the application manifest is not available"},
	UninstallError:                          {"UninstallError", "Error uninstalling application"},
	ErrorParsingPolicyGroups:                {"ErrorParsingPolicyGroups", "Error parsing supplementary groups from application manifest"},
	ErrorParsingPolicyCapabilities:          {"ErrorParsingPolicyCapabilities", "Error parsing linux capabilities from application manifest"},
	SpecifiedEntryPointDoesNotExist:         {"SpecifiedEntryPointDoesNotExist", "Entry point specified in application manifest does not exist on the system"},
	SpecifiedEntryPointIsNotAFile:           {"SpecifiedEntryPointIsNotAFile", "Entry point specified in application manifest is not a file"},
	DeviceAuthTenantIdParseError:            {"DeviceAuthTenantIdParseError", "Error parsing device auth tenant id from application manifest"},
	NoAppManifest:                           {"NoAppManifest", "Could not find the application manifest file"},
	BadAppType:                              {"BadAppType", "Unknown application type specified in the application manifest"},
	NonStringAppType:                        {"NonStringAppType", "Application type specified in the application manifest is not a string"},
	InvalidTenantId:                         {"InvalidTenantId", "Tenant id specified in the application manifest is unavailable for use"},
	DeviceAuthTenantIdTooLong:               {"DeviceAuthTenantIdTooLong", "Device auth tenant id too long"},
	SystemTimeParseError:                    {"SystemTimeParseError", "Could not parse 'SystemTime' field from application manifest"},
	NonObjectMutableStorageType:             {"NonObjectMutableStorageType", "Mutable Storage type specified in the application manifest is not an object"},
	MutableStorageMissingRequiredField:      {"MutableStorageMissingRequiredField", "Mutable Storage type specified in the application manifest is missing one or more required fields"},
	ErrorParsingMutableStorageField:         {"ErrorParsingMutableStorageField", "There was an error parsing the Mutable Storage object specified in the application manifest"},
	MutableStorageRequestTooLarge:           {"MutableStorageRequestTooLarge", "Application manifest specified an illegally large value for mutable storage size"},
	RequestedPeripheralsRequireSamePin:      {"RequestedPeripheralsRequireSamePin", "Application manifest requested multiple peripherals that map to the same logical pin."},
	AllowedTcpPortsParseError:               {"AllowedTcpPortsParseError", "Could not parse 'AllowedTcpServerPorts' field from application manifest"},
	AllowedUdpPortsParseError:               {"AllowedUdpPortsParseError", "Could not parse 'AllowedUdpServerPorts' field from application manifest"},
	IllegalTcpPortsValue:                    {"IllegalTcpPortsValue", "Application manifest specified an illegal value for allowed TCP ports"},
	IllegalUdpPortsValue:                    {"IllegalUdpPortsValue", "Application manifest specified an illegal value for allowed UDP ports"},
	TimeSyncConfigParseError:                {"TimeSyncConfigParseError", "Could not parse 'TimeSyncConfig' field from application manifest"},
	DhcpServiceParseError:                   {"DhcpServiceParseError", "Could not parse 'DhcpService' field from application manifest"},
	SntpServiceParseError:                   {"SntpServiceParseError", "Could not parse 'SntpService' field from application manifest"},
	AllowedApplicationConnectionsParseError: {"AllowedApplicationConnectionsParseError", "Could not parse 'AllowedApplicationConnections' field from application manifest"},
	CertStoreParseError:                     {"CertStoreParseError", "Could not parse 'CertStore' field from application manifest"},
	EnterpriseWifiConfigParseError:          {"EnterpriseWifiConfigParseError", "Could not parse 'EnterpriseWifiConfig' field from application manifest"},
	SystemEventNotificationsParseError:      {"SystemEventNotificationsParseError", "Could not parse 'SystemEventNotifications' field from application manifest"},
	SoftwareUpdateDeferralParseError:        {"SoftwareUpdateDeferralParseError", "Could not parse 'SoftwareUpdateDeferral' field from application manifest"},
	PowerControlsMalformedParseError:        {"PowerControlsMalformedParseError", "The 'PowerControls' field from the application manifest is malformed (it isn't an array of PowerControls, or contains duplicate entries)."},
	PowerControlsEmptyParseError:            {"PowerControlsEmptyParseError", "The 'PowerControls' field from the application manifest is empty."},
	PowerControlsInvalidEntryParseError:     {"PowerControlsInvalidEntryParseError", "Application manifest specified an illegal value for one of the 'PowerControls' entries."},
	HardwareAddressConfigParseError:         {"HardwareAddressConfigParseError", "Could not parse 'HardwareAddressConfig' field from application manifest."},
	CanbusMissingRequiredField:              {"CanbusMissingRequiredField", "CAN type specified in the application manifest is missing one or more required fields"},
	ErrorParsingCanbusField:                 {"ErrorParsingCanbusField", "There was an error parsing the CAN object specified in the application manifest"},
	ErrorAcquiringCanbusResources:           {"ErrorAcquiringCanbusResources", "There was an error acquiring a canbus resource"},
	CanbusNetworkConfigParseError:           {"CanbusNetworkConfigParseError", "Could not parse 'CAN network config' field from application manifest"},
	ReadNetworkProxyConfigParseError:        {"ReadNetworkProxyConfigParseError", "Could not parse 'ReadNetworkProxyConfig' field from application manifest."},
	ResetMemoryWatermarksParseError:         {"ResetMemoryWatermarksParseError", "Could not parse 'ResetMemoryWatermarks' field from application manifest."},
	HeapMemStatsParseError:                  {"HeapMemStatsParseError", "Could not parse 'HeapMemStats' field from application manifest."},
	MallocVersionParseError:                 {"MallocVersionParseError", "Could not parse malloc version from the application manifest"},
}

// String returns the device's name for the error id, or "ErrorID(n)" for an id the device does not define.
func (id ErrorID) String() string {
	if info, ok := errorInfos[id]; ok {
		return info.name
	}
	return "ErrorID(" + strconv.FormatUint(uint64(id), 10) + ")"
}

// Message returns the device's one-line description of the error id, or "" for an id the device does not define.
func (id ErrorID) Message() string {
	return errorInfos[id].msg
}

// Code returns the device's 32-bit error code for the id: (ErrorCategory << 20) | id.
func (id ErrorID) Code() uint32 {
	return ErrorCategory<<20 | uint32(id)
}

// Error is a manifest error with the device's real code.
type Error struct {
	// ID is the device's AppManifestError id.
	ID ErrorID
	// Field is the path of the offending field, such as "EntryPoint" or
	// "Capabilities.Gpio[2]"; it is empty when the error concerns the whole manifest.
	Field string
	// Detail says what is wrong with the field, in words.
	Detail string
}

// Error formats the error as `app manifest error <code> (<name>): "<field>" <detail>`.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	detail := e.Detail
	if detail == "" {
		detail = e.ID.Message()
	}
	if e.Field != "" {
		detail = strconv.Quote(e.Field) + " " + detail
	}
	return fmt.Sprintf("app manifest error %d (%s): %s", e.Code(), e.ID, detail)
}

// Code returns the device's 32-bit error code: (ErrorCategory << 20) | ID.
func (e *Error) Code() uint32 {
	if e == nil {
		return 0
	}
	return e.ID.Code()
}

// errorf returns an *Error for id and field with a formatted detail.
func errorf(id ErrorID, field, format string, args ...any) *Error {
	return &Error{ID: id, Field: field, Detail: fmt.Sprintf(format, args...)}
}
