package store

// Migrations is the schema history: Migrations[i] brings a database from
// version i to version i+1. Append new migrations; never edit a released one.
//
// Conventions: times are INTEGER Unix nanoseconds (UTC); IDs the service
// generates are lower-case GUID text; device IDs are the 128 lower-case hex
// characters of the device's identity public key (X‖Y); digests are 32-byte
// BLOBs.
var Migrations = [][]string{v1, v2, v3, v4}

// v1 is the initial schema.
var v1 = []string{
	// Key-value settings: the service CA, the server certificate, the admin token.
	`CREATE TABLE settings (
		key   TEXT PRIMARY KEY,
		value BLOB NOT NULL
	)`,
	`CREATE TABLE tenants (
		id      TEXT PRIMARY KEY,
		name    TEXT NOT NULL UNIQUE,
		created INTEGER NOT NULL,
		ca_cert BLOB NOT NULL, -- DER
		ca_key  BLOB NOT NULL  -- PKCS #8 DER
	)`,
	`CREATE TABLE products (
		id          TEXT PRIMARY KEY,
		tenant_id   TEXT NOT NULL REFERENCES tenants(id),
		name        TEXT NOT NULL,
		description TEXT NOT NULL DEFAULT '',
		created     INTEGER NOT NULL,
		UNIQUE (tenant_id, name)
	)`,
	`CREATE TABLE device_groups (
		id            TEXT PRIMARY KEY,
		product_id    TEXT NOT NULL REFERENCES products(id),
		name          TEXT NOT NULL,
		description   TEXT NOT NULL DEFAULT '',
		os_feed       TEXT NOT NULL,
		update_policy TEXT NOT NULL,
		created       INTEGER NOT NULL,
		UNIQUE (product_id, name)
	)`,
	`CREATE TABLE devices (
		id              TEXT PRIMARY KEY,
		tenant_id       TEXT NOT NULL REFERENCES tenants(id),
		device_group_id TEXT REFERENCES device_groups(id),
		claimed         INTEGER NOT NULL
	)`,
	`CREATE INDEX devices_tenant ON devices (tenant_id, id)`,
	`CREATE TABLE os_releases (
		id          INTEGER PRIMARY KEY,
		version     TEXT NOT NULL,
		source      TEXT NOT NULL,
		fingerprint BLOB NOT NULL UNIQUE, -- SHA-256 over the sorted image digests
		added       INTEGER NOT NULL
	)`,
	`CREATE TABLE os_release_images (
		release_id   INTEGER NOT NULL REFERENCES os_releases(id),
		image_type   INTEGER NOT NULL,
		component_id TEXT NOT NULL,
		image_id     TEXT NOT NULL,
		svn          INTEGER NOT NULL,
		digest       BLOB NOT NULL,
		name         TEXT NOT NULL,
		PRIMARY KEY (release_id, digest)
	)`,
	`CREATE INDEX os_release_images_digest ON os_release_images (digest)`,
	// App-signing keys the releases' keystores trust: image add checks against them.
	`CREATE TABLE trusted_app_keys (
		release_id INTEGER NOT NULL REFERENCES os_releases(id),
		thumbprint BLOB NOT NULL,
		public_key BLOB NOT NULL, -- X‖Y
		PRIMARY KEY (release_id, thumbprint)
	)`,
	`CREATE TABLE images (
		id           TEXT NOT NULL,
		tenant_id    TEXT NOT NULL REFERENCES tenants(id),
		component_id TEXT NOT NULL,
		svn          INTEGER NOT NULL,
		digest       BLOB NOT NULL,
		name         TEXT NOT NULL,
		size         INTEGER NOT NULL,
		added        INTEGER NOT NULL,
		PRIMARY KEY (tenant_id, id),
		UNIQUE (tenant_id, digest)
	)`,
	`CREATE TABLE deployments (
		id              TEXT PRIMARY KEY,
		tenant_id       TEXT NOT NULL REFERENCES tenants(id),
		device_group_id TEXT NOT NULL REFERENCES device_groups(id),
		created         INTEGER NOT NULL,
		seq             INTEGER NOT NULL -- orders deployments created at the same instant
	)`,
	`CREATE INDEX deployments_group ON deployments (device_group_id, seq)`,
	`CREATE TABLE deployment_images (
		deployment_id TEXT NOT NULL REFERENCES deployments(id),
		image_id      TEXT NOT NULL,
		PRIMARY KEY (deployment_id, image_id)
	)`,
	`CREATE TABLE nonces (
		nonce     BLOB PRIMARY KEY,
		device_id TEXT NOT NULL,
		expires   INTEGER NOT NULL,
		used      INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE INDEX nonces_expires ON nonces (expires)`,
	`CREATE TABLE attestations (
		id        INTEGER PRIMARY KEY,
		device_id TEXT NOT NULL,
		time      INTEGER NOT NULL,
		ok        INTEGER NOT NULL,
		reason    TEXT NOT NULL, -- "" on success, else an api.Reason* code
		detail    TEXT NOT NULL
	)`,
	`CREATE INDEX attestations_device ON attestations (device_id, id)`,
	// Anti-rollback high-water marks: "app:<component ID>" or "os:<image type>".
	`CREATE TABLE device_svns (
		device_id TEXT NOT NULL,
		component TEXT NOT NULL,
		svn       INTEGER NOT NULL,
		updated   INTEGER NOT NULL,
		PRIMARY KEY (device_id, component)
	)`,
	`CREATE TABLE certificates (
		serial     TEXT PRIMARY KEY, -- hex
		device_id  TEXT NOT NULL,
		kind       TEXT NOT NULL,    -- "update" or "client"
		issuer     TEXT NOT NULL,    -- "service" or a tenant ID
		not_before INTEGER NOT NULL,
		not_after  INTEGER NOT NULL,
		der        BLOB NOT NULL
	)`,
	`CREATE INDEX certificates_device ON certificates (device_id, not_after)`,
	`CREATE TABLE error_events (
		device_id   TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		tenant_id   TEXT NOT NULL,
		time        INTEGER NOT NULL, -- the device's clock
		event_type  TEXT NOT NULL,
		event_class TEXT NOT NULL,
		description TEXT NOT NULL,
		received    INTEGER NOT NULL, -- the service's clock
		PRIMARY KEY (device_id, seq)
	)`,
	`CREATE INDEX error_events_tenant_time ON error_events (tenant_id, time)`,
	`CREATE TABLE telemetry (
		id        INTEGER PRIMARY KEY,
		tenant_id TEXT NOT NULL REFERENCES tenants(id),
		device_id TEXT NOT NULL,
		time      INTEGER NOT NULL,
		body      TEXT NOT NULL
	)`,
	`CREATE INDEX telemetry_tenant ON telemetry (tenant_id, id)`,
}

// v2 indexes error events by the time the service received them, which
// bounds the error report: device clocks are virtual and may be far from
// the service's.
var v2 = []string{
	`CREATE INDEX error_events_tenant_received ON error_events (tenant_id, received)`,
}

// v3 keeps the bytes of every image the service can deliver (tenant images
// and OS release images), keyed by digest, for over-the-air updates.
var v3 = []string{
	`CREATE TABLE image_blobs (
		digest  BLOB PRIMARY KEY,
		package BLOB NOT NULL
	)`,
}

// v4 remembers the digest an image had as uploaded, before the service
// re-signed it with its production key: a device that runs the uploaded
// version (flashed at the factory, sideloaded) still attests as known.
var v4 = []string{
	`ALTER TABLE images ADD COLUMN uploaded_digest BLOB`,
	`CREATE INDEX images_uploaded_digest ON images (tenant_id, uploaded_digest)`,
}
