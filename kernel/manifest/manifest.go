// Package manifest parses and validates an Azure Sphere application
// manifest (app_manifest.json) the way the device's application manager
// does, and reports failures with the device's AppManifestError codes.
//
// Parse reads a manifest from an image package, where every "$NAME"
// hardware-definition reference has already been replaced by the SDK.
// ParseSource reads a developer's source manifest, where such references
// are allowed and collected for the SDK's packaging step.
//
// Where the device's behaviour is not documented, this package is strict
// and says which error id it reports; each such decision is noted on the
// function or check that makes it. In short:
//
//   - Name, ComponentId, TargetApplicationRuntime and TargetBetaApis have no
//     dedicated id; their errors are InvalidJson and the detail says so.
//   - Duplicate object keys, invalid UTF-8, trailing data and nesting deeper
//     than 64 levels are InvalidJson.
//   - Unknown top-level fields are ErrorParsingPolicyGroups and unknown
//     capability names are ErrorParsingPolicyCapabilities: the device
//     rejects policy fields and first-party capabilities in app manifests.
//   - CmdArgs is required for high-level (Default) apps and optional for
//     RealTimeCapable apps (the real IntercoreComms RTApp sample omits it).
//   - A capability that the app type may not use is reported with that
//     capability's own parse-error id (for example WifiParseError for
//     WifiConfig in a RealTimeCapable app, PeripheralParseError for
//     ExternalInterrupt in a Default app).
//   - Any two requests for one pin, including the same GPIO or ISU listed
//     twice, are RequestedPeripheralsRequireSamePin.
//   - Integers must be integer literals: 8.0 and 8e0 are rejected.
package manifest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// AppType is an application's type, from the manifest's ApplicationType field.
type AppType string

// The application types the device knows.
const (
	// Default is a high-level application, run on the A7 core.
	Default AppType = "Default"
	// RealTimeCapable is a real-time application, run on an M4 core.
	RealTimeCapable AppType = "RealTimeCapable"
)

// Manifest is a parsed and validated application manifest.
type Manifest struct {
	// SchemaVersion is the manifest schema version; only 1 exists.
	SchemaVersion int
	// Name is the application's name.
	Name string
	// ComponentID is the application's component ID as canonical lower-case GUID text.
	ComponentID string
	// EntryPoint is the absolute path of the executable inside the image package, such as "/bin/app".
	EntryPoint string
	// CmdArgs are the command-line arguments passed to the app; nil when absent (allowed only for RealTimeCapable apps).
	CmdArgs []string
	// ApplicationType is the application's type; Parse sets Default when the field is absent, and Validate treats "" as Default.
	ApplicationType AppType
	// MallocVersion selects the heap allocator (1 or 2); 0 when absent.
	MallocVersion int
	// Capabilities are the resources the application may use.
	Capabilities Capabilities
	// Raw holds the original manifest bytes (without a leading byte-order mark).
	Raw json.RawMessage
}

