package manifest

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the manifest's values and how they combine, including pins
// requested twice, treating a zero ApplicationType as Default and accepting
// well-formed Capabilities.Unresolved references (only Parse rejects them).
func (m *Manifest) Validate() error {
	if m == nil {
		return &Error{ID: InvalidJson, Detail: "there is no manifest"}
	}
	if e := m.validate(); e != nil {
		return e
	}
	return nil
}

// validate implements Validate with a concrete error type.
func (m *Manifest) validate() *Error {
	switch m.SchemaVersion {
	case 1:
	case 0:
		return errorf(MissingSchemaVersion, "SchemaVersion", "is required")
	default:
		return errorf(IncompatibleSchemaVersion, "SchemaVersion", "must be 1, got %d", m.SchemaVersion)
	}
	if e := checkName(m.Name); e != nil {
		return e
	}
	if g, ok := parseGUID(m.ComponentID); !ok || g != m.ComponentID {
		return errorf(InvalidJson, "ComponentId", "must be a lower-case GUID, got %q"+noDedicatedID, m.ComponentID)
	}
	if m.EntryPoint == "" {
		return errorf(MissingEntryPoint, "EntryPoint", "is required")
	}
	if e := checkEntryPoint(m.EntryPoint); e != nil {
		return e
	}
	appType := m.appType()
	if e := checkAppType(appType); e != nil {
		return e
	}
	if m.CmdArgs == nil && appType == Default {
		return errorf(CmdArgParseError, "CmdArgs", "is required for Default (high-level) apps; use [] for no arguments")
	}
	for i, arg := range m.CmdArgs {
		if e := checkCmdArg(i, arg); e != nil {
			return e
		}
	}
	if m.MallocVersion < 0 || m.MallocVersion > 2 {
		return errorf(MallocVersionParseError, "MallocVersion", "must be 1 or 2, got %d", m.MallocVersion)
	}
	return m.Capabilities.validate(appType)
}

// appType returns the application type, treating "" as Default.
func (m *Manifest) appType() AppType {
	if m.ApplicationType == "" {
		return Default
	}
	return m.ApplicationType
}

// validate checks the capabilities of an app of type appType.
func (c *Capabilities) validate(appType AppType) *Error {
	for _, spec := range capSpecs {
		if c.present(spec.name) {
			if e := checkCapAllowed(spec.name, appType); e != nil {
				return e
			}
		}
	}
	for i, n := range c.Gpio {
		if e := checkGpio(index("Capabilities.Gpio", i), n); e != nil {
			return e
		}
	}
	lists := []struct {
		name  string
		names []string
		kind  peripheralKind
	}{
		{"Uart", c.Uart, isuKind},
		{"I2cMaster", c.I2cMaster, isuKind},
		{"SpiMaster", c.SpiMaster, isuKind},
		{"Adc", c.Adc, adcKind},
		{"Pwm", c.Pwm, pwmKind},
		{"I2sSubordinate", c.I2sSubordinate, i2sKind},
		{"ExternalInterrupt", c.ExternalInterrupt, eintKind},
	}
	for _, l := range lists {
		for i, name := range l.names {
			if e := checkPeripheral(index("Capabilities."+l.name, i), name, l.kind); e != nil {
				return e
			}
		}
	}
	for i, h := range c.AllowedConnections {
		if e := checkHost(index("Capabilities.AllowedConnections", i), h); e != nil {
			return e
		}
	}
	for i, port := range c.AllowedTcpServerPorts {
		if e := checkPort(index("Capabilities.AllowedTcpServerPorts", i), port, IllegalTcpPortsValue); e != nil {
			return e
		}
	}
	for i, port := range c.AllowedUdpServerPorts {
		if e := checkPort(index("Capabilities.AllowedUdpServerPorts", i), port, IllegalUdpPortsValue); e != nil {
			return e
		}
	}
	for i, id := range c.AllowedApplicationConnections {
		if g, ok := parseGUID(id); !ok || g != id {
			return errorf(AllowedApplicationConnectionsParseError, index("Capabilities.AllowedApplicationConnections", i), "must be a lower-case component-ID GUID, got %q", id)
		}
	}
	if c.MutableStorage != nil {
		if e := checkSizeKB("Capabilities.MutableStorage.SizeKB", c.MutableStorage.SizeKB); e != nil {
			return e
		}
	}
	if c.DeviceAuthentication != "" {
		const f = "Capabilities.DeviceAuthentication"
		if e := checkTenantText(f, c.DeviceAuthentication); e != nil {
			return e
		}
		if g, _ := parseGUID(c.DeviceAuthentication); g != c.DeviceAuthentication {
			return errorf(DeviceAuthTenantIdParseError, f, "must be a lower-case GUID, got %q", c.DeviceAuthentication)
		}
	}
	if c.PowerControls != nil {
		if e := checkPowerControls("Capabilities.PowerControls", c.PowerControls); e != nil {
			return e
		}
	}
	for i, ref := range c.Unresolved {
		if !validReference(ref) {
			return errorf(PeripheralParseError, index("Capabilities.Unresolved", i), "%q is not a valid hardware-definition reference", ref)
		}
	}
	return c.checkPins()
}

