package service

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sphere-emu/sphere-emu/image"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// MaxNameLen bounds tenant, product and device group names.
const MaxNameLen = 64

// checkName reports what is wrong with a tenant, product or device group name.
func checkName(kind, name string) error {
	switch {
	case name == "":
		return invalidf("the %s name is empty", kind)
	case len(name) > MaxNameLen:
		return invalidf("the %s name is %d bytes long, the limit is %d", kind, len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return invalidf("the %s name is not valid UTF-8", kind)
	case strings.TrimSpace(name) != name:
		return invalidf("the %s name %q starts or ends with white space", kind, name)
	case strings.Contains(name, "/"):
		return invalidf("the %s name %q contains '/', which separates product and device group names", kind, name)
	case looksLikeID(name):
		return invalidf("the %s name %q has the form of an ID", kind, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return invalidf("the %s name %q contains a control character", kind, name)
		}
	}
	return nil
}

// looksLikeID reports whether s has the form of a GUID.
func looksLikeID(s string) bool {
	_, err := image.ParseGUID(s)
	return err == nil
}

// ParseDeviceID checks a device ID (the 128 hex characters of the identity
// public key X‖Y, either case) and returns its canonical lower-case form.
func ParseDeviceID(s string) (string, error) {
	if len(s) != 128 {
		return "", invalidf("device ID %q is %d characters long, want 128 hex characters", truncate(s, 20), len(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", invalidf("device ID %q is not hex: %v", truncate(s, 20), err)
	}
	return strings.ToLower(s), nil
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tenantRow is a tenant's identity.
type tenantRow struct{ id, name string }

// resolveTenant finds a tenant by ID or name; "" names the only tenant.
func (s *Service) resolveTenant(q querier, ref string) (tenantRow, error) {
	var t tenantRow
	if ref == "" {
		rows, err := q.QueryContext(s.ctx, `SELECT id, name FROM tenants ORDER BY created LIMIT 2`)
		if err != nil {
			return t, err
		}
		var all []tenantRow
		for rows.Next() {
			var r tenantRow
			if err := rows.Scan(&r.id, &r.name); err != nil {
				rows.Close()
				return t, err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t, err
		}
		switch len(all) {
		case 0:
			return t, notFoundf("no tenant exists yet: create one (tenant create NAME)")
		case 1:
			return all[0], nil
		default:
			return t, invalidf("there are several tenants: name one (--tenant NAME)")
		}
	}
	err := q.QueryRowContext(s.ctx, `SELECT id, name FROM tenants WHERE id = ? OR name = ?`, strings.ToLower(ref), ref).Scan(&t.id, &t.name)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFoundf("tenant %q not found", ref)
	}
	return t, err
}

// CreateTenant creates a tenant and its CA (ECDSA P-256, lifetime
// TenantCALifetime from now; NotBefore is backdated to 2025-01-01 like the
// service CA's, so that devices whose virtual clocks start at 2026-01-01
// accept it whatever the service's clock says).
func (s *Service) CreateTenant(name string) (Tenant, error) {
	if err := checkName("tenant", name); err != nil {
		return Tenant{}, fmt.Errorf("service: create tenant: %w", err)
	}
	t, err := s.createTenant(name)
	if err != nil {
		return Tenant{}, fmt.Errorf("service: create tenant %q: %w", name, err)
	}
	return t, nil
}

func (s *Service) createTenant(name string) (Tenant, error) {
	id, err := s.newID()
	if err != nil {
		return Tenant{}, err
	}
	now := s.now().UTC()
	notBefore := caNotBefore
	if now.Before(notBefore) {
		notBefore = now.Truncate(time.Second)
	}
	certDER, keyDER, err := s.newCA("sphere-emu tenant CA "+id, notBefore, now.Add(TenantCALifetime).Truncate(time.Second))
	if err != nil {
		return Tenant{}, err
	}
	ca, err := newAuthority(certDER, keyDER)
	if err != nil {
		return Tenant{}, err
	}
	tx, end, err := s.begin()
	if err != nil {
		return Tenant{}, err
	}
	defer end()
	var n int
	if err := tx.QueryRowContext(s.ctx, `SELECT count(*) FROM tenants WHERE name = ?`, name).Scan(&n); err != nil {
		return Tenant{}, err
	}
	if n > 0 {
		return Tenant{}, conflictf("a tenant named %q already exists", name)
	}
	if _, err := tx.ExecContext(s.ctx, `INSERT INTO tenants (id, name, created, ca_cert, ca_key) VALUES (?, ?, ?, ?, ?)`,
		id, name, nanos(now), certDER, keyDER); err != nil {
		return Tenant{}, err
	}
	if err := tx.Commit(); err != nil {
		return Tenant{}, err
	}
	s.mu.Lock()
	s.tenantCAs[id] = ca
	s.mu.Unlock()
	return Tenant{ID: id, Name: name, Created: now, CAFingerprint: Fingerprint(certDER), CANotAfter: ca.cert.NotAfter}, nil
}

// ListTenants returns every tenant, oldest first.
func (s *Service) ListTenants() ([]Tenant, error) {
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, name, created, ca_cert FROM tenants ORDER BY created, name`)
	if err != nil {
		return nil, fmt.Errorf("service: list tenants: %w", err)
	}
	defer rows.Close()
	out := []Tenant{}
	for rows.Next() {
		var t Tenant
		var created int64
		var der []byte
		if err := rows.Scan(&t.ID, &t.Name, &created, &der); err != nil {
			return nil, fmt.Errorf("service: list tenants: %w", err)
		}
		t.Created = fromNanos(created)
		t.CAFingerprint = Fingerprint(der)
		if ca, ok := s.tenantCA(t.ID); ok {
			t.CANotAfter = ca.cert.NotAfter
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list tenants: %w", err)
	}
	return out, nil
}

// TenantCACertificatePEM returns a tenant's CA certificate in PEM form:
// services that authenticate the tenant's devices trust it.
func (s *Service) TenantCACertificatePEM(tenant string) ([]byte, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: tenant CA certificate: %w", err)
	}
	ca, ok := s.tenantCA(t.id)
	if !ok {
		return nil, fmt.Errorf("service: tenant CA certificate: tenant %s has no CA loaded", t.id)
	}
	return append([]byte(nil), ca.pem...), nil
}

// CreateProduct creates a product of a tenant and its default device
// groups (DefaultDeviceGroups).
func (s *Service) CreateProduct(tenant, name, description string) (Product, error) {
	p, err := s.createProduct(tenant, name, description)
	if err != nil {
		return Product{}, fmt.Errorf("service: create product %q: %w", name, err)
	}
	return p, nil
}

func (s *Service) createProduct(tenant, name, description string) (Product, error) {
	if err := checkName("product", name); err != nil {
		return Product{}, err
	}
	if err := checkDescription(description); err != nil {
		return Product{}, err
	}
	ids := make([]string, 1+len(DefaultDeviceGroups))
	for i := range ids {
		var err error
		if ids[i], err = s.newID(); err != nil {
			return Product{}, err
		}
	}
	tx, end, err := s.begin()
	if err != nil {
		return Product{}, err
	}
	defer end()
	t, err := s.resolveTenant(tx, tenant)
	if err != nil {
		return Product{}, err
	}
	var n int
	if err := tx.QueryRowContext(s.ctx, `SELECT count(*) FROM products WHERE tenant_id = ? AND name = ?`, t.id, name).Scan(&n); err != nil {
		return Product{}, err
	}
	if n > 0 {
		return Product{}, conflictf("tenant %q already has a product named %q", t.name, name)
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(s.ctx, `INSERT INTO products (id, tenant_id, name, description, created) VALUES (?, ?, ?, ?, ?)`,
		ids[0], t.id, name, description, nanos(now)); err != nil {
		return Product{}, err
	}
	for i, g := range DefaultDeviceGroups {
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO device_groups (id, product_id, name, description, os_feed, update_policy, created)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ids[i+1], ids[0], g.Name, g.Description, g.OSFeed, g.UpdatePolicy, nanos(now)); err != nil {
			return Product{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Product{}, err
	}
	return Product{ID: ids[0], TenantID: t.id, Name: name, Description: description, Created: now}, nil
}

// checkDescription bounds a free-text description.
func checkDescription(d string) error {
	if len(d) > 1024 || !utf8.ValidString(d) {
		return invalidf("the description must be valid UTF-8 of at most 1024 bytes")
	}
	return nil
}

// ListProducts returns a tenant's products by name.
func (s *Service) ListProducts(tenant string) ([]Product, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list products: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, name, description, created FROM products WHERE tenant_id = ? ORDER BY name`, t.id)
	if err != nil {
		return nil, fmt.Errorf("service: list products: %w", err)
	}
	defer rows.Close()
	out := []Product{}
	for rows.Next() {
		p := Product{TenantID: t.id}
		var created int64
		if err := rows.Scan(&p.ID, &p.Name, &p.Description, &created); err != nil {
			return nil, fmt.Errorf("service: list products: %w", err)
		}
		p.Created = fromNanos(created)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list products: %w", err)
	}
	return out, nil
}

// resolveProduct finds a tenant's product by name or ID.
func (s *Service) resolveProduct(q querier, tenantID, ref string) (id, name string, err error) {
	err = q.QueryRowContext(s.ctx, `SELECT id, name FROM products WHERE tenant_id = ? AND (id = ? OR name = ?)`,
		tenantID, strings.ToLower(ref), ref).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", notFoundf("product %q not found", ref)
	}
	return id, name, err
}

// CreateDeviceGroup creates a device group in one of a tenant's products.
func (s *Service) CreateDeviceGroup(tenant string, spec DeviceGroupSpec) (DeviceGroup, error) {
	g, err := s.createDeviceGroup(tenant, spec)
	if err != nil {
		return DeviceGroup{}, fmt.Errorf("service: create device group %q: %w", spec.Name, err)
	}
	return g, nil
}

func (s *Service) createDeviceGroup(tenant string, spec DeviceGroupSpec) (DeviceGroup, error) {
	if err := checkName("device group", spec.Name); err != nil {
		return DeviceGroup{}, err
	}
	if err := checkDescription(spec.Description); err != nil {
		return DeviceGroup{}, err
	}
	if spec.Product == "" {
		return DeviceGroup{}, invalidf("no product named: a device group belongs to a product")
	}
	if spec.OSFeed == "" {
		spec.OSFeed = OSFeedRetail
	}
	if spec.UpdatePolicy == "" {
		spec.UpdatePolicy = UpdatePolicyAll
	}
	if spec.OSFeed != OSFeedRetail && spec.OSFeed != OSFeedRetailEval {
		return DeviceGroup{}, invalidf("OS feed %q is not %s or %s", spec.OSFeed, OSFeedRetail, OSFeedRetailEval)
	}
	switch spec.UpdatePolicy {
	case UpdatePolicyAll, UpdatePolicyNoAppUpdates, UpdatePolicyNone:
	default:
		return DeviceGroup{}, invalidf("update policy %q is not %s, %s or %s", spec.UpdatePolicy, UpdatePolicyAll, UpdatePolicyNoAppUpdates, UpdatePolicyNone)
	}
	id, err := s.newID()
	if err != nil {
		return DeviceGroup{}, err
	}
	tx, end, err := s.begin()
	if err != nil {
		return DeviceGroup{}, err
	}
	defer end()
	t, err := s.resolveTenant(tx, tenant)
	if err != nil {
		return DeviceGroup{}, err
	}
	pid, pname, err := s.resolveProduct(tx, t.id, spec.Product)
	if err != nil {
		return DeviceGroup{}, err
	}
	var n int
	if err := tx.QueryRowContext(s.ctx, `SELECT count(*) FROM device_groups WHERE product_id = ? AND name = ?`, pid, spec.Name).Scan(&n); err != nil {
		return DeviceGroup{}, err
	}
	if n > 0 {
		return DeviceGroup{}, conflictf("product %q already has a device group named %q", pname, spec.Name)
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(s.ctx, `INSERT INTO device_groups (id, product_id, name, description, os_feed, update_policy, created)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, pid, spec.Name, spec.Description, spec.OSFeed, spec.UpdatePolicy, nanos(now)); err != nil {
		return DeviceGroup{}, err
	}
	if err := tx.Commit(); err != nil {
		return DeviceGroup{}, err
	}
	return DeviceGroup{ID: id, TenantID: t.id, ProductID: pid, Product: pname, Name: spec.Name, Path: pname + "/" + spec.Name,
		Description: spec.Description, OSFeed: spec.OSFeed, UpdatePolicy: spec.UpdatePolicy, Created: now}, nil
}

// ListDeviceGroups returns a tenant's device groups by product and name.
func (s *Service) ListDeviceGroups(tenant string) ([]DeviceGroup, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list device groups: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT g.id, p.id, p.name, g.name, g.description, g.os_feed, g.update_policy, g.created
		FROM device_groups g JOIN products p ON g.product_id = p.id WHERE p.tenant_id = ? ORDER BY p.name, g.name`, t.id)
	if err != nil {
		return nil, fmt.Errorf("service: list device groups: %w", err)
	}
	defer rows.Close()
	out := []DeviceGroup{}
	for rows.Next() {
		g := DeviceGroup{TenantID: t.id}
		var created int64
		if err := rows.Scan(&g.ID, &g.ProductID, &g.Product, &g.Name, &g.Description, &g.OSFeed, &g.UpdatePolicy, &created); err != nil {
			return nil, fmt.Errorf("service: list device groups: %w", err)
		}
		g.Path = g.Product + "/" + g.Name
		g.Created = fromNanos(created)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list device groups: %w", err)
	}
	return out, nil
}

// resolveGroup finds a tenant's device group by ID or "product/group" path.
func (s *Service) resolveGroup(q querier, tenantID, ref string) (id, path string, err error) {
	if looksLikeID(ref) {
		err = q.QueryRowContext(s.ctx, `SELECT g.id, p.name || '/' || g.name FROM device_groups g JOIN products p ON g.product_id = p.id
			WHERE p.tenant_id = ? AND g.id = ?`, tenantID, strings.ToLower(ref)).Scan(&id, &path)
	} else {
		prod, group, ok := strings.Cut(ref, "/")
		if !ok || prod == "" || group == "" {
			return "", "", invalidf("device group %q is neither an ID nor a path of the form product/group", ref)
		}
		err = q.QueryRowContext(s.ctx, `SELECT g.id, p.name || '/' || g.name FROM device_groups g JOIN products p ON g.product_id = p.id
			WHERE p.tenant_id = ? AND p.name = ? AND g.name = ?`, tenantID, prod, group).Scan(&id, &path)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", notFoundf("device group %q not found", ref)
	}
	return id, path, err
}

// ClaimDevice claims a device for a tenant, optionally placing it in a
// device group ("" for none). A device belongs to one tenant for good;
// claiming it again for the same tenant only moves it to the group.
func (s *Service) ClaimDevice(tenant, deviceID, deviceGroup string) (Device, error) {
	d, err := s.claimDevice(tenant, deviceID, deviceGroup, true)
	if err != nil {
		return Device{}, fmt.Errorf("service: claim device: %w", err)
	}
	return d, nil
}

// AssignDevice moves a claimed device to a device group of its tenant.
func (s *Service) AssignDevice(tenant, deviceID, deviceGroup string) (Device, error) {
	if deviceGroup == "" {
		return Device{}, fmt.Errorf("service: assign device: %w", invalidf("no device group named"))
	}
	d, err := s.claimDevice(tenant, deviceID, deviceGroup, false)
	if err != nil {
		return Device{}, fmt.Errorf("service: assign device: %w", err)
	}
	return d, nil
}

func (s *Service) claimDevice(tenant, deviceID, deviceGroup string, claim bool) (Device, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return Device{}, err
	}
	tx, end, err := s.begin()
	if err != nil {
		return Device{}, err
	}
	defer end()
	t, err := s.resolveTenant(tx, tenant)
	if err != nil {
		return Device{}, err
	}
	var groupID sql.NullString
	if deviceGroup != "" {
		gid, _, err := s.resolveGroup(tx, t.id, deviceGroup)
		if err != nil {
			return Device{}, err
		}
		groupID = sql.NullString{String: gid, Valid: true}
	}
	var owner string
	switch err := tx.QueryRowContext(s.ctx, `SELECT tenant_id FROM devices WHERE id = ?`, id).Scan(&owner); {
	case errors.Is(err, sql.ErrNoRows):
		if !claim {
			return Device{}, notFoundf("device %s is not claimed by tenant %q", truncate(id, 16), t.name)
		}
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO devices (id, tenant_id, device_group_id, claimed) VALUES (?, ?, ?, ?)`,
			id, t.id, groupID, nanos(s.now())); err != nil {
			return Device{}, err
		}
	case err != nil:
		return Device{}, err
	case owner != t.id:
		return Device{}, conflictf("device %s is claimed by another tenant", truncate(id, 16))
	case groupID.Valid:
		if _, err := tx.ExecContext(s.ctx, `UPDATE devices SET device_group_id = ? WHERE id = ?`, groupID, id); err != nil {
			return Device{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Device{}, err
	}
	return s.device(id)
}

const deviceColumns = `d.id, d.tenant_id, COALESCE(d.device_group_id, ''), COALESCE(p.name || '/' || g.name, ''), d.claimed,
	a.time, a.ok, a.reason, a.detail`

const deviceFrom = ` FROM devices d
	LEFT JOIN device_groups g ON d.device_group_id = g.id
	LEFT JOIN products p ON g.product_id = p.id
	LEFT JOIN attestations a ON a.id = (SELECT max(id) FROM attestations WHERE device_id = d.id)`

func scanDevice(sc interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var claimed int64
	var at sql.NullInt64
	var ok sql.NullBool
	var reason, detail sql.NullString
	if err := sc.Scan(&d.ID, &d.TenantID, &d.DeviceGroupID, &d.DeviceGroup, &claimed, &at, &ok, &reason, &detail); err != nil {
		return d, err
	}
	d.Claimed = fromNanos(claimed)
	if at.Valid {
		d.LastAttestation = &AttestationEntry{Time: fromNanos(at.Int64), OK: ok.Bool, Reason: reason.String, Detail: detail.String}
	}
	return d, nil
}

// device reads one claimed device.
func (s *Service) device(id string) (Device, error) {
	d, err := scanDevice(s.db.QueryRowContext(s.ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, notFoundf("device %s is not claimed", truncate(id, 16))
	}
	return d, err
}

// ShowDevice returns a claimed device with its newest attestation.
func (s *Service) ShowDevice(deviceID string) (Device, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return Device{}, fmt.Errorf("service: show device: %w", err)
	}
	d, err := s.device(id)
	if err != nil {
		return Device{}, fmt.Errorf("service: show device: %w", err)
	}
	return d, nil
}

// ListDevices returns a tenant's devices by ID.
func (s *Service) ListDevices(tenant string) ([]Device, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list devices: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.tenant_id = ? ORDER BY d.id`, t.id)
	if err != nil {
		return nil, fmt.Errorf("service: list devices: %w", err)
	}
	defer rows.Close()
	out := []Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("service: list devices: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list devices: %w", err)
	}
	return out, nil
}

// MaxAttestationLog is how many entries DeviceAttestations returns at most.
const MaxAttestationLog = 1000

// DeviceAttestations returns a device's attestation log in the order of
// the attempts, oldest first (the newest MaxAttestationLog entries). Attempts of unclaimed devices are
// logged too, so an administrator can see a device knocking before
// claiming it.
func (s *Service) DeviceAttestations(deviceID string) ([]AttestationEntry, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return nil, fmt.Errorf("service: device attestations: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT time, ok, reason, detail FROM
		(SELECT id, time, ok, reason, detail FROM attestations WHERE device_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id`, id, MaxAttestationLog)
	if err != nil {
		return nil, fmt.Errorf("service: device attestations: %w", err)
	}
	defer rows.Close()
	out := []AttestationEntry{}
	for rows.Next() {
		var e AttestationEntry
		var t int64
		if err := rows.Scan(&t, &e.OK, &e.Reason, &e.Detail); err != nil {
			return nil, fmt.Errorf("service: device attestations: %w", err)
		}
		e.Time = fromNanos(t)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: device attestations: %w", err)
	}
	return out, nil
}

// MaxImageSize bounds an application image package.
const MaxImageSize = 8 << 20

// AddImage adds a signed application image package to a tenant: devices
// of the tenant that run it pass attestation, and deployments may name
// it. The signer must be an app-signing key that a registered OS
// release's keystore trusts, as a device's keystore would.
func (s *Service) AddImage(tenant string, pkg []byte) (Image, error) {
	im, err := s.addImage(tenant, pkg)
	if err != nil {
		return Image{}, fmt.Errorf("service: add image: %w", err)
	}
	return im, nil
}

func (s *Service) addImage(tenant string, pkg []byte) (Image, error) {
	if len(pkg) > MaxImageSize {
		return Image{}, invalidf("an image package of %d bytes exceeds %d", len(pkg), MaxImageSize)
	}
	p, err := image.ParsePackage(pkg)
	if err != nil {
		return Image{}, invalidf("%v", err)
	}
	id := p.Metadata.Identity
	if id.Type != image.ImageTypeApplications {
		return Image{}, invalidf("the package is a %v image, not an application: OS images are registered with os-release add", id.Type)
	}
	if id.ComponentID.IsZero() || id.ImageID.IsZero() {
		return Image{}, invalidf("the package has a nil component or image ID")
	}
	tp := p.Metadata.Signing.Thumbprint
	var xy []byte
	err = s.db.QueryRowContext(s.ctx, `SELECT public_key FROM trusted_app_keys WHERE thumbprint = ? LIMIT 1`, tp[:]).Scan(&xy)
	if errors.Is(err, sql.ErrNoRows) {
		return Image{}, invalidf("the package is signed by key %X, which no registered OS release's keystore trusts for applications (register a flash image whose keystore trusts it with os-release add)", tp)
	}
	if err != nil {
		return Image{}, err
	}
	var raw [64]byte
	copy(raw[:], xy)
	pub, err := image.PublicKeyFromBytes(raw)
	if err != nil {
		return Image{}, fmt.Errorf("trusted key %X: %w", tp, err)
	}
	if err := p.VerifySignature(pub); err != nil {
		return Image{}, invalidf("the package's signature does not verify: %v", err)
	}
	name := ""
	if p.Metadata.Debug != nil {
		name = p.Metadata.Debug.Name
	}
	// Re-sign with the production key, keeping the image's identity: the
	// package the service delivers is the re-signed one; the uploaded
	// digest stays known for devices that run the upload itself.
	uploaded := p.Digest()
	resigned, err := image.ResignApp(pkg, s.prodKey)
	if err != nil {
		return Image{}, fmt.Errorf("re-sign: %w", err)
	}
	rp, err := image.ParsePackage(resigned)
	if err != nil {
		return Image{}, fmt.Errorf("re-sign: %w", err)
	}
	digest := rp.Digest()
	im := Image{
		ID: id.ImageID.String(), ComponentID: id.ComponentID.String(), Name: name,
		SVN: p.Metadata.SecurityVersion(), Digest: hex.EncodeToString(digest[:]), Size: len(resigned), Added: s.now().UTC(),
	}
	tx, end, err := s.begin()
	if err != nil {
		return Image{}, err
	}
	defer end()
	t, err := s.resolveTenant(tx, tenant)
	if err != nil {
		return Image{}, err
	}
	im.TenantID = t.id
	var existing string
	switch err := tx.QueryRowContext(s.ctx, `SELECT id FROM images WHERE tenant_id = ? AND (id = ? OR digest = ? OR uploaded_digest = ?)`,
		t.id, im.ID, digest[:], uploaded[:]).Scan(&existing); {
	case err == nil:
		return Image{}, conflictf("tenant %q already has image %s", t.name, existing)
	case !errors.Is(err, sql.ErrNoRows):
		return Image{}, err
	}
	if _, err := tx.ExecContext(s.ctx, `INSERT INTO images (id, tenant_id, component_id, svn, digest, name, size, added, uploaded_digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, im.ID, t.id, im.ComponentID, im.SVN, digest[:], im.Name, im.Size, nanos(im.Added), uploaded[:]); err != nil {
		return Image{}, err
	}
	if err := storeBlob(s, tx, digest, resigned); err != nil {
		return Image{}, err
	}
	if err := tx.Commit(); err != nil {
		return Image{}, err
	}
	return im, nil
}

// ListImages returns a tenant's images, oldest first.
func (s *Service) ListImages(tenant string) ([]Image, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list images: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, component_id, name, svn, digest, size, added FROM images
		WHERE tenant_id = ? ORDER BY added, id`, t.id)
	if err != nil {
		return nil, fmt.Errorf("service: list images: %w", err)
	}
	defer rows.Close()
	out := []Image{}
	for rows.Next() {
		im := Image{TenantID: t.id}
		var d []byte
		var added int64
		if err := rows.Scan(&im.ID, &im.ComponentID, &im.Name, &im.SVN, &d, &im.Size, &added); err != nil {
			return nil, fmt.Errorf("service: list images: %w", err)
		}
		im.Digest = hex.EncodeToString(d)
		im.Added = fromNanos(added)
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list images: %w", err)
	}
	return out, nil
}

// MaxDeploymentImages bounds the images of one deployment.
const MaxDeploymentImages = 32

// CreateDeployment targets a set of the tenant's images at a device group
// (an ID or "product/group"); the group's newest deployment wins.
func (s *Service) CreateDeployment(tenant, deviceGroup string, imageIDs []string) (Deployment, error) {
	d, err := s.createDeployment(tenant, deviceGroup, imageIDs)
	if err != nil {
		return Deployment{}, fmt.Errorf("service: create deployment: %w", err)
	}
	return d, nil
}

func (s *Service) createDeployment(tenant, deviceGroup string, imageIDs []string) (Deployment, error) {
	switch {
	case deviceGroup == "":
		return Deployment{}, invalidf("no device group named")
	case len(imageIDs) == 0:
		return Deployment{}, invalidf("a deployment needs at least one image")
	case len(imageIDs) > MaxDeploymentImages:
		return Deployment{}, invalidf("%d images exceed the %d a deployment may hold", len(imageIDs), MaxDeploymentImages)
	}
	ids := make([]string, len(imageIDs))
	seen := map[string]bool{}
	for i, ref := range imageIDs {
		g, err := image.ParseGUID(ref)
		if err != nil {
			return Deployment{}, invalidf("image ID %q is not a GUID", truncate(ref, 40))
		}
		ids[i] = g.String()
		if seen[ids[i]] {
			return Deployment{}, invalidf("image %s is named twice", ids[i])
		}
		seen[ids[i]] = true
	}
	depID, err := s.newID()
	if err != nil {
		return Deployment{}, err
	}
	tx, end, err := s.begin()
	if err != nil {
		return Deployment{}, err
	}
	defer end()
	t, err := s.resolveTenant(tx, tenant)
	if err != nil {
		return Deployment{}, err
	}
	gid, path, err := s.resolveGroup(tx, t.id, deviceGroup)
	if err != nil {
		return Deployment{}, err
	}
	for _, id := range ids {
		var n int
		if err := tx.QueryRowContext(s.ctx, `SELECT count(*) FROM images WHERE tenant_id = ? AND id = ?`, t.id, id).Scan(&n); err != nil {
			return Deployment{}, err
		}
		if n == 0 {
			return Deployment{}, notFoundf("tenant %q has no image %s (add it with image add)", t.name, id)
		}
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(s.ctx, `INSERT INTO deployments (id, tenant_id, device_group_id, created, seq)
		VALUES (?, ?, ?, ?, (SELECT COALESCE(max(seq), 0) + 1 FROM deployments))`, depID, t.id, gid, nanos(now)); err != nil {
		return Deployment{}, err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(s.ctx, `INSERT INTO deployment_images (deployment_id, image_id) VALUES (?, ?)`, depID, id); err != nil {
			return Deployment{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Deployment{}, err
	}
	return Deployment{ID: depID, TenantID: t.id, DeviceGroupID: gid, DeviceGroup: path, ImageIDs: ids, Created: now}, nil
}

// ListDeployments returns a tenant's deployments, newest first.
func (s *Service) ListDeployments(tenant string) ([]Deployment, error) {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list deployments: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT d.id, d.device_group_id, p.name || '/' || g.name, d.created,
		(SELECT group_concat(image_id, ',') FROM (SELECT image_id FROM deployment_images WHERE deployment_id = d.id ORDER BY image_id))
		FROM deployments d JOIN device_groups g ON d.device_group_id = g.id JOIN products p ON g.product_id = p.id
		WHERE d.tenant_id = ? ORDER BY d.seq DESC`, t.id)
	if err != nil {
		return nil, fmt.Errorf("service: list deployments: %w", err)
	}
	defer rows.Close()
	out := []Deployment{}
	for rows.Next() {
		d := Deployment{TenantID: t.id}
		var created int64
		var imgs sql.NullString
		if err := rows.Scan(&d.ID, &d.DeviceGroupID, &d.DeviceGroup, &created, &imgs); err != nil {
			return nil, fmt.Errorf("service: list deployments: %w", err)
		}
		d.Created = fromNanos(created)
		d.ImageIDs = []string{}
		if imgs.String != "" {
			d.ImageIDs = strings.Split(imgs.String, ",")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list deployments: %w", err)
	}
	return out, nil
}

// Telemetry list bounds.
const (
	DefaultTelemetryLimit = 100
	MaxTelemetryLimit     = 10000
)

// ListTelemetry returns the newest telemetry messages a tenant's devices
// posted to the company cloud, newest first; limit ≤ 0 means
// DefaultTelemetryLimit.
func (s *Service) ListTelemetry(tenant string, limit int) ([]TelemetryRecord, error) {
	if limit <= 0 {
		limit = DefaultTelemetryLimit
	}
	limit = min(limit, MaxTelemetryLimit)
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return nil, fmt.Errorf("service: list telemetry: %w", err)
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, device_id, time, body FROM telemetry WHERE tenant_id = ?
		ORDER BY id DESC LIMIT ?`, t.id, limit)
	if err != nil {
		return nil, fmt.Errorf("service: list telemetry: %w", err)
	}
	defer rows.Close()
	out := []TelemetryRecord{}
	for rows.Next() {
		r := TelemetryRecord{TenantID: t.id}
		var at int64
		var body string
		if err := rows.Scan(&r.ID, &r.DeviceID, &at, &body); err != nil {
			return nil, fmt.Errorf("service: list telemetry: %w", err)
		}
		r.Time = fromNanos(at)
		r.Body = []byte(body)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("service: list telemetry: %w", err)
	}
	return out, nil
}
