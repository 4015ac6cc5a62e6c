package manifest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Real manifests from Azure/azure-sphere-samples, with "$NAME" references
// resolved for the MT3620 RDB the way the SDK's packaging step would
// (SAMPLE_LED = GPIO8, SAMPLE_BUTTON_1/2 = GPIO12/13, status LED green = GPIO46).
const (
	helloWorldHL = `{
  "SchemaVersion": 1,
  "Name": "HelloWorld_HighLevelApp",
  "ComponentId": "1689d8b2-c835-2e27-27ad-e894d6d15fa9",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "Gpio": [ 8 ]
  },
  "ApplicationType": "Default",
  "MallocVersion": 2
}`
	helloWorldSource = `{
  "SchemaVersion": 1,
  "Name": "HelloWorld_HighLevelApp",
  "ComponentId": "1689d8b2-c835-2e27-27ad-e894d6d15fa9",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "Gpio": [
      "$SAMPLE_LED"
    ]
  },
  "ApplicationType": "Default",
  "MallocVersion": 2
}`
	intercoreHL = `{
  "SchemaVersion": 1,
  "Name": "IntercoreComms_HighLevelApp",
  "ComponentId": "25025d2c-66da-4448-bae1-ac26fcdd3627",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "AllowedApplicationConnections": [
      "005180BC-402F-4CB3-A662-72937DBCDE47"
    ]
  },
  "ApplicationType": "Default",
  "MallocVersion": 2
}`
	intercoreRT = `{
  "SchemaVersion": 1,
  "Name": "IntercoreComms_RTApp_MT3620_BareMetal",
  "ComponentId": "005180bc-402f-4cb3-a662-72937dbcde47",
  "EntryPoint": "/bin/app",
  "Capabilities": {
    "AllowedApplicationConnections": [ "25025d2c-66da-4448-bae1-ac26fcdd3627" ]
  },
  "ApplicationType": "RealTimeCapable"
}
`
	mutableStorageHL = `{
  "SchemaVersion": 1,
  "Name": "MutableStorage",
  "ComponentId": "ae4714aa-03aa-492b-9663-962f966a9cc3",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "Gpio": [ 12, 13, 8 ],
    "MutableStorage": {
      "SizeKB": 8
    }
  },
  "ApplicationType": "Default",
  "MallocVersion": 2
}`
	privateNetworkHL = `{
  "SchemaVersion": 1,
  "Name": "PrivateNetworkServices",
  "ComponentId": "283b16c8-d6a2-4d56-8abb-f390b0d3dda9",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "AllowedTcpServerPorts": [
      11000
    ],
    "NetworkConfig": true,
    "SntpService": true,
    "DhcpService": true
  },
  "ApplicationType": "Default",
  "MallocVersion": 2
}`
	powerdownHL = `{
  "SchemaVersion": 1,
  "Name": "Powerdown_HighLevelApp",
  "ComponentId": "2a1982f4-e540-429d-a19c-916299ddd88e",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "Gpio": [ 12, 8, 9, 10 ],
    "SystemEventNotifications": true,
    "MutableStorage": { "SizeKB": 8 },
    "PowerControls": [ "ForcePowerDown", "ForceReboot" ]
  },
  "ApplicationType": "Default"
}
`
	azureIoTHL = `{
  "SchemaVersion": 1,
  "Name": "AzureIoT",
  "ComponentId": "819255ff-8640-41fd-aea7-f85d34c491d5",
  "EntryPoint": "/bin/app",
  "CmdArgs": [ "--ScopeID", "0ne00000000" ],
  "Capabilities": {
    "AllowedConnections": [ "global.azure-devices-provisioning.net", "*.azure-devices.net" ],
    "Gpio": [ 12, 46 ],
    "DeviceAuthentication": "00000000-0000-0000-0000-000000000000"
  },
    "ApplicationType": "Default"
  }`
	// A real-time app using raw peripheral names, in the style of the
	// Avnet and MediaTek RTApp samples.
	peripheralsRT = `{
  "SchemaVersion": 1,
  "Name": "Peripherals_RTApp",
  "ComponentId": "9f19b84b-d83c-442b-b8b8-ce095a3b9b33",
  "EntryPoint": "/bin/app",
  "CmdArgs": [],
  "Capabilities": {
    "Gpio": [ 12, 13 ],
    "Uart": [ "ISU0" ],
    "I2cMaster": [ "ISU1" ],
    "SpiMaster": [ "ISU2" ],
    "Adc": [ "ADC-CONTROLLER-0" ],
    "Pwm": [ "PWM-CONTROLLER-2" ],
    "I2sSubordinate": [ "I2S0" ],
    "ExternalInterrupt": [ "EINT12", "EINT13" ],
    "AllowedApplicationConnections": [ "06e116bd-e3af-4bfe-a0cb-f1530b8b91ab" ]
  },
  "ApplicationType": "RealTimeCapable"
}`
)