// present reports whether the capability called name is requested. A
// boolean capability set to false cannot be told from an absent one, so it
// counts as absent.
func (c *Capabilities) present(name string) bool {
	switch name {
	case "Gpio":
		return c.Gpio != nil
	case "Uart":
		return c.Uart != nil
	case "I2cMaster":
		return c.I2cMaster != nil
	case "SpiMaster":
		return c.SpiMaster != nil
	case "Adc":
		return c.Adc != nil
	case "Pwm":
		return c.Pwm != nil
	case "I2sSubordinate":
		return c.I2sSubordinate != nil
	case "ExternalInterrupt":
		return c.ExternalInterrupt != nil
	case "AllowedConnections":
		return c.AllowedConnections != nil
	case "AllowedTcpServerPorts":
		return c.AllowedTcpServerPorts != nil
	case "AllowedUdpServerPorts":
		return c.AllowedUdpServerPorts != nil
	case "AllowedApplicationConnections":
		return c.AllowedApplicationConnections != nil
	case "MutableStorage":
		return c.MutableStorage != nil
	case "DeviceAuthentication":
		return c.DeviceAuthentication != ""
	case "PowerControls":
		return c.PowerControls != nil
	}
	return *boolCap(c, name)
}

// claim is one request for pins, for the pin-sharing check.
type claim struct {
	field string // e.g. "Capabilities.Uart[0]"
	block string // the pin block claimed, such as "ISU0"; "" for a single GPIO
}

// String describes the claim for an error message.
func (c claim) String() string {
	if c.block == "" {
		return c.field
	}
	return c.field + " (" + c.block + ")"
}

// checkPins reports the first pin requested twice: a GPIO listed twice, an
// ISU used by two functions, or a GPIO that belongs to a claimed ISU, PWM
// controller, ADC controller or I2S interface. Claims are made in the order
// Gpio, Uart, I2cMaster, SpiMaster, Adc, Pwm, I2sSubordinate, and the error
// names the later claim.
func (c *Capabilities) checkPins() *Error {
	owner := map[int]claim{}
	take := func(cl claim, pins pinRange) *Error {
		for pin := pins.first; pin <= pins.last; pin++ {
			if prev, taken := owner[pin]; taken {
				if cl.block == "" {
					return errorf(RequestedPeripheralsRequireSamePin, cl.field, "GPIO%d is already claimed by %s", pin, prev)
				}
				return errorf(RequestedPeripheralsRequireSamePin, cl.field, "%s uses GPIO%d, which is already claimed by %s", cl.block, pin, prev)
			}
			owner[pin] = cl
		}
		return nil
	}
	for i, n := range c.Gpio {
		if e := take(claim{field: index("Capabilities.Gpio", i)}, pinRange{n, n}); e != nil {
			return e
		}
	}
	blocks := []struct {
		name   string
		names  []string
		blocks map[string]pinRange
	}{
		{"Uart", c.Uart, isuPins},
		{"I2cMaster", c.I2cMaster, isuPins},
		{"SpiMaster", c.SpiMaster, isuPins},
		{"Adc", c.Adc, adcPins},
		{"Pwm", c.Pwm, pwmPins},
		{"I2sSubordinate", c.I2sSubordinate, i2sPins},
	}
	for _, b := range blocks {
		for i, name := range b.names {
			pins, ok := b.blocks[name]
			if !ok {
				continue // rejected earlier by checkPeripheral
			}
			if e := take(claim{field: index("Capabilities."+b.name, i), block: name}, pins); e != nil {
				return e
			}
		}
	}
	return nil
}