// Capabilities are the resources an application requests; a nil slice means the capability is absent.
type Capabilities struct {
	// Gpio lists the requested GPIO numbers.
	Gpio []int
	// Uart lists the ISUs ("ISU0".."ISU4") used as UARTs.
	Uart []string
	// I2cMaster lists the ISUs used as I2C masters.
	I2cMaster []string
	// SpiMaster lists the ISUs used as SPI masters.
	SpiMaster []string
	// Adc lists the ADC controllers ("ADC-CONTROLLER-0").
	Adc []string
	// Pwm lists the PWM controllers ("PWM-CONTROLLER-0".."PWM-CONTROLLER-2").
	Pwm []string
	// I2sSubordinate lists the I2S interfaces ("I2S0", "I2S1").
	I2sSubordinate []string
	// ExternalInterrupt lists the external interrupts ("EINT0".."EINT23"); RealTimeCapable apps only.
	ExternalInterrupt []string
	// AllowedConnections lists the host names, wildcard domains and IPv4 addresses the app may connect to.
	AllowedConnections []string
	// AllowedTcpServerPorts lists the TCP ports the app may listen on.
	AllowedTcpServerPorts []int
	// AllowedUdpServerPorts lists the UDP ports the app may listen on.
	AllowedUdpServerPorts []int
	// AllowedApplicationConnections lists the component IDs (canonical lower-case GUIDs) the app may talk to over inter-core communication.
	AllowedApplicationConnections []string
	// MutableStorage is the requested persistent storage, or nil.
	MutableStorage *MutableStorage
	// DeviceAuthentication is the tenant GUID (canonical lower-case) for device authentication, or "" when absent.
	DeviceAuthentication string
	// CertStore allows managing the device certificate store.
	CertStore bool
	// WifiConfig allows changing the Wi-Fi configuration.
	WifiConfig bool
	// EnterpriseWifiConfig allows configuring EAP-TLS Wi-Fi networks.
	EnterpriseWifiConfig bool
	// NetworkConfig allows changing the network configuration.
	NetworkConfig bool
	// ReadNetworkProxyConfig allows reading the proxy settings.
	ReadNetworkProxyConfig bool
	// DhcpService allows running a DHCP server.
	DhcpService bool
	// SntpService allows running an SNTP server.
	SntpService bool
	// TimeSyncConfig allows configuring time synchronisation.
	TimeSyncConfig bool
	// SystemTime allows setting the system time and the RTC.
	SystemTime bool
	// SystemEventNotifications allows registering for system events.
	SystemEventNotifications bool
	// SoftwareUpdateDeferral allows deferring software updates.
	SoftwareUpdateDeferral bool
	// HardwareAddressConfig allows setting the Ethernet MAC address.
	HardwareAddressConfig bool
	// HeapMemStats allows reading heap memory statistics.
	HeapMemStats bool
	// ResetMemoryWatermarks allows resetting the memory high-water marks.
	ResetMemoryWatermarks bool
	// PowerControls lists the permitted power controls ("ForcePowerDown", "ForceReboot", "SetPowerProfile").
	PowerControls []string
	// Unresolved lists, once each in document order, the "$NAME" hardware-definition references still present (only ParseSource allows them).
	Unresolved []string
}

// MutableStorage is the MutableStorage capability.
type MutableStorage struct {
	// SizeKB is the requested storage size in KiB, 1..64.
	SizeKB int
}

// utf8BOM is the byte-order mark some Windows editors put at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse parses and validates a manifest from an image package: every
// "$NAME" hardware-definition reference must already be resolved (one that
// is not is a GpioParseError or PeripheralParseError naming the entry).
func Parse(b []byte) (*Manifest, error) {
	return parse(b, false)
}

// ParseSource parses and validates a developer's source manifest:
// "$NAME" references are allowed in peripheral capabilities and are
// collected in Capabilities.Unresolved for the SDK's packaging step, and a
// leading UTF-8 byte-order mark is ignored.
func ParseSource(b []byte) (*Manifest, error) {
	return parse(b, true)
}

// parse implements Parse and ParseSource.
func parse(b []byte, source bool) (*Manifest, error) {
	text := b
	if source {
		text = bytes.TrimPrefix(b, utf8BOM)
	}
	root, err := decode(text)
	if err != nil {
		return nil, &Error{ID: InvalidJson, Detail: "the manifest is not well-formed JSON: " + err.Error()}
	}
	if root.kind != kindObject {
		return nil, &Error{ID: InvalidJson, Detail: "the manifest must be a JSON object, got " + root.kind.String()}
	}
	p := &parser{source: source, m: &Manifest{Raw: bytes.Clone(text)}}
	if e := p.top(&root); e != nil {
		return nil, e
	}
	if err := p.m.Validate(); err != nil {
		return nil, err
	}
	return p.m, nil
}

// parser converts a decoded manifest into a Manifest, checking each field
// as it goes so that errors come in a predictable order: SchemaVersion,
// Name, ComponentId, EntryPoint, ApplicationType, CmdArgs, MallocVersion,
// the tooling fields, unknown fields, then Capabilities.
type parser struct {
	source bool
	m      *Manifest
	seen   map[string]bool // Unresolved names already collected
}

