// Package api is the wire format between a device's OS and the security
// service: routes, request and response bodies, and refusal reasons. The
// device side (kernel) and the service both import it; neither imports the
// other.
//
// Every body is JSON except the attestation token (COSE_Sign1,
// Content-Type application/cose). Times are the device's or service's wall
// clock in RFC 3339. Refusals carry HTTP 4xx with an Error body.
package api

import "time"

// Device routes. The challenge and attestation routes are served to any TLS
// client; the others need the device's update certificate (mutual TLS).
const (
	// PathChallenge: POST ChallengeRequest → ChallengeResponse.
	PathChallenge = "/device/v1/attestation/challenge"
	// PathAttest: POST the COSE_Sign1 token → Certificates, or 403 Error.
	PathAttest = "/device/v1/attestation"
	// PathErrorReports: POST ErrorReport → ErrorReportAccepted (update certificate required).
	PathErrorReports = "/device/v1/error-reports"
)

// ContentTypeCOSE is the media type of an attestation token.
const ContentTypeCOSE = "application/cose; cose-type=\"cose-sign1\""

// ChallengeRequest asks for a nonce for one device.
type ChallengeRequest struct {
	DeviceID string `json:"deviceId"` // 128 hex characters
}

// ChallengeResponse carries a fresh single-use nonce (NonceSize bytes,
// base64 in JSON) and how long it stays valid.
type ChallengeResponse struct {
	Nonce     []byte    `json:"nonce"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Certificates is the service's answer to a successful attestation: PEM
// certificates for keys that stay in Pluton, and the tenant CA that signed
// the client certificate.
type Certificates struct {
	TenantID string `json:"tenantId"`
	// UpdateCertificate is for the OS's own calls to the service (error
	// reports, update checks): subject CN = device ID, key = Pluton's
	// general key, issued by the service CA.
	UpdateCertificate string `json:"updateCertificate"`
	// ClientCertificate is for apps with DeviceAuthentication: subject CN =
	// device ID, key = the client-auth key Pluton generated, issued by the
	// tenant CA.
	ClientCertificate string    `json:"clientCertificate"`
	TenantCA          string    `json:"tenantCaCertificate"`
	ServiceCA         string    `json:"serviceCaCertificate"`
	NotAfter          time.Time `json:"notAfter"`
}

// Error is the body of every refusal.
type Error struct {
	Code   string `json:"error"`  // a Reason* constant
	Reason string `json:"reason"` // a sentence for people
}

// Refusal reasons, recorded per device by the service.
const (
	ReasonMalformed         = "malformed"        // the token or body does not parse
	ReasonUnclaimed         = "device-unclaimed" // no tenant has claimed the device
	ReasonBadSignature      = "bad-signature"    // the token's signature does not verify with the device's key
	ReasonNonce             = "nonce"            // unknown, expired, reused, or issued to another device
	ReasonUnknownSoftware   = "unknown-software" // a measurement matches no OS release or tenant image
	ReasonRollback          = "rollback"         // an image's SVN is below what this device last attested
	ReasonOSVersionMismatch = "os-version"       // the claimed OS version is not the measured release
	ReasonUnauthenticated   = "unauthenticated"  // no valid certificate (device routes) or token (admin routes)
	ReasonTooLarge          = "too-large"        // the body exceeds the route's bound
	ReasonSecurityState     = "security-state"   // the device is not in the SECURE state
)

// Event types and classes of an error report (the real CSV's columns).
const (
	EventPlanned   = "Planned"   // OS and app updates
	EventUnplanned = "Unplanned" // errors
	ClassOS        = "OS"
	ClassApp       = "Application"
)

// ErrorEvent is one event the device recorded.
type ErrorEvent struct {
	// Seq numbers the device's records; the service ignores a (device, Seq)
	// it already holds, so a retried upload counts nothing twice.
	Seq         uint64    `json:"seq"`
	Time        time.Time `json:"time"`
	EventType   string    `json:"eventType"`  // EventPlanned or EventUnplanned
	EventClass  string    `json:"eventClass"` // ClassOS or ClassApp
	Description string    `json:"description"`
}

// MaxErrorEvents bounds one upload.
const MaxErrorEvents = 4096

// ErrorReport is one upload: the events recorded since the last upload.
// The device is the update certificate's subject, never a field.
type ErrorReport struct {
	Events []ErrorEvent `json:"events"`
}

// ErrorReportAccepted acknowledges an upload.
type ErrorReportAccepted struct {
	Accepted int `json:"accepted"`
}

// Update routes (update certificate required).
const (
	// PathUpdates: POST UpdateCheck → UpdateSet: the images the device
	// should run.
	PathUpdates = "/device/v1/updates"
	// PathImages: GET PathImages + hex SHA-256 → the image package bytes
	// (application/octet-stream).
	PathImages = "/device/v1/images/"
)

// MaxUpdateImage bounds one image a device downloads: a longer answer is
// an endless-data attack and is cut off.
const MaxUpdateImage = 1 << 20

// UpdateCheck asks which images the device should run. Installed lists the
// digests of what it runs now (its measurement list), for the record.
type UpdateCheck struct {
	OSVersion string   `json:"osVersion"`
	Installed [][]byte `json:"installed"`
}

// UpdateImage is one image of an update set: what it is, and the SHA-256
// and size the downloaded bytes must have.
type UpdateImage struct {
	ImageType   uint16 `json:"imageType"` // image.ImageType: 10 Applications, 7 NormalWorldKernel, 8 RootFs …
	ComponentID string `json:"componentId"`
	ImageID     string `json:"imageId"`
	SVN         uint32 `json:"svn"`
	Size        int    `json:"size"`
	SHA256      []byte `json:"sha256"`
}

// UpdateSet is the complete set of images the device should run: the OS
// release of its feed and the images of its device group's newest
// deployment. A device installs the images it lacks, all together, or none.
type UpdateSet struct {
	OSRelease    string        `json:"osRelease"`    // the release's version, "" if none
	DeploymentID string        `json:"deploymentId"` // "" if the group has none (or its policy blocks app updates)
	Images       []UpdateImage `json:"images"`
}
