package service

import (
	"encoding/json"
	"time"
)

// Tenant is a customer of the service: it owns products, device groups,
// devices and images, and has its own CA.
type Tenant struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// CAFingerprint is the SHA-256 fingerprint of the tenant CA certificate.
	CAFingerprint string    `json:"caFingerprint"`
	CANotAfter    time.Time `json:"caNotAfter"`
}

// Product is a tenant's kind of device; device groups belong to one.
type Product struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"tenantId"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
}

// OS feeds a device group follows (reference §10.2).
const (
	OSFeedRetail     = "Retail"
	OSFeedRetailEval = "RetailEval"
)

// Update policies of a device group (azsphere's names).
const (
	UpdatePolicyAll          = "UpdateAll"            // OS and app updates
	UpdatePolicyNoAppUpdates = "No3rdPartyAppUpdates" // OS updates only (the Development group's default)
	UpdatePolicyNone         = "NoUpdates"
)

// DefaultDeviceGroups are the groups every new product gets, as on the
// real service, with their OS feed and update policy.
var DefaultDeviceGroups = []DeviceGroupSpec{
	{Name: "Development", Description: "Default development device group", OSFeed: OSFeedRetail, UpdatePolicy: UpdatePolicyNoAppUpdates},
	{Name: "Field Test", Description: "Default test device group", OSFeed: OSFeedRetail, UpdatePolicy: UpdatePolicyAll},
	{Name: "Production", Description: "Default production device group", OSFeed: OSFeedRetail, UpdatePolicy: UpdatePolicyAll},
	{Name: "Production OS Evaluation", Description: "Default Production OS Evaluation device group", OSFeed: OSFeedRetailEval, UpdatePolicy: UpdatePolicyAll},
	{Name: "Field Test OS Evaluation", Description: "Default Field Test OS Evaluation device group", OSFeed: OSFeedRetailEval, UpdatePolicy: UpdatePolicyAll},
}

// DeviceGroupSpec describes a device group to create. OSFeed and
// UpdatePolicy default to Retail and UpdateAll.
type DeviceGroupSpec struct {
	Product      string `json:"product"` // product name or ID
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	OSFeed       string `json:"osFeed,omitempty"`
	UpdatePolicy string `json:"updatePolicy,omitempty"`
}

// DeviceGroup is a set of devices of one product that get the same
// deployments.
type DeviceGroup struct {
	ID           string    `json:"id"`
	TenantID     string    `json:"tenantId"`
	ProductID    string    `json:"productId"`
	Product      string    `json:"product"`
	Name         string    `json:"name"`
	Path         string    `json:"path"` // "product/group", how commands name it
	Description  string    `json:"description,omitempty"`
	OSFeed       string    `json:"osFeed"`
	UpdatePolicy string    `json:"updatePolicy"`
	Created      time.Time `json:"created"`
}

// Device is a device a tenant claimed.
type Device struct {
	ID            string    `json:"id"` // 128 lower-case hex characters: the identity public key X‖Y
	TenantID      string    `json:"tenantId"`
	DeviceGroupID string    `json:"deviceGroupId,omitempty"`
	DeviceGroup   string    `json:"deviceGroup,omitempty"` // "product/group"
	Claimed       time.Time `json:"claimed"`
	// LastAttestation is the newest entry of the device's attestation log.
	LastAttestation *AttestationEntry `json:"lastAttestation,omitempty"`
}

// AttestationEntry is one attempt in a device's attestation log.
type AttestationEntry struct {
	Time   time.Time `json:"time"`
	OK     bool      `json:"ok"`
	Reason string    `json:"reason,omitempty"` // an api.Reason* code when refused
	Detail string    `json:"detail"`
}

// Image is an application image package a tenant uploaded: devices of the
// tenant may run it, and deployments name it.
type Image struct {
	ID          string    `json:"id"` // the package's image ID
	TenantID    string    `json:"tenantId"`
	ComponentID string    `json:"componentId"`
	Name        string    `json:"name"`
	SVN         uint32    `json:"svn"`
	Digest      string    `json:"digest"` // hex SHA-256 of the signed bytes, as Pluton measures it
	Size        int       `json:"size"`
	Added       time.Time `json:"added"`
}