// topLevelFields are the fields a manifest may contain.
var topLevelFields = []string{
	"SchemaVersion", "Name", "ComponentId", "EntryPoint", "CmdArgs",
	"Capabilities", "ApplicationType", "MallocVersion",
	"TargetApplicationRuntime", "TargetBetaApis",
}

// noDedicatedID is appended to details of fields that the device's error list has no id for.
const noDedicatedID = " (no dedicated error id; reported as InvalidJson)"

// top parses the top-level object.
func (p *parser) top(root *value) *Error {
	m := p.m

	v, ok := root.get("SchemaVersion")
	if !ok {
		return errorf(MissingSchemaVersion, "SchemaVersion", "is required")
	}
	if n, r := asInt(v); r != intOK || n != 1 {
		return errorf(IncompatibleSchemaVersion, "SchemaVersion", "must be 1, got %s", describe(v))
	}
	m.SchemaVersion = 1

	v, ok = root.get("Name")
	switch {
	case !ok:
		return errorf(InvalidJson, "Name", "is required"+noDedicatedID)
	case v.kind != kindString:
		return errorf(InvalidJson, "Name", "must be a string, got %s"+noDedicatedID, describe(v))
	}
	if e := checkName(v.s); e != nil {
		return e
	}
	m.Name = v.s

	v, ok = root.get("ComponentId")
	switch {
	case !ok:
		return errorf(InvalidJson, "ComponentId", "is required"+noDedicatedID)
	case v.kind != kindString:
		return errorf(InvalidJson, "ComponentId", "must be a GUID string, got %s"+noDedicatedID, describe(v))
	}
	id, ok := parseGUID(v.s)
	if !ok {
		return errorf(InvalidJson, "ComponentId", "must be a GUID like \"1689d8b2-c835-2e27-27ad-e894d6d15fa9\", got %s"+noDedicatedID, describe(v))
	}
	m.ComponentID = id

	v, ok = root.get("EntryPoint")
	switch {
	case !ok:
		return errorf(MissingEntryPoint, "EntryPoint", "is required")
	case v.kind != kindString:
		return errorf(BadEntryPoint, "EntryPoint", "must be a path string such as \"/bin/app\", got %s", describe(v))
	}
	if e := checkEntryPoint(v.s); e != nil {
		return e
	}
	m.EntryPoint = v.s

	m.ApplicationType = Default
	if v, ok = root.get("ApplicationType"); ok {
		if v.kind != kindString {
			return errorf(NonStringAppType, "ApplicationType", "must be a string, got %s", describe(v))
		}
		if e := checkAppType(AppType(v.s)); e != nil {
			return e
		}
		m.ApplicationType = AppType(v.s)
	}

	// CmdArgs is required for high-level apps (reference §5.3: "required
	// for HL (may be empty)") and optional for real-time apps, whose
	// manifests in the SDK samples omit it.
	v, ok = root.get("CmdArgs")
	switch {
	case !ok && m.ApplicationType == Default:
		return errorf(CmdArgParseError, "CmdArgs", "is required for Default (high-level) apps; use [] for no arguments")
	case ok && v.kind != kindArray:
		return errorf(CmdArgParseError, "CmdArgs", "must be an array of strings, got %s", describe(v))
	case ok:
		m.CmdArgs = make([]string, 0, len(v.arr))
		for i := range v.arr {
			elem := &v.arr[i]
			if elem.kind != kindString {
				return errorf(CmdArgParseError, index("CmdArgs", i), "must be a string, got %s", describe(elem))
			}
			if e := checkCmdArg(i, elem.s); e != nil {
				return e
			}
			m.CmdArgs = append(m.CmdArgs, elem.s)
		}
	}

	if v, ok = root.get("MallocVersion"); ok {
		n, r := asInt(v)
		if r != intOK || (n != 1 && n != 2) {
			return errorf(MallocVersionParseError, "MallocVersion", "must be 1 or 2, got %s", describe(v))
		}
		m.MallocVersion = n
	}

	// The SDK's tooling fields are accepted but not kept in Manifest (they
	// remain in Raw).
	if v, ok = root.get("TargetApplicationRuntime"); ok && v.kind != kindString {
		return errorf(InvalidJson, "TargetApplicationRuntime", "must be a string, got %s"+noDedicatedID, describe(v))
	}
	if v, ok = root.get("TargetBetaApis"); ok && v.kind != kindBool {
		return errorf(InvalidJson, "TargetBetaApis", "must be true or false, got %s"+noDedicatedID, describe(v))
	}

	// Unknown top-level fields: the device rejects policy fields in an app
	// manifest, and an unknown field is most likely one of them, so it is
	// reported as ErrorParsingPolicyGroups.
	for i := range root.obj {
		key := root.obj[i].key
		if !slices.Contains(topLevelFields, key) {
			return errorf(ErrorParsingPolicyGroups, key, "is not an app manifest field; unknown and policy fields are rejected%s", didYouMean(key, topLevelFields))
		}
	}

	v, ok = root.get("Capabilities")
	switch {
	case !ok:
		return errorf(MissingCapabilitiesList, "Capabilities", "is required; use {} for none")
	case v.kind != kindObject:
		return errorf(MissingCapabilitiesList, "Capabilities", "must be an object, got %s", describe(v))
	}
	return p.capabilities(v)
}

