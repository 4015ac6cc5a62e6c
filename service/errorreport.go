package service

import (
	"crypto/x509"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sphere-emu/sphere-emu/service/api"
)

// Bounds of an error report upload.
const (
	MaxDescriptionLen   = 1024                                            // bytes of one event's description
	MaxErrorReportBytes = api.MaxErrorEvents*(MaxDescriptionLen+256) + 64 // one upload's JSON body
)

// Error report CSV bounds, as the real service's (reference §10.3).
const (
	ErrorReportMaxRows = 1000
	ErrorReportWindow  = 14 * 24 * time.Hour
)

// ErrorReportColumns is the header row of the error report CSV.
var ErrorReportColumns = []string{"Device ID", "Event Type", "Event Class", "Event Count", "Description", "Start Time", "End Time"}

// AuthenticateDevice checks a client certificate chain presented on a
// device route: the leaf must chain to the service CA (an update
// certificate), be valid at service time, allow client authentication and
// name a claimed device as its CN. It returns the device ID.
func (s *Service) AuthenticateDevice(chain []*x509.Certificate) (string, error) {
	if len(chain) == 0 {
		return "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated,
			"no client certificate: this route needs the device's update certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         s.ServiceCAPool(),
		Intermediates: inter,
		CurrentTime:   s.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated, "the client certificate is not a valid update certificate: %v", err)
	}
	id, err := ParseDeviceID(chain[0].Subject.CommonName)
	if err != nil {
		return "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated, "the certificate's subject is not a device: %v", err)
	}
	var n int
	if err := s.db.QueryRowContext(s.ctx, `SELECT count(*) FROM devices WHERE id = ?`, id).Scan(&n); err != nil {
		return "", fmt.Errorf("service: authenticate device: %w", err)
	}
	if n == 0 {
		return "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated, "device %s is not claimed", truncate(id, 16))
	}
	return id, nil
}

// CheckErrorReport reports the first problem of an upload: too many
// events, an unknown type or class, a missing time, an over-long or
// non-UTF-8 description, or a sequence number SQLite cannot hold.
func CheckErrorReport(r *api.ErrorReport) error {
	if len(r.Events) > api.MaxErrorEvents {
		return invalidf("%d events exceed the %d one upload may hold", len(r.Events), api.MaxErrorEvents)
	}
	for i, e := range r.Events {
		switch {
		case e.EventType != api.EventPlanned && e.EventType != api.EventUnplanned:
			return invalidf("event %d: type %q is not %s or %s", i, truncate(e.EventType, 20), api.EventPlanned, api.EventUnplanned)
		case e.EventClass != api.ClassOS && e.EventClass != api.ClassApp:
			return invalidf("event %d: class %q is not %s or %s", i, truncate(e.EventClass, 20), api.ClassOS, api.ClassApp)
		case e.Time.IsZero() || e.Time.Year() < 1970 || e.Time.Year() > 2200:
			return invalidf("event %d: time %s is missing or out of range", i, e.Time.Format(time.RFC3339))
		case len(e.Description) > MaxDescriptionLen:
			return invalidf("event %d: description of %d bytes exceeds %d", i, len(e.Description), MaxDescriptionLen)
		case !utf8.ValidString(e.Description):
			return invalidf("event %d: description is not valid UTF-8", i)
		case e.Seq > math.MaxInt64:
			return invalidf("event %d: sequence number %d exceeds 2^63-1", i, e.Seq)
		}
	}
	return nil
}

// ReportErrors stores the events of an authenticated device's upload
// (see AuthenticateDevice), ignoring any (device, seq) already held, so a
// retried upload counts nothing twice. Accepted is the number of events
// in the upload, which the service now holds.
func (s *Service) ReportErrors(deviceID string, r api.ErrorReport) (api.ErrorReportAccepted, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	if err := CheckErrorReport(&r); err != nil {
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	tx, end, err := s.begin()
	if err != nil {
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	defer end()
	var tenantID string
	switch err := s.pq(tx).QueryRowContext(s.ctx, sqlDeviceTenant, id).Scan(&tenantID); {
	case errors.Is(err, sql.ErrNoRows):
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", notFoundf("device %s is not claimed", truncate(id, 16)))
	case err != nil:
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	stmt, err := tx.PrepareContext(s.ctx, `INSERT OR IGNORE INTO error_events
		(device_id, seq, tenant_id, time, event_type, event_class, description, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	defer stmt.Close()
	received := nanos(s.now())
	for _, e := range r.Events {
		if _, err := stmt.ExecContext(s.ctx, id, int64(e.Seq), tenantID, nanos(e.Time), e.EventType, e.EventClass, e.Description, received); err != nil {
			return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: event %d: %w", e.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return api.ErrorReportAccepted{}, fmt.Errorf("service: error report: %w", err)
	}
	return api.ErrorReportAccepted{Accepted: len(r.Events)}, nil
}

// ErrorReportCSV writes a tenant's error report as the real service's CSV
// (columns ErrorReportColumns). Events of one device with equal type,
// class and description that fall in the same UTC day (of the device's
// clock) are one row: Event Count says how many, Start and End Time are
// the first and last of them, RFC 3339 in UTC. Rows are newest first (by
// End Time) and stop at ErrorReportMaxRows. The report covers the events
// the service received in the last ErrorReportWindow of its own time:
// device clocks are virtual (they start at 2026-01-01) and may be far
// from a service running on the wall clock.
func (s *Service) ErrorReportCSV(tenant string, w io.Writer) error {
	if err := s.errorReportCSV(tenant, w); err != nil {
		return fmt.Errorf("service: error report CSV: %w", err)
	}
	return nil
}

func (s *Service) errorReportCSV(tenant string, w io.Writer) error {
	t, err := s.resolveTenant(s.db, tenant)
	if err != nil {
		return err
	}
	const day = int64(24 * time.Hour)
	since := nanos(s.now().Add(-ErrorReportWindow))
	rows, err := s.db.QueryContext(s.ctx, `SELECT device_id, event_type, event_class, description, count(*), min(time), max(time)
		FROM error_events WHERE tenant_id = ? AND received >= ?
		GROUP BY device_id, event_type, event_class, description, time / ?
		ORDER BY max(time) DESC, device_id, event_type, event_class, description
		LIMIT ?`, t.id, since, day, ErrorReportMaxRows)
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(ErrorReportColumns); err != nil {
		return err
	}
	for rows.Next() {
		var dev, typ, class, desc string
		var count, first, last int64
		if err := rows.Scan(&dev, &typ, &class, &desc, &count, &first, &last); err != nil {
			return err
		}
		if err := cw.Write([]string{dev, typ, class, strconv.FormatInt(count, 10), desc,
			fromNanos(first).Format(time.RFC3339), fromNanos(last).Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