// checkCapAllowed reports whether an app of type appType may request the
// capability called name. A capability the app type may not use is
// reported with that capability's own parse-error id.
func checkCapAllowed(name string, appType AppType) *Error {
	spec, ok := lookupCap(name)
	if !ok {
		return nil
	}
	if appType == RealTimeCapable && !spec.rt {
		return errorf(spec.id, "Capabilities."+name, "is not available to RealTimeCapable apps")
	}
	if appType == Default && !spec.hl {
		return errorf(spec.id, "Capabilities."+name, "is only available to RealTimeCapable apps")
	}
	return nil
}

// checkName checks the Name field, for which the device has no dedicated error id.
func checkName(name string) *Error {
	if name == "" {
		return errorf(InvalidJson, "Name", "must not be empty"+noDedicatedID)
	}
	if strings.ContainsRune(name, 0) {
		return errorf(InvalidJson, "Name", "must not contain a NUL character"+noDedicatedID)
	}
	return nil
}

// checkEntryPoint checks that p is a clean absolute path to a file inside
// the image package: it starts with "/", is not "/" itself, has no empty,
// "." or ".." components, no trailing slash and no control characters.
func checkEntryPoint(p string) *Error {
	const f = "EntryPoint"
	switch {
	case p == "":
		return errorf(BadEntryPoint, f, "must not be empty")
	case !strings.HasPrefix(p, "/"):
		return errorf(BadEntryPoint, f, "must be an absolute path such as \"/bin/app\", got %q", p)
	case p == "/":
		return errorf(BadEntryPoint, f, "must name a file, not the package root")
	case strings.ContainsFunc(p, isControl):
		return errorf(BadEntryPoint, f, "must not contain control characters, got %q", p)
	case path.Clean(p) != p:
		return errorf(BadEntryPoint, f, "must be a clean path without \".\", \"..\", empty components or a trailing slash, got %q", p)
	}
	return nil
}

// isControl reports whether r is an ASCII control character.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

// checkAppType checks ApplicationType.
func checkAppType(t AppType) *Error {
	if t != Default && t != RealTimeCapable {
		return errorf(BadAppType, "ApplicationType", "must be %q or %q, got %q", Default, RealTimeCapable, string(t))
	}
	return nil
}

// checkCmdArg checks one command-line argument: argv strings cannot hold NUL.
func checkCmdArg(i int, arg string) *Error {
	if strings.ContainsRune(arg, 0) {
		return errorf(CmdArgParseError, index("CmdArgs", i), "must not contain a NUL character")
	}
	return nil
}

// checkGpio checks that n is a GPIO an app may request.
func checkGpio(field string, n int) *Error {
	if !gpioExists(n) {
		return errorf(GpioParseError, field, "%d is not an MT3620 GPIO (apps may use 0-23, 26-48, 56-75 and 80)", n)
	}
	return nil
}

// peripheralKind describes one family of peripheral names.
type peripheralKind struct {
	what, example string
	valid         func(string) bool
}

// The peripheral name families.
var (
	isuKind  = peripheralKind{"ISU", "ISU0", func(s string) bool { _, ok := isuPins[s]; return ok }}
	adcKind  = peripheralKind{"ADC controller", "ADC-CONTROLLER-0", func(s string) bool { _, ok := adcPins[s]; return ok }}
	pwmKind  = peripheralKind{"PWM controller", "PWM-CONTROLLER-0", func(s string) bool { _, ok := pwmPins[s]; return ok }}
	i2sKind  = peripheralKind{"I2S interface", "I2S0", func(s string) bool { _, ok := i2sPins[s]; return ok }}
	eintKind = peripheralKind{"external interrupt", "EINT4", eintExists}
)

// checkPeripheral checks that name belongs to the peripheral family kind.
func checkPeripheral(field, name string, kind peripheralKind) *Error {
	if !kind.valid(name) {
		return errorf(PeripheralParseError, field, "%q is not an MT3620 %s (for example %q)", name, kind.what, kind.example)
	}
	return nil
}

// checkHost checks an AllowedConnections entry: a host name (labels of
// letters, digits, '-' and '_', so DNS-SD names such as
// "_sample-service._tcp.local" pass), a host name with a leading "*."
// wildcard, or a dotted IPv4 address. Ports, URLs and IPv6 are rejected.
func checkHost(field, h string) *Error {
	const id = ConnectionsParseError
	switch {
	case h == "":
		return errorf(id, field, "must not be empty")
	case len(h) > 253:
		return errorf(id, field, "is longer than a host name may be (253 characters)")
	}
	name, wildcard := strings.CutPrefix(h, "*.")
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return errorf(id, field, "%q is not a host name, wildcard domain or IPv4 address", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return errorf(id, field, "%q is not a host name, wildcard domain or IPv4 address", h)
			}
		}
	}
	// A name whose last label is all digits can only be an IPv4 address.
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		addr, err := netip.ParseAddr(name)
		if wildcard || err != nil || !addr.Is4() {
			return errorf(id, field, "%q is not a valid IPv4 address", h)
		}
	}
	return nil
}

