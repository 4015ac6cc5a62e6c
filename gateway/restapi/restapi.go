// Package restapi is the wire format of the device REST API (the real
// device's gatewayd, reference §10.4): the JSON payloads of every route, the
// error shape and codes, and the binary encoding of GET /telemetry. The
// kernel (which answers the routes) and the CLI's client both use it; it
// imports neither. docs/rest-api.md describes the routes.
//
// Field names and shapes follow the real API where it is known (the public
// OpenAPI description and the Azure Sphere Device API test suite); the
// comments say where a value is the emulator's choice.
package restapi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// APIVersion is sent in the REST-API-Version header of every response, as
// the real device does (its versions run from 1.2 to 4.4).
const APIVersion = "4.4.0"

// VersionHeader is the response header that carries APIVersion.
const VersionHeader = "REST-API-Version"

// Route paths. "{cid}" stands for a component ID.
const (
	PathStatus             = "/status"
	PathOSVersion          = "/osversion"
	PathABIVersions        = "/abi_versions"
	PathImages             = "/images"
	PathAppStatus          = "/app/status/{cid}"
	PathAppQuota           = "/app/quota/{cid}"
	PathCapabilities       = "/device/capabilities"
	PathSecurityState      = "/device/security_state"
	PathRestart            = "/restart"
	PathTelemetry          = "/telemetry"
	PathLog                = "/log"
	PathMemoryStats        = "/stats/memory/groups/applications"
	PathNetInterfaces      = "/net/interfaces"
	PathNetStatus          = "/net/status"
	PathFirewallRulesets   = "/net/firewall/rulesets"
	PathAppImage           = "/app/image/{cid}" // DELETE: remove an installed app
	PathUpdateStage        = "/update/stage"    // PUT: stage a sideloaded image package (octet-stream)
	PathUpdateInstall      = "/update/install"  // POST: install what is staged
	ContentTypeJSON        = "application/json"
	ContentTypeOctetStream = "application/octet-stream"
	ContentTypeText        = "text/plain; charset=utf-8"
)

// Status answers GET /status: seconds since the device last started.
type Status struct {
	Uptime int64 `json:"uptime"`
}

// OSVersion answers GET /osversion.
type OSVersion struct {
	OSVersion string `json:"osversion"`
}

// ABIVersions answers GET /abi_versions: the version of each ABI the
// running software provides (image metadata's NP sections). The real field
// names; that each is one integer is the emulator's reading.
type ABIVersions struct {
	SecureWorldRuntime uint32 `json:"SecureWorldRuntime"`
	OSRuntime          uint32 `json:"OSRuntime"`
	ApplicationRuntime uint32 `json:"ApplicationRuntime"`
}

// Images answers GET /images: the installed components.
type Images struct {
	IsOTAUpdateInProgress bool        `json:"is_ota_update_in_progress"`
	HasStagedUpdates      bool        `json:"has_staged_updates"`
	RestartRequired       bool        `json:"restart_required"`
	Components            []Component `json:"components"`
}

// Component is one installed component and its images.
type Component struct {
	UID                         string  `json:"uid"` // component ID
	ImageType                   int     `json:"image_type"`
	IsUpdateStaged              bool    `json:"is_update_staged"`
	DoesImageTypeRequireRestart bool    `json:"does_image_type_require_restart"`
	Images                      []Image `json:"images"`
	Name                        string  `json:"name"`
}

// Image is one image of a component.
type Image struct {
	UID                       string `json:"uid"` // image ID
	LengthInBytes             int64  `json:"length_in_bytes"`
	UncompressedLengthInBytes int64  `json:"uncompressed_length_in_bytes"`
	// ReplicaType: 0 for the one copy of an application image (the
	// emulator's value; the real enumeration is not public).
	ReplicaType int `json:"replica_type"`
}

// App states (reference §5.2).
const (
	StateRunning    = "running"
	StateStopped    = "stopped"
	StateDebugging  = "debugging"
	StateNotPresent = "notPresent"
)

// AppStatus answers GET and PATCH /app/status/{cid}. RealTimeCore is set
// for a real-time app that runs: the core (0 or 1).
type AppStatus struct {
	State        string `json:"state"`
	RealTimeCore *int   `json:"realTimeCore,omitempty"`
}

// Triggers of PATCH /app/status/{cid}.
const (
	TriggerStart      = "start"
	TriggerStartDebug = "startDebug"
	TriggerStop       = "stop"
)