// capSpec describes one capability: its parse-error id and which app types may use it.
type capSpec struct {
	name   string
	id     ErrorID
	hl, rt bool
}

// capSpecs lists the capabilities in the order they are checked.
var capSpecs = []capSpec{
	{"Gpio", GpioParseError, true, true},
	{"Uart", PeripheralParseError, true, true},
	{"I2cMaster", PeripheralParseError, true, true},
	{"SpiMaster", PeripheralParseError, true, true},
	{"Adc", PeripheralParseError, true, true},
	{"Pwm", PeripheralParseError, true, true},
	{"I2sSubordinate", PeripheralParseError, true, true},
	{"ExternalInterrupt", PeripheralParseError, false, true},
	{"AllowedConnections", ConnectionsParseError, true, false},
	{"AllowedTcpServerPorts", AllowedTcpPortsParseError, true, false},
	{"AllowedUdpServerPorts", AllowedUdpPortsParseError, true, false},
	{"AllowedApplicationConnections", AllowedApplicationConnectionsParseError, true, true},
	{"MutableStorage", ErrorParsingMutableStorageField, true, false},
	{"DeviceAuthentication", DeviceAuthTenantIdParseError, true, false},
	{"CertStore", CertStoreParseError, true, false},
	{"WifiConfig", WifiParseError, true, false},
	{"EnterpriseWifiConfig", EnterpriseWifiConfigParseError, true, false},
	{"NetworkConfig", NetworkConfigParseError, true, false},
	{"ReadNetworkProxyConfig", ReadNetworkProxyConfigParseError, true, false},
	{"DhcpService", DhcpServiceParseError, true, false},
	{"SntpService", SntpServiceParseError, true, false},
	{"TimeSyncConfig", TimeSyncConfigParseError, true, false},
	{"SystemTime", SystemTimeParseError, true, false},
	{"SystemEventNotifications", SystemEventNotificationsParseError, true, false},
	{"SoftwareUpdateDeferral", SoftwareUpdateDeferralParseError, true, false},
	{"HardwareAddressConfig", HardwareAddressConfigParseError, true, false},
	{"HeapMemStats", HeapMemStatsParseError, true, false},
	{"ResetMemoryWatermarks", ResetMemoryWatermarksParseError, true, false},
	{"PowerControls", PowerControlsMalformedParseError, true, false},
}

// lookupCap returns the spec of the capability called name.
func lookupCap(name string) (capSpec, bool) {
	for _, s := range capSpecs {
		if s.name == name {
			return s, true
		}
	}
	return capSpec{}, false
}

// capNames lists the capability names, for suggestions.
var capNames = func() []string {
	names := make([]string, len(capSpecs))
	for i, s := range capSpecs {
		names[i] = s.name
	}
	return names
}()