// checkPort checks that port is in 1..65535.
func checkPort(field string, port int, id ErrorID) *Error {
	if port < 1 || port > 65535 {
		return errorf(id, field, "%d is not a port number (1-65535)", port)
	}
	return nil
}

// checkSizeKB checks MutableStorage.SizeKB.
func checkSizeKB(field string, n int) *Error {
	switch {
	case n < 1:
		return errorf(ErrorParsingMutableStorageField, field, "must be a positive integer, got %d", n)
	case n > MaxMutableStorageKB:
		return errorf(MutableStorageRequestTooLarge, field, "%d exceeds the %d KiB limit", n, MaxMutableStorageKB)
	}
	return nil
}

// checkTenantText checks a DeviceAuthentication value: longer than a GUID
// is DeviceAuthTenantIdTooLong, otherwise not a GUID is
// DeviceAuthTenantIdParseError. (InvalidTenantId, a tenant the device does
// not belong to, is for the installer to report, not the parser.)
func checkTenantText(field, s string) *Error {
	if len(s) > guidLen {
		return errorf(DeviceAuthTenantIdTooLong, field, "is %d characters; a tenant GUID has %d", len(s), guidLen)
	}
	if _, ok := parseGUID(s); !ok {
		return errorf(DeviceAuthTenantIdParseError, field, "must be a tenant GUID such as \"00000000-0000-0000-0000-000000000000\", got %q", s)
	}
	return nil
}

// powerControlNames are the power controls an app may request.
var powerControlNames = []string{"ForcePowerDown", "ForceReboot", "SetPowerProfile"}

// checkPowerControls checks a present PowerControls list.
func checkPowerControls(field string, controls []string) *Error {
	if len(controls) == 0 {
		return errorf(PowerControlsEmptyParseError, field, "must list at least one power control; omit the capability instead")
	}
	for i, pc := range controls {
		if !slices.Contains(powerControlNames, pc) {
			return errorf(PowerControlsInvalidEntryParseError, index(field, i), "%q is not a power control (ForcePowerDown, ForceReboot or SetPowerProfile)", pc)
		}
		if slices.Index(controls, pc) < i {
			return errorf(PowerControlsMalformedParseError, index(field, i), "%q is listed twice", pc)
		}
	}
	return nil
}

// guidLen is the length of a GUID in 8-4-4-4-12 text form.
const guidLen = 36

// parseGUID parses GUID text of the form 8-4-4-4-12 hexadecimal digits
// (no braces) in either case, and returns it in lower case.
func parseGUID(s string) (string, bool) {
	if len(s) != guidLen {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			switch {
			case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
			case c >= 'A' && c <= 'F':
				b[i] = c + ('a' - 'A')
			default:
				return "", false
			}
		}
	}
	return string(b), true
}

// validReference reports whether s is "$" followed by a hardware-definition
// name: a letter or '_' and then letters, digits or '_'.
func validReference(s string) bool {
	name, ok := strings.CutPrefix(s, "$")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// index formats field[i].
func index(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// didYouMean suggests the name in known that differs from s only in case.
func didYouMean(s string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, s) {
			return fmt.Sprintf(" (did you mean %q? names are case-sensitive)", k)
		}
	}
	return ""
}

// HasGpio reports whether the Gpio capability lists GPIO n (GPIOs reached
// only through an ISU, PWM, ADC or I2S claim do not count).
func (m *Manifest) HasGpio(n int) bool {
	return m != nil && slices.Contains(m.Capabilities.Gpio, n)
}

// AllowsConnectionTo reports whether AllowedApplicationConnections lists
// the component ID, which may be given in either case.
func (m *Manifest) AllowsConnectionTo(componentID string) bool {
	if m == nil {
		return false
	}
	g, ok := parseGUID(componentID)
	if !ok {
		return false
	}
	for _, id := range m.Capabilities.AllowedApplicationConnections {
		if other, ok := parseGUID(id); ok && other == g {
			return true
		}
	}
	return false
}