// AppStatusChange is the body of PATCH /app/status/{cid}.
type AppStatusChange struct {
	Trigger string `json:"trigger"`
}

// AppQuota answers GET /app/quota/{cid}: the app's mutable storage.
type AppQuota struct {
	UsageKB int64 `json:"UsageKB"`
	LimitKB int64 `json:"LimitKB"`
}

// DeviceCapabilities answers GET /device/capabilities: the capability
// numbers of the device's capability file (reference §4; 11 is
// appDevelopment, 13 fieldServicing).
type DeviceCapabilities struct {
	DeviceCapabilities []int `json:"device_capabilities"`
}

// Device capabilities (reference §4).
const (
	CapabilityAppDevelopment = 11
	CapabilityFieldServicing = 13
)

// SecurityState answers GET /device/security_state. The deprecated
// deviceIdentityPublicKey field is left out.
type SecurityState struct {
	SecurityState    string `json:"securityState"` // TEST, BLANK, SECURE, EOL or UNKNOWN
	DeviceIdentifier string `json:"deviceIdentifier"`
}

// MemoryStats answers GET /stats/memory/groups/applications. The field
// names are the real ones, userModeMemoryUsageInByte included.
type MemoryStats struct {
	MemoryStats AppMemory `json:"memoryStats"`
}

// AppMemory is the high-level app's memory use, in bytes.
type AppMemory struct {
	CurrentMemoryUsageInBytes      int64 `json:"currentMemoryUsageInBytes"`
	UserModeMemoryUsageInByte      int64 `json:"userModeMemoryUsageInByte"`
	PeakUserModeMemoryUsageInBytes int64 `json:"peakUserModeMemoryUsageInBytes"`
}

// NetInterfaces answers GET /net/interfaces.
type NetInterfaces struct {
	Interfaces []NetInterface `json:"interfaces"`
}

// NetInterface is one network interface.
type NetInterface struct {
	InterfaceName       string   `json:"interfaceName"`
	InterfaceUp         bool     `json:"interfaceUp"`
	ConnectedToNetwork  bool     `json:"connectedToNetwork"`
	IPAcquired          bool     `json:"ipAcquired"`
	ConnectedToInternet bool     `json:"connectedToInternet"`
	IPAddresses         []string `json:"ipAddresses"`
	IPAssignment        string   `json:"ipAssignment,omitempty"` // "dynamic", "static" or "none"
}

// NetStatus answers GET /net/status.
type NetStatus struct {
	DeviceAuthenticationIsReady bool   `json:"deviceAuthenticationIsReady"`
	NetworkTimeSync             string `json:"networkTimeSync"` // "enabled" or "disabled"
	Proxy                       string `json:"proxy"`           // "disabled": the emulator has no proxy
}

// FirewallRulesets answers GET /net/firewall/rulesets: the rules of each
// netfilter hook (reference §5.4).
type FirewallRulesets struct {
	Rulesets []Ruleset `json:"rulesets"`
}

// Netfilter hooks, in the order the rulesets are listed.
var Hooks = []string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}

// Ruleset is the rules of one hook, in the order they are applied.
type Ruleset struct {
	Hook    string `json:"hook"`
	IsValid bool   `json:"isValid"`
	Rules   []Rule `json:"rules"`
}

// Rule is one firewall rule.
type Rule struct {
	SourceIP             string    `json:"sourceIP"`
	SourceMask           string    `json:"sourceMask"`
	DestinationIP        string    `json:"destinationIP"`
	DestinationMask      string    `json:"destinationMask"`
	UID                  int       `json:"uid"` // the app's Linux uid; AnyUID for every process
	Action               string    `json:"action"`
	InterfaceInName      string    `json:"interfaceInName"`
	InterfaceOutName     string    `json:"interfaceOutName"`
	State                string    `json:"state"` // none, established or related
	TCPMask              []string  `json:"tcpMask"`
	TCPCmp               []string  `json:"tcpCmp"`
	TCPInv               bool      `json:"tcpInv"`
	Protocol             string    `json:"protocol"` // any, icmp, igmp, tcp or udp
	SourcePortRange      PortRange `json:"sourcePortRange"`
	DestinationPortRange PortRange `json:"destinationPortRange"`
	Packets              int64     `json:"packets"`
	Bytes                int64     `json:"bytes"`
}

// AnyUID is the uid of a rule that applies to every process (emulator-defined).
const AnyUID = -1

// PortRange is an inclusive port range; 0–65535 is any port.
type PortRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// AnyPort is the port range of a rule that does not look at ports.
var AnyPort = PortRange{Min: 0, Max: 65535}