const testComponentID = "1689d8b2-c835-2e27-27ad-e894d6d15fa9"

// hl returns a high-level manifest with the given Capabilities JSON.
func hl(caps string) string {
	return `{"SchemaVersion":1,"Name":"App","ComponentId":"` + testComponentID + `","EntryPoint":"/bin/app","CmdArgs":[],"Capabilities":` + caps + `,"ApplicationType":"Default","MallocVersion":2}`
}

// rt returns a real-time manifest with the given Capabilities JSON.
func rt(caps string) string {
	return `{"SchemaVersion":1,"Name":"RTApp","ComponentId":"` + testComponentID + `","EntryPoint":"/bin/app","Capabilities":` + caps + `,"ApplicationType":"RealTimeCapable"}`
}

// with returns helloWorldHL with top-level field key set to raw JSON, or removed when raw is "".
func with(key, raw string) string {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(helloWorldHL), &fields); err != nil {
		panic(err)
	}
	if raw == "" {
		delete(fields, key)
	} else {
		fields[key] = json.RawMessage(raw)
	}
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		source bool   // use ParseSource instead of Parse
		in     string // the manifest
		code   uint32 // the expected error code, 0 for success
		id     ErrorID
		field  string // the expected Error.Field, if checked
		check  func(t *testing.T, m *Manifest)
	}{
		// Valid manifests.
		{name: "HelloWorld HL", in: helloWorldHL, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, 1, m.SchemaVersion)
			require.Equal(t, "HelloWorld_HighLevelApp", m.Name)
			require.Equal(t, testComponentID, m.ComponentID)
			require.Equal(t, "/bin/app", m.EntryPoint)
			require.Equal(t, []string{}, m.CmdArgs)
			require.Equal(t, Default, m.ApplicationType)
			require.Equal(t, 2, m.MallocVersion)
			require.Equal(t, []int{8}, m.Capabilities.Gpio)
			require.Empty(t, m.Capabilities.Unresolved)
			require.True(t, m.HasGpio(8))
			require.False(t, m.HasGpio(9))
			require.JSONEq(t, helloWorldHL, string(m.Raw))
		}},
		{name: "HelloWorld source with $SAMPLE_LED", source: true, in: helloWorldSource, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, []string{"$SAMPLE_LED"}, m.Capabilities.Unresolved)
			require.Equal(t, []int{}, m.Capabilities.Gpio)
		}},
		{name: "IntercoreComms HL", in: intercoreHL, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, []string{"005180bc-402f-4cb3-a662-72937dbcde47"}, m.Capabilities.AllowedApplicationConnections)
			require.True(t, m.AllowsConnectionTo("005180BC-402F-4CB3-A662-72937DBCDE47"))
			require.True(t, m.AllowsConnectionTo("005180bc-402f-4cb3-a662-72937dbcde47"))
			require.False(t, m.AllowsConnectionTo("25025d2c-66da-4448-bae1-ac26fcdd3627"))
			require.False(t, m.AllowsConnectionTo("not a guid"))
		}},
		{name: "IntercoreComms RT without CmdArgs", in: intercoreRT, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, RealTimeCapable, m.ApplicationType)
			require.Nil(t, m.CmdArgs)
			require.Equal(t, 0, m.MallocVersion)
			require.True(t, m.AllowsConnectionTo("25025d2c-66da-4448-bae1-ac26fcdd3627"))
		}},
		{name: "MutableStorage SizeKB 8", in: mutableStorageHL, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, &MutableStorage{SizeKB: 8}, m.Capabilities.MutableStorage)
			require.Equal(t, []int{12, 13, 8}, m.Capabilities.Gpio)
		}},
		{name: "PrivateNetworkServices", in: privateNetworkHL, check: func(t *testing.T, m *Manifest) {
			c := m.Capabilities
			require.Equal(t, []int{11000}, c.AllowedTcpServerPorts)
			require.Nil(t, c.AllowedUdpServerPorts)
			require.True(t, c.NetworkConfig && c.SntpService && c.DhcpService)
			require.False(t, c.WifiConfig)
		}},
		{name: "Powerdown", in: powerdownHL, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, []string{"ForcePowerDown", "ForceReboot"}, m.Capabilities.PowerControls)
			require.True(t, m.Capabilities.SystemEventNotifications)
			require.Equal(t, 0, m.MallocVersion)
		}},
		{name: "AzureIoT", in: azureIoTHL, check: func(t *testing.T, m *Manifest) {
			require.Equal(t, "00000000-0000-0000-0000-000000000000", m.Capabilities.DeviceAuthentication)
			require.Equal(t, []string{"--ScopeID", "0ne00000000"}, m.CmdArgs)
			require.Len(t, m.Capabilities.AllowedConnections, 2)
		}},
		{name: "RT app with ISU0 and other raw peripherals", in: peripheralsRT, check: func(t *testing.T, m *Manifest) {
			c := m.Capabilities
			require.Equal(t, []string{"ISU0"}, c.Uart)
			require.Equal(t, []string{"ISU1"}, c.I2cMaster)
			require.Equal(t, []string{"ISU2"}, c.SpiMaster)
			require.Equal(t, []string{"ADC-CONTROLLER-0"}, c.Adc)
			require.Equal(t, []string{"PWM-CONTROLLER-2"}, c.Pwm)
			require.Equal(t, []string{"I2S0"}, c.I2sSubordinate)
			require.Equal(t, []string{"EINT12", "EINT13"}, c.ExternalInterrupt)
		}},
		{name: "empty capabilities and no ApplicationType", in: with("ApplicationType", ""), check: func(t *testing.T, m *Manifest) {
			require.Equal(t, Default, m.ApplicationType)
		}},
		{name: "tooling fields", in: with("TargetBetaApis", "true")},
		{name: "TargetApplicationRuntime", in: with("TargetApplicationRuntime", `"Rust"`)},
		{name: "every GPIO block edge", in: hl(`{"Gpio":[0,23,26,48,56,75,80]}`)},
		{name: "connections: wildcard, IPv4, DNS-SD", in: hl(`{"AllowedConnections":["*.contoso.com","192.168.1.10","_sample-service._tcp.local","localhost"]}`)},
		{name: "UDP ports and all HL booleans", in: hl(`{"AllowedUdpServerPorts":[1,65535],"CertStore":true,"WifiConfig":true,"EnterpriseWifiConfig":false,"ReadNetworkProxyConfig":true,"TimeSyncConfig":true,"SystemTime":true,"SoftwareUpdateDeferral":true,"HardwareAddressConfig":true,"HeapMemStats":true,"ResetMemoryWatermarks":true}`),
			check: func(t *testing.T, m *Manifest) {
				require.True(t, m.Capabilities.HeapMemStats)
				require.False(t, m.Capabilities.EnterpriseWifiConfig)
			}},
		{name: "MutableStorage at the 64 KiB limit", in: hl(`{"MutableStorage":{"SizeKB":64}}`)},
		{name: "PWM controllers and GPIO 12 do not overlap", in: hl(`{"Pwm":["PWM-CONTROLLER-0","PWM-CONTROLLER-1","PWM-CONTROLLER-2"],"Gpio":[12]}`)},
		{name: "source manifest with a byte-order mark", source: true, in: "\ufeff" + helloWorldSource},
		{name: "source manifest: repeated reference is listed once", source: true, in: hl(`{"Gpio":["$LED","$LED",9],"Uart":["$UART"]}`), check: func(t *testing.T, m *Manifest) {
			require.Equal(t, []string{"$LED", "$UART"}, m.Capabilities.Unresolved)
			require.Equal(t, []int{9}, m.Capabilities.Gpio)
			require.Equal(t, []string{}, m.Capabilities.Uart)
		}},

		// Malformed JSON.
		{name: "truncated JSON", in: `{"SchemaVersion": 1,`, code: 2097153, id: InvalidJson},
		{name: "empty input", in: ``, code: 2097153, id: InvalidJson},
		{name: "top level is an array", in: `[` + helloWorldHL + `]`, code: 2097153, id: InvalidJson},
		{name: "top level is a string", in: `"app"`, code: 2097153, id: InvalidJson},
		{name: "trailing data", in: helloWorldHL + `{}`, code: 2097153, id: InvalidJson},
		{name: "duplicate key", in: `{"SchemaVersion":1,"SchemaVersion":1}`, code: 2097153, id: InvalidJson},
		{name: "invalid UTF-8", in: "{\"Name\":\"\xff\"}", code: 2097153, id: InvalidJson},
		{name: "byte-order mark in an image manifest", in: "\ufeff" + helloWorldHL, code: 2097153, id: InvalidJson},
		{name: "deep nesting", in: `{"X":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, code: 2097153, id: InvalidJson},

		// SchemaVersion.
		{name: "SchemaVersion missing", in: with("SchemaVersion", ""), code: 2097156, id: MissingSchemaVersion, field: "SchemaVersion"},
		{name: "SchemaVersion 2", in: with("SchemaVersion", "2"), code: 2097169, id: IncompatibleSchemaVersion, field: "SchemaVersion"},
		{name: "SchemaVersion string", in: with("SchemaVersion", `"1"`), code: 2097169, id: IncompatibleSchemaVersion},
		{name: "SchemaVersion 1.0", in: with("SchemaVersion", "1.0"), code: 2097169, id: IncompatibleSchemaVersion},

		// Name, ComponentId (no dedicated ids: InvalidJson).
		{name: "Name missing", in: with("Name", ""), code: 2097153, id: InvalidJson, field: "Name"},
		{name: "Name empty", in: with("Name", `""`), code: 2097153, id: InvalidJson, field: "Name"},
		{name: "Name not a string", in: with("Name", `42`), code: 2097153, id: InvalidJson, field: "Name"},
		{name: "ComponentId missing", in: with("ComponentId", ""), code: 2097153, id: InvalidJson, field: "ComponentId"},
		{name: "ComponentId not a GUID", in: with("ComponentId", `"1689d8b2c8352e2727ade894d6d15fa9"`), code: 2097153, id: InvalidJson, field: "ComponentId"},
		{name: "ComponentId in braces", in: with("ComponentId", `"{1689d8b2-c835-2e27-27ad-e894d6d15fa9}"`), code: 2097153, id: InvalidJson, field: "ComponentId"},

		// EntryPoint.
		{name: "EntryPoint missing", in: with("EntryPoint", ""), code: 2097155, id: MissingEntryPoint, field: "EntryPoint"},
		{name: "EntryPoint relative", in: with("EntryPoint", `"bin/app"`), code: 2097168, id: BadEntryPoint, field: "EntryPoint"},
		{name: "EntryPoint escapes the package", in: with("EntryPoint", `"/bin/../../etc/passwd"`), code: 2097168, id: BadEntryPoint},
		{name: "EntryPoint is the root", in: with("EntryPoint", `"/"`), code: 2097168, id: BadEntryPoint},
		{name: "EntryPoint not a string", in: with("EntryPoint", `1`), code: 2097168, id: BadEntryPoint},

		// ApplicationType.
		{name: "ApplicationType not a string", in: with("ApplicationType", `0`), code: 2097179, id: NonStringAppType, field: "ApplicationType"},
		{name: "ApplicationType unknown", in: with("ApplicationType", `"HighLevel"`), code: 2097178, id: BadAppType, field: "ApplicationType"},
		{name: "ApplicationType wrong case", in: with("ApplicationType", `"default"`), code: 2097178, id: BadAppType},

		// CmdArgs.
		{name: "CmdArgs missing in HL app", in: with("CmdArgs", ""), code: 2097157, id: CmdArgParseError, field: "CmdArgs"},
		{name: "CmdArgs not an array", in: with("CmdArgs", `"--verbose"`), code: 2097157, id: CmdArgParseError, field: "CmdArgs"},
		{name: "CmdArgs with a number", in: with("CmdArgs", `["-n", 3]`), code: 2097157, id: CmdArgParseError, field: "CmdArgs[1]"},
		{name: "CmdArgs with NUL", in: with("CmdArgs", `["a\u0000b"]`), code: 2097157, id: CmdArgParseError, field: "CmdArgs[0]"},

		// MallocVersion and the tooling fields.
		{name: "MallocVersion 3", in: with("MallocVersion", `3`), code: 2097211, id: MallocVersionParseError, field: "MallocVersion"},
		{name: "MallocVersion string", in: with("MallocVersion", `"2"`), code: 2097211, id: MallocVersionParseError},
		{name: "TargetBetaApis not a boolean", in: with("TargetBetaApis", `"yes"`), code: 2097153, id: InvalidJson, field: "TargetBetaApis"},
		{name: "TargetApplicationRuntime not a string", in: with("TargetApplicationRuntime", `1`), code: 2097153, id: InvalidJson, field: "TargetApplicationRuntime"},
		{name: "unknown top-level field", in: with("Policy", `{}`), code: 2097172, id: ErrorParsingPolicyGroups, field: "Policy"},
		{name: "top-level field in the wrong case", in: with("entryPoint", `"/bin/app"`), code: 2097172, id: ErrorParsingPolicyGroups, field: "entryPoint"},

		// Capabilities.
		{name: "Capabilities missing", in: with("Capabilities", ""), code: 2097158, id: MissingCapabilitiesList, field: "Capabilities"},
		{name: "Capabilities is an array", in: with("Capabilities", `[]`), code: 2097158, id: MissingCapabilitiesList},
		{name: "Capabilities is null", in: with("Capabilities", `null`), code: 2097158, id: MissingCapabilitiesList},
		{name: "unknown capability", in: hl(`{"Camera":true}`), code: 2097173, id: ErrorParsingPolicyCapabilities, field: "Capabilities.Camera"},
		{name: "capability in the wrong case", in: hl(`{"gpio":[8]}`), code: 2097173, id: ErrorParsingPolicyCapabilities, field: "Capabilities.gpio"},

		// Gpio.
		{name: "GPIO 24 does not exist", in: hl(`{"Gpio":[8,24]}`), code: 2097162, id: GpioParseError, field: "Capabilities.Gpio[1]"},
		{name: "GPIO 25 does not exist", in: hl(`{"Gpio":[25]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 49 does not exist", in: hl(`{"Gpio":[49]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 55 does not exist", in: hl(`{"Gpio":[55]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 76 does not exist", in: hl(`{"Gpio":[76]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 79 does not exist", in: hl(`{"Gpio":[79]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 81 does not exist", in: hl(`{"Gpio":[81]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO -1", in: hl(`{"Gpio":[-1]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO overflow", in: hl(`{"Gpio":[123456789012345678901234567890]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO 8.0 is not an integer", in: hl(`{"Gpio":[8.0]}`), code: 2097162, id: GpioParseError},
		{name: "GPIO as a string", in: hl(`{"Gpio":["8"]}`), code: 2097162, id: GpioParseError},
		{name: "Gpio not an array", in: hl(`{"Gpio":8}`), code: 2097162, id: GpioParseError, field: "Capabilities.Gpio"},
		{name: "unresolved $NAME in an image manifest", in: helloWorldSource, code: 2097162, id: GpioParseError, field: "Capabilities.Gpio[0]"},
		{name: "malformed $NAME in a source manifest", source: true, in: hl(`{"Gpio":["$1LED"]}`), code: 2097162, id: GpioParseError},

		// Peripheral names.
		{name: "ISU5 is not user-accessible", in: hl(`{"Uart":["ISU5"]}`), code: 2097165, id: PeripheralParseError, field: "Capabilities.Uart[0]"},
		{name: "ISU name in lower case", in: hl(`{"I2cMaster":["isu0"]}`), code: 2097165, id: PeripheralParseError},
		{name: "SpiMaster with a number", in: hl(`{"SpiMaster":[1]}`), code: 2097165, id: PeripheralParseError},
		{name: "ADC0 is not the controller name", in: rt(`{"Adc":["ADC0"]}`), code: 2097165, id: PeripheralParseError},
		{name: "PWM-CONTROLLER-3", in: hl(`{"Pwm":["PWM-CONTROLLER-3"]}`), code: 2097165, id: PeripheralParseError},
		{name: "I2S2", in: rt(`{"I2sSubordinate":["I2S2"]}`), code: 2097165, id: PeripheralParseError},
		{name: "EINT24", in: rt(`{"ExternalInterrupt":["EINT24"]}`), code: 2097165, id: PeripheralParseError},
		{name: "EINT with leading zero", in: rt(`{"ExternalInterrupt":["EINT04"]}`), code: 2097165, id: PeripheralParseError},
		{name: "ExternalInterrupt in an HL app", in: hl(`{"ExternalInterrupt":["EINT4"]}`), code: 2097165, id: PeripheralParseError, field: "Capabilities.ExternalInterrupt"},
		{name: "unresolved $NAME in Uart", in: hl(`{"Uart":["$MT3620_RDB_HEADER2_ISU0_UART"]}`), code: 2097165, id: PeripheralParseError, field: "Capabilities.Uart[0]"},

		// Pins requested twice.
		{name: "ISU0 as UART and I2C", in: hl(`{"Uart":["ISU0"],"I2cMaster":["ISU0"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin, field: "Capabilities.I2cMaster[0]"},
		{name: "GPIO26 and ISU0", in: hl(`{"Gpio":[26],"Uart":["ISU0"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin, field: "Capabilities.Uart[0]"},
		{name: "GPIO75 and ISU4", in: rt(`{"Gpio":[75],"SpiMaster":["ISU4"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin},
		{name: "GPIO8 and PWM-CONTROLLER-2", in: hl(`{"Gpio":[8],"Pwm":["PWM-CONTROLLER-2"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin},
		{name: "GPIO41 and ADC-CONTROLLER-0", in: hl(`{"Gpio":[41],"Adc":["ADC-CONTROLLER-0"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin},
		{name: "GPIO57 and I2S0", in: rt(`{"Gpio":[57],"I2sSubordinate":["I2S0"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin},
		{name: "GPIO listed twice", in: hl(`{"Gpio":[8,9,8]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin, field: "Capabilities.Gpio[2]"},
		{name: "ISU listed twice", in: hl(`{"Uart":["ISU1","ISU1"]}`), code: 2097187, id: RequestedPeripheralsRequireSamePin},

		// MutableStorage.
		{name: "MutableStorage not an object", in: hl(`{"MutableStorage":8}`), code: 2097183, id: NonObjectMutableStorageType, field: "Capabilities.MutableStorage"},
		{name: "MutableStorage without SizeKB", in: hl(`{"MutableStorage":{}}`), code: 2097184, id: MutableStorageMissingRequiredField, field: "Capabilities.MutableStorage.SizeKB"},
		{name: "SizeKB as a string", in: hl(`{"MutableStorage":{"SizeKB":"8"}}`), code: 2097185, id: ErrorParsingMutableStorageField},
		{name: "SizeKB zero", in: hl(`{"MutableStorage":{"SizeKB":0}}`), code: 2097185, id: ErrorParsingMutableStorageField},
		{name: "SizeKB negative", in: hl(`{"MutableStorage":{"SizeKB":-8}}`), code: 2097185, id: ErrorParsingMutableStorageField},
		{name: "SizeKB fractional", in: hl(`{"MutableStorage":{"SizeKB":8.5}}`), code: 2097185, id: ErrorParsingMutableStorageField},
		{name: "SizeKB 65", in: hl(`{"MutableStorage":{"SizeKB":65}}`), code: 2097186, id: MutableStorageRequestTooLarge, field: "Capabilities.MutableStorage.SizeKB"},
		{name: "SizeKB overflow", in: hl(`{"MutableStorage":{"SizeKB":99999999999999999999}}`), code: 2097186, id: MutableStorageRequestTooLarge},
		{name: "MutableStorage unknown field", in: hl(`{"MutableStorage":{"SizeKB":8,"Encrypted":true}}`), code: 2097185, id: ErrorParsingMutableStorageField, field: "Capabilities.MutableStorage.Encrypted"},

		// Server ports.
		{name: "TCP port as a string", in: hl(`{"AllowedTcpServerPorts":["80"]}`), code: 2097188, id: AllowedTcpPortsParseError, field: "Capabilities.AllowedTcpServerPorts[0]"},
		{name: "UDP ports not an array", in: hl(`{"AllowedUdpServerPorts":53}`), code: 2097189, id: AllowedUdpPortsParseError},
		{name: "TCP port 0", in: hl(`{"AllowedTcpServerPorts":[0]}`), code: 2097190, id: IllegalTcpPortsValue},
		{name: "TCP port 65536", in: hl(`{"AllowedTcpServerPorts":[80,65536]}`), code: 2097190, id: IllegalTcpPortsValue, field: "Capabilities.AllowedTcpServerPorts[1]"},
		{name: "UDP port 70000", in: hl(`{"AllowedUdpServerPorts":[70000]}`), code: 2097191, id: IllegalUdpPortsValue},
		{name: "UDP port overflow", in: hl(`{"AllowedUdpServerPorts":[-99999999999999999999]}`), code: 2097191, id: IllegalUdpPortsValue},

		// AllowedConnections, AllowedApplicationConnections, DeviceAuthentication.
		{name: "connection is a URL", in: hl(`{"AllowedConnections":["https://contoso.com"]}`), code: 2097161, id: ConnectionsParseError, field: "Capabilities.AllowedConnections[0]"},
		{name: "connection is a bad IPv4 address", in: hl(`{"AllowedConnections":["300.1.1.1"]}`), code: 2097161, id: ConnectionsParseError},
		{name: "connection is empty", in: hl(`{"AllowedConnections":[""]}`), code: 2097161, id: ConnectionsParseError},
		{name: "application connection not a GUID", in: hl(`{"AllowedApplicationConnections":["rtapp"]}`), code: 2097195, id: AllowedApplicationConnectionsParseError, field: "Capabilities.AllowedApplicationConnections[0]"},
		{name: "application connections not an array", in: rt(`{"AllowedApplicationConnections":"25025d2c-66da-4448-bae1-ac26fcdd3627"}`), code: 2097195, id: AllowedApplicationConnectionsParseError},
		{name: "tenant not a string", in: hl(`{"DeviceAuthentication":true}`), code: 2097176, id: DeviceAuthTenantIdParseError, field: "Capabilities.DeviceAuthentication"},
		{name: "tenant not a GUID", in: hl(`{"DeviceAuthentication":"my-tenant"}`), code: 2097176, id: DeviceAuthTenantIdParseError},
		{name: "tenant too long", in: hl(`{"DeviceAuthentication":"00000000-0000-0000-0000-0000000000000"}`), code: 2097181, id: DeviceAuthTenantIdTooLong},

		// PowerControls.
		{name: "PowerControls not an array", in: hl(`{"PowerControls":"ForceReboot"}`), code: 2097200, id: PowerControlsMalformedParseError},
		{name: "PowerControls with a number", in: hl(`{"PowerControls":[1]}`), code: 2097200, id: PowerControlsMalformedParseError},
		{name: "PowerControls duplicate", in: hl(`{"PowerControls":["ForceReboot","ForceReboot"]}`), code: 2097200, id: PowerControlsMalformedParseError, field: "Capabilities.PowerControls[1]"},
		{name: "PowerControls empty", in: hl(`{"PowerControls":[]}`), code: 2097201, id: PowerControlsEmptyParseError},
		{name: "PowerControls unknown entry", in: hl(`{"PowerControls":["Reboot"]}`), code: 2097202, id: PowerControlsInvalidEntryParseError, field: "Capabilities.PowerControls[0]"},

		// Boolean capabilities and app-type restrictions.
		{name: "WifiConfig as a string", in: hl(`{"WifiConfig":"true"}`), code: 2097167, id: WifiParseError, field: "Capabilities.WifiConfig"},
		{name: "SystemTime as a number", in: hl(`{"SystemTime":1}`), code: 2097182, id: SystemTimeParseError},
		{name: "RT app with WifiConfig", in: rt(`{"WifiConfig":true}`), code: 2097167, id: WifiParseError, field: "Capabilities.WifiConfig"},
		{name: "RT app with WifiConfig false", in: rt(`{"WifiConfig":false}`), code: 2097167, id: WifiParseError},
		{name: "RT app with MutableStorage", in: rt(`{"MutableStorage":{"SizeKB":8}}`), code: 2097185, id: ErrorParsingMutableStorageField},
		{name: "RT app with AllowedConnections", in: rt(`{"AllowedConnections":["contoso.com"]}`), code: 2097161, id: ConnectionsParseError},
		{name: "RT app with DeviceAuthentication", in: rt(`{"DeviceAuthentication":"00000000-0000-0000-0000-000000000000"}`), code: 2097176, id: DeviceAuthTenantIdParseError},
		{name: "RT app with PowerControls", in: rt(`{"PowerControls":["ForceReboot"]}`), code: 2097200, id: PowerControlsMalformedParseError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := Parse
			if tt.source {
				parse = ParseSource
			}
			m, err := parse([]byte(tt.in))
			if tt.code == 0 {
				require.NoError(t, err)
				require.NotNil(t, m)
				require.NoError(t, m.Validate())
				if tt.check != nil {
					tt.check(t, m)
				}
				return
			}
			require.Nil(t, m)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tt.code, e.Code(), "got %v", err)
			require.Equal(t, tt.id, e.ID, "got %v", err)
			if tt.field != "" {
				require.Equal(t, tt.field, e.Field, "got %v", err)
			}
			require.NotEmpty(t, e.Detail)
		})
	}
}

// Each boolean capability reports its own parse-error id for a non-boolean value.
func TestBooleanCapabilityIDs(t *testing.T) {
	want := map[string]uint32{
		"CertStore":                2097196,
		"WifiConfig":               2097167,
		"EnterpriseWifiConfig":     2097197,
		"NetworkConfig":            2097163,
		"ReadNetworkProxyConfig":   2097208,
		"DhcpService":              2097193,
		"SntpService":              2097194,
		"TimeSyncConfig":           2097192,
		"SystemTime":               2097182,
		"SystemEventNotifications": 2097198,
		"SoftwareUpdateDeferral":   2097199,
		"HardwareAddressConfig":    2097203,
		"HeapMemStats":             2097210,
		"ResetMemoryWatermarks":    2097209,
	}
	for name, code := range want {
		t.Run(name, func(t *testing.T) {
			m, err := Parse([]byte(hl(`{"` + name + `":true}`)))
			require.NoError(t, err)
			require.True(t, *boolCap(&m.Capabilities, name))

			_, err = Parse([]byte(hl(`{"` + name + `":"yes"}`)))
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, code, e.Code(), "got %v", err)
			require.Equal(t, "Capabilities."+name, e.Field)
		})
	}
}

func TestErrorIDs(t *testing.T) {
	// Anchors from reference §5.3 and the device's published list.
	anchors := []struct {
		id   ErrorID
		code uint32
		name string
	}{
		{InvalidJson, 2097153, "InvalidJson"},
		{MissingEntryPoint, 2097155, "MissingEntryPoint"},
		{ToggleStateParseError, 2097159, "__DEPRECATED_ToggleStateParseError"},
		{PeripheralParseError, 2097165, "PeripheralParseError"},
		{IncompatibleSchemaVersion, 2097169, "IncompatibleSchemaVersion"},
		{MutableStorageRequestTooLarge, 2097186, "MutableStorageRequestTooLarge"},
		{RequestedPeripheralsRequireSamePin, 2097187, "RequestedPeripheralsRequireSamePin"},
		{AllowedTcpPortsParseError, 2097188, "AllowedTcpPortsParseError"},
		{IllegalUdpPortsValue, 2097191, "IllegalUdpPortsValue"},
		{PowerControlsMalformedParseError, 2097200, "PowerControlsMalformedParseError"},
		{PowerControlsEmptyParseError, 2097201, "PowerControlsEmptyParseError"},
		{PowerControlsInvalidEntryParseError, 2097202, "PowerControlsInvalidEntryParseError"},
		{ReadNetworkProxyConfigParseError, 2097208, "ReadNetworkProxyConfigParseError"},
		{MallocVersionParseError, 2097211, "MallocVersionParseError"},
	}
	for _, a := range anchors {
		require.Equal(t, a.code, a.id.Code(), a.name)
		require.Equal(t, a.code, (&Error{ID: a.id}).Code(), a.name)
		require.Equal(t, a.name, a.id.String())
		require.NotEmpty(t, a.id.Message())
	}
	require.Equal(t, "ErrorID(12)", ErrorID(12).String())
	require.Empty(t, ErrorID(12).Message())
	require.Len(t, errorInfos, 58) // 1..59 without the unpublished id 12
}

func TestErrorString(t *testing.T) {
	_, err := Parse([]byte(with("EntryPoint", "")))
	require.EqualError(t, err, `app manifest error 2097155 (MissingEntryPoint): "EntryPoint" is required`)

	require.EqualError(t, &Error{ID: InvalidJson},
		"app manifest error 2097153 (InvalidJson): Application manifest contains ill-formed json")

	var e *Error
	require.Equal(t, uint32(0), e.Code())
	require.Equal(t, "<nil>", e.Error())
}

func TestValidate(t *testing.T) {
	valid := func() *Manifest {
		return &Manifest{
			SchemaVersion: 1,
			Name:          "App",
			ComponentID:   testComponentID,
			EntryPoint:    "/bin/app",
			CmdArgs:       []string{},
			Capabilities:  Capabilities{Gpio: []int{8}},
		}
	}
	tests := []struct {
		name   string
		modify func(m *Manifest)
		code   uint32
	}{
		{"valid, zero ApplicationType counts as Default", func(m *Manifest) {}, 0},
		{"zero SchemaVersion", func(m *Manifest) { m.SchemaVersion = 0 }, 2097156},
		{"SchemaVersion 2", func(m *Manifest) { m.SchemaVersion = 2 }, 2097169},
		{"upper-case ComponentID", func(m *Manifest) { m.ComponentID = strings.ToUpper(testComponentID) }, 2097153},
		{"no EntryPoint", func(m *Manifest) { m.EntryPoint = "" }, 2097155},
		{"nil CmdArgs for HL", func(m *Manifest) { m.CmdArgs = nil }, 2097157},
		{"nil CmdArgs for RT", func(m *Manifest) { m.CmdArgs = nil; m.ApplicationType = RealTimeCapable }, 0},
		{"bad ApplicationType", func(m *Manifest) { m.ApplicationType = "Other" }, 2097178},
		{"MallocVersion 7", func(m *Manifest) { m.MallocVersion = 7 }, 2097211},
		{"GPIO 24", func(m *Manifest) { m.Capabilities.Gpio = []int{24} }, 2097162},
		{"SizeKB 0", func(m *Manifest) { m.Capabilities.MutableStorage = &MutableStorage{} }, 2097185},
		{"empty PowerControls", func(m *Manifest) { m.Capabilities.PowerControls = []string{} }, 2097201},
		{"RT with NetworkConfig", func(m *Manifest) {
			m.ApplicationType = RealTimeCapable
			m.Capabilities.NetworkConfig = true
		}, 2097163},
		{"HL with ExternalInterrupt", func(m *Manifest) { m.Capabilities.ExternalInterrupt = []string{"EINT1"} }, 2097165},
		{"upper-case tenant", func(m *Manifest) { m.Capabilities.DeviceAuthentication = strings.ToUpper(testComponentID) }, 2097176},
		{"bad Unresolved entry", func(m *Manifest) { m.Capabilities.Unresolved = []string{"LED"} }, 2097165},
		{"pin shared by Gpio and PWM", func(m *Manifest) { m.Capabilities.Pwm = []string{"PWM-CONTROLLER-2"} }, 2097187},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.modify(m)
			err := m.Validate()
			if tt.code == 0 {
				require.NoError(t, err)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tt.code, e.Code(), "got %v", err)
		})
	}

	var nilManifest *Manifest
	require.Error(t, nilManifest.Validate())
	require.False(t, nilManifest.HasGpio(8))
	require.False(t, nilManifest.AllowsConnectionTo(testComponentID))
}

func TestRawIsACopy(t *testing.T) {
	b := []byte(helloWorldHL)
	m, err := Parse(b)
	require.NoError(t, err)
	b[0] = ' '
	require.Equal(t, byte('{'), m.Raw[0])
}

func TestErrorsAreTyped(t *testing.T) {
	// Every failure, however the input is broken, is an *Error with a known id.
	for _, in := range []string{"", "null", "{", `{"SchemaVersion":1}`, helloWorldSource, rt(`{"Gpio":[24]}`)} {
		_, err := Parse([]byte(in))
		var e *Error
		require.True(t, errors.As(err, &e), "input %q: %v", in, err)
		require.NotEqual(t, "", e.ID.Message())
	}
}