// OSRelease is a set of OS images the service knows to be good.
type OSRelease struct {
	ID      int64     `json:"id"`
	Version string    `json:"version"`
	Source  string    `json:"source"`
	Added   time.Time `json:"added"`
	Images  []OSImage `json:"images"`
	// TrustedAppKeys are the thumbprints (hex) of the app-signing keys the
	// release's keystore trusts.
	TrustedAppKeys []string `json:"trustedAppKeys,omitempty"`
}

// OSImage is one image of an OS release.
type OSImage struct {
	Type        string `json:"type"` // image type name, e.g. "NormalWorldKernel"
	TypeNumber  uint16 `json:"typeNumber"`
	ComponentID string `json:"componentId"`
	ImageID     string `json:"imageId"`
	Name        string `json:"name"`
	SVN         uint32 `json:"svn"`
	Digest      string `json:"digest"`
}

// Deployment is a set of images targeted at a device group; the newest
// deployment of a group wins.
type Deployment struct {
	ID            string    `json:"id"`
	TenantID      string    `json:"tenantId"`
	DeviceGroupID string    `json:"deviceGroupId"`
	DeviceGroup   string    `json:"deviceGroup"`
	ImageIDs      []string  `json:"imageIds"`
	Created       time.Time `json:"created"`
}

// TelemetryRecord is one message a device posted to the company cloud.
type TelemetryRecord struct {
	ID       int64           `json:"id"`
	TenantID string          `json:"tenantId"`
	DeviceID string          `json:"deviceId"`
	Time     time.Time       `json:"time"`
	Body     json.RawMessage `json:"body"`
}

// Admin routes (JSON unless noted), all under AdminPrefix and requiring
// "Authorization: Bearer <admin token>". Routes that act on one tenant
// take it as the query parameter "tenant" (ID or name), which may be
// omitted while there is only one tenant.
const (
	AdminPrefix        = "/admin/v1"
	AdminTenants       = AdminPrefix + "/tenants"        // GET list, POST CreateTenantRequest
	AdminProducts      = AdminPrefix + "/products"       // GET list, POST CreateProductRequest
	AdminDeviceGroups  = AdminPrefix + "/device-groups"  // GET list, POST DeviceGroupSpec
	AdminDevices       = AdminPrefix + "/devices"        // GET list, POST ClaimDeviceRequest; /{id} GET, PATCH AssignDeviceRequest; /{id}/attestations GET
	AdminCACertificate = AdminPrefix + "/ca-certificate" // GET: the tenant CA (PEM)
	AdminImages        = AdminPrefix + "/images"         // GET list, POST the image package (application/octet-stream)
	AdminOSReleases    = AdminPrefix + "/os-releases"    // GET list, POST a flash image (application/octet-stream)
	AdminDeployments   = AdminPrefix + "/deployments"    // GET list, POST CreateDeploymentRequest
	AdminErrorReport   = AdminPrefix + "/error-report"   // GET: the CSV (text/csv)
	AdminTelemetry     = AdminPrefix + "/telemetry"      // GET list; query "limit"
)

// Codes of admin refusals (api.Error.Code), besides api.ReasonUnauthenticated and api.ReasonTooLarge.
const (
	CodeInvalid  = "invalid-request"
	CodeNotFound = "not-found"
	CodeConflict = "conflict"
	CodeInternal = "internal"
)

// CreateTenantRequest is the body of POST AdminTenants.
type CreateTenantRequest struct {
	Name string `json:"name"`
}

// CreateProductRequest is the body of POST AdminProducts.
type CreateProductRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ClaimDeviceRequest is the body of POST AdminDevices.
type ClaimDeviceRequest struct {
	DeviceID    string `json:"deviceId"`
	DeviceGroup string `json:"deviceGroup,omitempty"` // ID or "product/group"
}

// AssignDeviceRequest is the body of PATCH AdminDevices/{id}.
type AssignDeviceRequest struct {
	DeviceGroup string `json:"deviceGroup"`
}

// CreateDeploymentRequest is the body of POST AdminDeployments.
type CreateDeploymentRequest struct {
	DeviceGroup string   `json:"deviceGroup"`
	ImageIDs    []string `json:"imageIds"`
}