// capabilities parses the Capabilities object.
func (p *parser) capabilities(caps *value) *Error {
	appType := p.m.ApplicationType

	// Unknown names first: the device rejects first-party capabilities in
	// app manifests, so an unknown name is ErrorParsingPolicyCapabilities.
	for i := range caps.obj {
		key := caps.obj[i].key
		if _, ok := lookupCap(key); !ok {
			return errorf(ErrorParsingPolicyCapabilities, "Capabilities."+key, "is not a capability an app may request%s", didYouMean(key, capNames))
		}
	}
	// Then capabilities the app type may not use, whatever their value.
	for i := range caps.obj {
		key := caps.obj[i].key
		if e := checkCapAllowed(key, appType); e != nil {
			return e
		}
	}

	c := &p.m.Capabilities
	for _, spec := range capSpecs {
		v, ok := caps.get(spec.name)
		if !ok {
			continue
		}
		field := "Capabilities." + spec.name
		var e *Error
		switch spec.name {
		case "Gpio":
			c.Gpio, e = p.gpioList(field, v)
		case "Uart":
			c.Uart, e = p.peripheralList(field, v, isuKind)
		case "I2cMaster":
			c.I2cMaster, e = p.peripheralList(field, v, isuKind)
		case "SpiMaster":
			c.SpiMaster, e = p.peripheralList(field, v, isuKind)
		case "Adc":
			c.Adc, e = p.peripheralList(field, v, adcKind)
		case "Pwm":
			c.Pwm, e = p.peripheralList(field, v, pwmKind)
		case "I2sSubordinate":
			c.I2sSubordinate, e = p.peripheralList(field, v, i2sKind)
		case "ExternalInterrupt":
			c.ExternalInterrupt, e = p.peripheralList(field, v, eintKind)
		case "AllowedConnections":
			c.AllowedConnections, e = stringList(field, v, ConnectionsParseError, checkHost)
		case "AllowedTcpServerPorts":
			c.AllowedTcpServerPorts, e = portList(field, v, AllowedTcpPortsParseError, IllegalTcpPortsValue)
		case "AllowedUdpServerPorts":
			c.AllowedUdpServerPorts, e = portList(field, v, AllowedUdpPortsParseError, IllegalUdpPortsValue)
		case "AllowedApplicationConnections":
			c.AllowedApplicationConnections, e = guidList(field, v)
		case "MutableStorage":
			c.MutableStorage, e = mutableStorage(field, v)
		case "DeviceAuthentication":
			c.DeviceAuthentication, e = tenantID(field, v)
		case "PowerControls":
			c.PowerControls, e = powerControls(field, v)
		default:
			if v.kind != kindBool {
				return errorf(spec.id, field, "must be true or false, got %s", describe(v))
			}
			*boolCap(c, spec.name) = v.b
		}
		if e != nil {
			return e
		}
	}
	return nil
}

// boolCap returns the address of the boolean capability called name.
func boolCap(c *Capabilities, name string) *bool {
	switch name {
	case "CertStore":
		return &c.CertStore
	case "WifiConfig":
		return &c.WifiConfig
	case "EnterpriseWifiConfig":
		return &c.EnterpriseWifiConfig
	case "NetworkConfig":
		return &c.NetworkConfig
	case "ReadNetworkProxyConfig":
		return &c.ReadNetworkProxyConfig
	case "DhcpService":
		return &c.DhcpService
	case "SntpService":
		return &c.SntpService
	case "TimeSyncConfig":
		return &c.TimeSyncConfig
	case "SystemTime":
		return &c.SystemTime
	case "SystemEventNotifications":
		return &c.SystemEventNotifications
	case "SoftwareUpdateDeferral":
		return &c.SoftwareUpdateDeferral
	case "HardwareAddressConfig":
		return &c.HardwareAddressConfig
	case "HeapMemStats":
		return &c.HeapMemStats
	case "ResetMemoryWatermarks":
		return &c.ResetMemoryWatermarks
	}
	// Unreachable for names in capSpecs; a throwaway keeps callers panic-free.
	return new(bool)
}