// Error is the body of every failed request: {"error": code}.
type Error struct {
	Code uint32 `json:"error"`
}

// Error categories: the real ones (reference §5.3, from the device's
// common error list).
const (
	CategoryPermissions = 6
	CategoryREST        = 10
	CategoryRESTApp     = 14
	CategoryRESTUpdate  = 16
	CategoryJSON        = 18
)

// Error codes, (category << 20) | id. The categories are real; the ids
// within them are the emulator's, since the device's own id lists for
// these categories are not public (docs/rest-api.md).
const (
	ErrRouteNotFound          uint32 = CategoryREST<<20 | 1        // 404: no such route (or method)
	ErrUnsupportedMediaType   uint32 = CategoryREST<<20 | 2        // 415: a JSON route got another content type
	ErrBodyTooLarge           uint32 = CategoryREST<<20 | 3        // 413: the request body exceeds the route's limit
	ErrDeviceUnavailable      uint32 = CategoryREST<<20 | 4        // 503: the device did not answer (off, restarting)
	ErrInternal               uint32 = CategoryREST<<20 | 5        // 500: the OS could not compute the answer
	ErrInvalidJSON            uint32 = CategoryJSON<<20 | 1        // 400: the body is not the JSON object the route takes
	ErrInvalidField           uint32 = CategoryJSON<<20 | 2        // 400: a field is missing or has a value the route does not know
	ErrAppDevelopmentRequired uint32 = CategoryPermissions<<20 | 1 // 403: the device lacks the appDevelopment capability
	ErrAppNotPresent          uint32 = CategoryRESTApp<<20 | 1     // 404: no app with that component ID is installed
	ErrInvalidComponentID     uint32 = CategoryRESTApp<<20 | 2     // 400: the component ID is not a GUID
	ErrAppConflict            uint32 = CategoryRESTApp<<20 | 3     // 409: the app cannot do that now
	ErrUpdateInProgress       uint32 = CategoryRESTUpdate<<20 | 1  // 409: an over-the-air update is under way: sideloading is temporarily disabled
	ErrImageNotTrusted        uint32 = CategoryRESTUpdate<<20 | 2  // 400: the image package does not verify on this device
	ErrNothingStaged          uint32 = CategoryRESTUpdate<<20 | 3  // 409: install without a staged image
	ErrCapabilityNotValid     uint32 = CategoryPermissions<<20 | 2 // 400: the capability file is not for this device, or not signed by a trusted key
)

var errorText = map[uint32]string{
	ErrRouteNotFound:          "no such route",
	ErrUnsupportedMediaType:   "unsupported media type",
	ErrBodyTooLarge:           "request body too large",
	ErrDeviceUnavailable:      "the device did not answer",
	ErrInternal:               "internal error",
	ErrInvalidJSON:            "invalid JSON body",
	ErrInvalidField:           "invalid field in the request",
	ErrAppDevelopmentRequired: "the device does not have the appDevelopment capability",
	ErrUpdateInProgress:       "sideloading is temporarily disabled: an update is in progress",
	ErrImageNotTrusted:        "image not trusted by device",
	ErrNothingStaged:          "no image is staged",
	ErrCapabilityNotValid:     "the capability file is not valid for this device",
	ErrAppNotPresent:          "no application with that component ID is installed",
	ErrInvalidComponentID:     "the component ID is not a GUID",
	ErrAppConflict:            "the application cannot do that in its current state",
}

// Describe returns a short description of a code, with its category and id.
func Describe(code uint32) string {
	t, ok := errorText[code]
	if !ok {
		t = "error"
	}
	return fmt.Sprintf("%s (code %d: category %d, id %d)", t, code, code>>20, code&0xFFFFF)
}

func (e *Error) Error() string { return Describe(e.Code) }

// --- GET /telemetry --------------------------------------------------------

// The real GET /telemetry answers with the binary contents of the telemetry
// partition (application/octet-stream); its format is not public, except
// that bytes 3–4 hold the length of the data that follows, big-endian (the
// public API test suite reads them). The emulator's encoding keeps that and
// defines the rest (all integers big-endian):
//
//	header:  u8 version (1) | u16 record count | u16 data length
//	record:  u64 seq | u8 flags (bit 0: uploaded) | i64 time (Unix ns) |
//	         u8 event type (0 planned, 1 unplanned) | u8 class (0 OS, 1 app) |
//	         u16 description length | description (UTF-8)
//
// The data length caps the answer at 65535 bytes: when the records do not
// fit, the oldest are left out.