// reference reports whether s is a "$NAME" hardware-definition reference
// and collects it when parsing a source manifest; in an image-package
// manifest it returns an error naming the entry.
func (p *parser) reference(field string, id ErrorID, s string) (bool, *Error) {
	if !strings.HasPrefix(s, "$") {
		return false, nil
	}
	if !validReference(s) {
		return true, errorf(id, field, "%q is not a valid hardware-definition reference ($ followed by a name such as SAMPLE_LED)", s)
	}
	if !p.source {
		return true, errorf(id, field, "%q is an unresolved hardware-definition reference; the SDK resolves it when packaging the app", s)
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if !p.seen[s] {
		p.seen[s] = true
		p.m.Capabilities.Unresolved = append(p.m.Capabilities.Unresolved, s)
	}
	return true, nil
}

// gpioList parses the Gpio capability.
func (p *parser) gpioList(field string, v *value) ([]int, *Error) {
	if v.kind != kindArray {
		return nil, errorf(GpioParseError, field, "must be an array of GPIO numbers, got %s", describe(v))
	}
	out := make([]int, 0, len(v.arr))
	for i := range v.arr {
		elem, f := &v.arr[i], index(field, i)
		switch elem.kind {
		case kindNumber:
			n, r := asInt(elem)
			switch r {
			case intNotInteger:
				return nil, errorf(GpioParseError, f, "must be an integer GPIO number, got %s", describe(elem))
			case intTooLarge, intTooSmall:
				return nil, errorf(GpioParseError, f, "%s is not an MT3620 GPIO (apps may use 0-23, 26-48, 56-75 and 80)", describe(elem))
			}
			if e := checkGpio(f, n); e != nil {
				return nil, e
			}
			out = append(out, n)
		case kindString:
			isRef, e := p.reference(f, GpioParseError, elem.s)
			if e != nil {
				return nil, e
			}
			if !isRef {
				return nil, errorf(GpioParseError, f, "must be a GPIO number, got %s", describe(elem))
			}
		default:
			return nil, errorf(GpioParseError, f, "must be a GPIO number, got %s", describe(elem))
		}
	}
	return out, nil
}

// peripheralList parses a capability listing peripheral names.
func (p *parser) peripheralList(field string, v *value, kind peripheralKind) ([]string, *Error) {
	if v.kind != kindArray {
		return nil, errorf(PeripheralParseError, field, "must be an array of %s names, got %s", kind.what, describe(v))
	}
	out := make([]string, 0, len(v.arr))
	for i := range v.arr {
		elem, f := &v.arr[i], index(field, i)
		if elem.kind != kindString {
			return nil, errorf(PeripheralParseError, f, "must be a %s name such as %q, got %s", kind.what, kind.example, describe(elem))
		}
		isRef, e := p.reference(f, PeripheralParseError, elem.s)
		if e != nil {
			return nil, e
		}
		if isRef {
			continue
		}
		if e := checkPeripheral(f, elem.s, kind); e != nil {
			return nil, e
		}
		out = append(out, elem.s)
	}
	return out, nil
}

// stringList parses an array of strings, checking each with check.
func stringList(field string, v *value, id ErrorID, check func(field, s string) *Error) ([]string, *Error) {
	if v.kind != kindArray {
		return nil, errorf(id, field, "must be an array of strings, got %s", describe(v))
	}
	out := make([]string, 0, len(v.arr))
	for i := range v.arr {
		elem, f := &v.arr[i], index(field, i)
		if elem.kind != kindString {
			return nil, errorf(id, f, "must be a string, got %s", describe(elem))
		}
		if e := check(f, elem.s); e != nil {
			return nil, e
		}
		out = append(out, elem.s)
	}
	return out, nil
}

// portList parses AllowedTcpServerPorts or AllowedUdpServerPorts: a
// non-integer is parseID, an integer outside 1..65535 is illegalID.
func portList(field string, v *value, parseID, illegalID ErrorID) ([]int, *Error) {
	if v.kind != kindArray {
		return nil, errorf(parseID, field, "must be an array of port numbers, got %s", describe(v))
	}
	out := make([]int, 0, len(v.arr))
	for i := range v.arr {
		elem, f := &v.arr[i], index(field, i)
		n, r := asInt(elem)
		switch r {
		case intNotInteger:
			return nil, errorf(parseID, f, "must be an integer port number, got %s", describe(elem))
		case intTooLarge, intTooSmall:
			return nil, errorf(illegalID, f, "%s is not a port number (1-65535)", describe(elem))
		}
		if e := checkPort(f, n, illegalID); e != nil {
			return nil, e
		}
		out = append(out, n)
	}
	return out, nil
}

// guidList parses AllowedApplicationConnections into canonical GUIDs.
func guidList(field string, v *value) ([]string, *Error) {
	const id = AllowedApplicationConnectionsParseError
	if v.kind != kindArray {
		return nil, errorf(id, field, "must be an array of component-ID GUIDs, got %s", describe(v))
	}
	out := make([]string, 0, len(v.arr))
	for i := range v.arr {
		elem, f := &v.arr[i], index(field, i)
		if elem.kind != kindString {
			return nil, errorf(id, f, "must be a component-ID GUID string, got %s", describe(elem))
		}
		g, ok := parseGUID(elem.s)
		if !ok {
			return nil, errorf(id, f, "must be a component-ID GUID, got %s", describe(elem))
		}
		out = append(out, g)
	}
	return out, nil
}

// mutableStorage parses the MutableStorage object. A missing SizeKB is
// MutableStorageMissingRequiredField; a SizeKB that is not a positive
// integer, or an unknown field, is ErrorParsingMutableStorageField.
func mutableStorage(field string, v *value) (*MutableStorage, *Error) {
	if v.kind != kindObject {
		return nil, errorf(NonObjectMutableStorageType, field, "must be an object such as {\"SizeKB\": 8}, got %s", describe(v))
	}
	size, ok := v.get("SizeKB")
	if !ok {
		return nil, errorf(MutableStorageMissingRequiredField, field+".SizeKB", "is required")
	}
	f := field + ".SizeKB"
	n, r := asInt(size)
	switch r {
	case intNotInteger:
		return nil, errorf(ErrorParsingMutableStorageField, f, "must be a positive integer, got %s", describe(size))
	case intTooSmall:
		return nil, errorf(ErrorParsingMutableStorageField, f, "must be a positive integer, got %s", describe(size))
	case intTooLarge:
		return nil, errorf(MutableStorageRequestTooLarge, f, "%s exceeds the %d KiB limit", describe(size), MaxMutableStorageKB)
	}
	if e := checkSizeKB(f, n); e != nil {
		return nil, e
	}
	for i := range v.obj {
		if key := v.obj[i].key; key != "SizeKB" {
			return nil, errorf(ErrorParsingMutableStorageField, field+"."+key, "is not a MutableStorage field (only SizeKB is)")
		}
	}
	return &MutableStorage{SizeKB: n}, nil
}

// tenantID parses DeviceAuthentication into a canonical GUID.
func tenantID(field string, v *value) (string, *Error) {
	if v.kind != kindString {
		return "", errorf(DeviceAuthTenantIdParseError, field, "must be a tenant GUID string, got %s", describe(v))
	}
	if e := checkTenantText(field, v.s); e != nil {
		return "", e
	}
	g, _ := parseGUID(v.s) // checkTenantText verified it parses
	return g, nil
}

// powerControls parses PowerControls: not an array of strings, or a
// duplicate, is malformed; an empty array is empty; an unknown control is
// an invalid entry.
func powerControls(field string, v *value) ([]string, *Error) {
	if v.kind != kindArray {
		return nil, errorf(PowerControlsMalformedParseError, field, "must be an array of power controls, got %s", describe(v))
	}
	out := make([]string, 0, len(v.arr))
	for i := range v.arr {
		elem := &v.arr[i]
		if elem.kind != kindString {
			return nil, errorf(PowerControlsMalformedParseError, index(field, i), "must be a string, got %s", describe(elem))
		}
		out = append(out, elem.s)
	}
	if e := checkPowerControls(field, out); e != nil {
		return nil, e
	}
	return out, nil
}