// TelemetryVersion is the version byte of the encoding.
const TelemetryVersion = 1

// Telemetry encoding sizes.
const (
	telemetryHeader    = 5
	telemetryRecordFix = 8 + 1 + 8 + 1 + 1 + 2
	// MaxTelemetryData bounds the data after the header.
	MaxTelemetryData = 0xFFFF
)

// TelemetryRecord is one error-report event of the telemetry partition.
type TelemetryRecord struct {
	Seq          uint64
	Uploaded     bool
	TimeUnixNano int64
	Type         uint8 // 0 planned, 1 unplanned
	Class        uint8 // 0 OS, 1 application
	Description  string
}

// TypeName is the event type as error reports print it.
func (r *TelemetryRecord) TypeName() string {
	if r.Type == 0 {
		return "Planned"
	}
	return "Unplanned"
}

// ClassName is the event class as error reports print it.
func (r *TelemetryRecord) ClassName() string {
	if r.Class == 0 {
		return "OS"
	}
	return "Application"
}

// EncodeTelemetry encodes records, oldest first, dropping the oldest ones
// that do not fit; descriptions longer than 65535 bytes are cut.
func EncodeTelemetry(recs []TelemetryRecord) []byte {
	size := func(r TelemetryRecord) int { return telemetryRecordFix + min(len(r.Description), 0xFFFF) }
	total, first := 0, len(recs)
	for i := len(recs) - 1; i >= 0; i-- {
		n := size(recs[i])
		if total+n > MaxTelemetryData {
			break
		}
		total += n
		first = i
	}
	recs = recs[first:]
	out := make([]byte, 0, telemetryHeader+total)
	out = append(out, TelemetryVersion)
	out = binary.BigEndian.AppendUint16(out, uint16(len(recs)))
	out = binary.BigEndian.AppendUint16(out, uint16(total))
	for _, r := range recs {
		desc := r.Description
		if len(desc) > 0xFFFF {
			desc = desc[:0xFFFF]
		}
		out = binary.BigEndian.AppendUint64(out, r.Seq)
		var flags byte
		if r.Uploaded {
			flags |= 1
		}
		out = append(out, flags)
		out = binary.BigEndian.AppendUint64(out, uint64(r.TimeUnixNano))
		out = append(out, r.Type, r.Class)
		out = binary.BigEndian.AppendUint16(out, uint16(len(desc)))
		out = append(out, desc...)
	}
	return out
}

// DecodeTelemetry decodes GET /telemetry's answer.
func DecodeTelemetry(b []byte) ([]TelemetryRecord, error) {
	if len(b) < telemetryHeader {
		return nil, errors.New("telemetry: shorter than its 5-byte header")
	}
	if b[0] != TelemetryVersion {
		return nil, fmt.Errorf("telemetry: version %d, want %d", b[0], TelemetryVersion)
	}
	count := int(binary.BigEndian.Uint16(b[1:]))
	n := int(binary.BigEndian.Uint16(b[3:]))
	data := b[telemetryHeader:]
	if len(data) != n {
		return nil, fmt.Errorf("telemetry: header says %d bytes of data, %d follow", n, len(data))
	}
	out := make([]TelemetryRecord, 0, min(count, len(data)/telemetryRecordFix))
	for i := 0; i < count; i++ {
		if len(data) < telemetryRecordFix {
			return nil, fmt.Errorf("telemetry: record %d of %d is cut short", i+1, count)
		}
		r := TelemetryRecord{
			Seq:          binary.BigEndian.Uint64(data),
			Uploaded:     data[8]&1 != 0,
			TimeUnixNano: int64(binary.BigEndian.Uint64(data[9:])),
			Type:         data[17],
			Class:        data[18],
		}
		l := int(binary.BigEndian.Uint16(data[19:]))
		data = data[telemetryRecordFix:]
		if len(data) < l {
			return nil, fmt.Errorf("telemetry: record %d's description is cut short", i+1)
		}
		r.Description = string(data[:l])
		data = data[l:]
		out = append(out, r)
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("telemetry: %d bytes after the last record", len(data))
	}
	return out, nil
}

// InstallRequest is the body of POST /update/install.
type InstallRequest struct {
	AppControlMode string `json:"appControlMode"` // "Auto" (start the installed apps) or "Manual"
}

// DeleteImageResponse answers DELETE /app/image/{cid}.
type DeleteImageResponse struct {
	RestartingSystem bool `json:"restartingSystem"`
}
