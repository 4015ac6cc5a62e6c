package service_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// attested returns a fixture whose device attested, with its certificates.
func attested(t *testing.T, seed byte) (*fixture, *api.Certificates) {
	f := newFixtureSeed(t, seed)
	certs, err := f.dev.attest(t, f.s, f.ms, nil)
	require.NoError(t, err)
	return f, certs
}

// report reads the tenant's CSV.
func report(t *testing.T, s *service.Service) [][]string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.ErrorReportCSV("", &buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, service.ErrorReportColumns, rows[0])
	return rows[1:]
}

const crash = "AppCrash (exit_status=11; signal_status=11; signal_code=3; component_id=da24e045-eb65-4f85-9654-8f843d5735a2; image_id=1)"

func TestErrorReportUpload(t *testing.T) {
	f, certs := attested(t, 1)
	update := httpClient(f.s, tlsCert(t, certs.UpdateCertificate, f.dev.update))
	at := start.Add(3 * time.Hour)
	ev := api.ErrorEvent{Seq: 1, Time: at, EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: crash}

	var acc api.ErrorReportAccepted
	require.Equal(t, 200, postJSON(t, update, api.PathErrorReports, api.ErrorReport{Events: []api.ErrorEvent{ev}}, &acc))
	assert.Equal(t, 1, acc.Accepted)
	// A retried upload counts nothing twice.
	require.Equal(t, 200, postJSON(t, update, api.PathErrorReports, api.ErrorReport{Events: []api.ErrorEvent{ev}}, &acc))
	rows := report(t, f.s)
	require.Len(t, rows, 1)
	assert.Equal(t, []string{f.dev.ID(), "Unplanned", "Application", "1", crash, "2026-01-01T03:00:00Z", "2026-01-01T03:00:00Z"}, rows[0])

	// A second crash the same day is the same row, counted twice.
	ev2 := ev
	ev2.Seq, ev2.Time = 2, at.Add(5*time.Hour)
	require.Equal(t, 200, postJSON(t, update, api.PathErrorReports, api.ErrorReport{Events: []api.ErrorEvent{ev2}}, &acc))
	rows = report(t, f.s)
	require.Len(t, rows, 1)
	assert.Equal(t, []string{"2", "2026-01-01T03:00:00Z", "2026-01-01T08:00:00Z"}, []string{rows[0][3], rows[0][5], rows[0][6]})

	// The refusals: no certificate, the client (tenant) certificate, bad bodies.
	var e api.Error
	assert.Equal(t, 401, postJSON(t, httpClient(f.s, nil), api.PathErrorReports, api.ErrorReport{}, &e))
	assert.Equal(t, api.ReasonUnauthenticated, e.Code)
	assert.Contains(t, e.Reason, "no client certificate")
	client := httpClient(f.s, tlsCert(t, certs.ClientCertificate, f.dev.client))
	assert.Equal(t, 401, postJSON(t, client, api.PathErrorReports, api.ErrorReport{}, &e))
	assert.Contains(t, e.Reason, "not a valid update certificate")
	for _, body := range []string{
		`{"events":[{"seq":3,"time":"2026-01-01T00:00:00Z","eventType":"Sometimes","eventClass":"OS","description":"x"}]}`,
		`{"events":[{"seq":3,"time":"2026-01-01T00:00:00Z","eventType":"Planned","eventClass":"Kernel","description":"x"}]}`,
		`{"events":[{"seq":3,"eventType":"Planned","eventClass":"OS","description":"x"}]}`,
		`{"events":[{"seq":18446744073709551615,"time":"2026-01-01T00:00:00Z","eventType":"Planned","eventClass":"OS"}]}`,
		`{"events":[],"device":"someone else"}`,
		`not json`,
	} {
		assert.Equal(t, 400, postJSON(t, update, api.PathErrorReports, []byte(body), &e), body)
		assert.Equal(t, api.ReasonMalformed, e.Code, body)
	}
	big := fmt.Sprintf(`{"events":[{"seq":3,"time":"2026-01-01T00:00:00Z","eventType":"Planned","eventClass":"OS","description":%q}]}`,
		strings.Repeat("x", service.MaxErrorReportBytes))
	assert.Equal(t, 413, postJSON(t, update, api.PathErrorReports, []byte(big), &e))
	assert.Equal(t, api.ReasonTooLarge, e.Code)

	// An expired update certificate is refused.
	f.clock.Advance(service.DeviceCertLifetime + time.Second)
	update = httpClient(f.s, tlsCert(t, certs.UpdateCertificate, f.dev.update))
	assert.Equal(t, 401, postJSON(t, update, api.PathErrorReports, api.ErrorReport{}, &e))
	assert.Contains(t, e.Reason, "expired")
}

func TestErrorReportCSV(t *testing.T) {
	f, _ := attested(t, 1)
	d2 := newDevice(t)
	_, err := f.s.ClaimDevice("", d2.ID(), "")
	require.NoError(t, err)
	day := func(n int, h int) time.Time { return start.AddDate(0, 0, n).Add(time.Duration(h) * time.Hour) }
	// Received 20 days before the report: outside its window.
	_, err = f.s.ReportErrors(f.dev.ID(), api.ErrorReport{Events: []api.ErrorEvent{
		{Seq: 100, Time: day(0, 1), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: "AppExit (exit_code=9)"}}})
	require.NoError(t, err)
	f.clock.Advance(20 * 24 * time.Hour) // service time: 2026-01-21
	exit := "AppExit (exit_code=1; component_id=x; image_id=y)"
	events := []api.ErrorEvent{
		{Seq: 1, Time: day(10, 1), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: crash},
		{Seq: 2, Time: day(10, 23), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: crash},
		{Seq: 3, Time: day(11, 0), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: crash}, // the next UTC day
		{Seq: 4, Time: day(10, 2), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: exit},
		{Seq: 5, Time: day(10, 3), EventType: api.EventPlanned, EventClass: api.ClassOS, Description: "OSUpdate (to 26.11)"},
		// The device's clock may be anywhere: this one is 19 days behind,
		// but the service received it now.
		{Seq: 6, Time: day(1, 0), EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: crash},
	}
	_, err = f.s.ReportErrors(f.dev.ID(), api.ErrorReport{Events: events})
	require.NoError(t, err)
	_, err = f.s.ReportErrors(d2.ID(), api.ErrorReport{Events: events[:1]})
	require.NoError(t, err)

	var got []string
	for _, r := range report(t, f.s) {
		got = append(got, strings.Join([]string{r[0][:4], r[1], r[2], r[3], r[4][:8], r[5], r[6]}, " "))
	}
	id1, id2 := f.dev.ID()[:4], d2.ID()[:4]
	assert.Equal(t, []string{
		id1 + " Unplanned Application 1 AppCrash 2026-01-12T00:00:00Z 2026-01-12T00:00:00Z",
		id1 + " Unplanned Application 2 AppCrash 2026-01-11T01:00:00Z 2026-01-11T23:00:00Z",
		id1 + " Planned OS 1 OSUpdate 2026-01-11T03:00:00Z 2026-01-11T03:00:00Z",
		id1 + " Unplanned Application 1 AppExit  2026-01-11T02:00:00Z 2026-01-11T02:00:00Z",
		id2 + " Unplanned Application 1 AppCrash 2026-01-11T01:00:00Z 2026-01-11T01:00:00Z",
		id1 + " Unplanned Application 1 AppCrash 2026-01-02T00:00:00Z 2026-01-02T00:00:00Z",
	}, got)

	// Another tenant sees none of it.
	_, err = f.s.CreateTenant("Other")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, f.s.ErrorReportCSV("Other", &buf))
	assert.Equal(t, strings.Join(service.ErrorReportColumns, ",")+"\n", buf.String())
}

func TestErrorReportCSVCap(t *testing.T) {
	f, _ := attested(t, 1)
	var events []api.ErrorEvent
	for i := range service.ErrorReportMaxRows + 5 {
		events = append(events, api.ErrorEvent{Seq: uint64(i), Time: start.Add(time.Duration(i) * time.Second),
			EventType: api.EventUnplanned, EventClass: api.ClassApp, Description: fmt.Sprintf("AppExit (exit_code=%d)", i)})
	}
	_, err := f.s.ReportErrors(f.dev.ID(), api.ErrorReport{Events: events})
	require.NoError(t, err)
	rows := report(t, f.s)
	require.Len(t, rows, service.ErrorReportMaxRows)
	assert.Equal(t, fmt.Sprintf("AppExit (exit_code=%d)", service.ErrorReportMaxRows+4), rows[0][4], "newest first")
}

// selfSigned makes a CA-less client certificate for a device ID.
func selfSigned(t *testing.T, id string, key *ecdsa.PrivateKey) *tls.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: id},
		NotBefore: start.Add(-time.Hour), NotAfter: start.Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}
}

func TestCloudTelemetry(t *testing.T) {
	f, certs := attested(t, 1)
	client := tlsCert(t, certs.ClientCertificate, f.dev.client)
	var acc service.TelemetryAccepted
	require.Equal(t, 202, postJSON(t, httpClient(f.s, client), service.PathTelemetry, map[string]any{"temp": 21.5}, &acc))
	assert.Equal(t, int64(1), acc.ID)
	recs, err := f.s.ListTelemetry("", 0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, f.dev.ID(), recs[0].DeviceID)
	assert.Equal(t, f.tenant.ID, recs[0].TenantID)
	assert.JSONEq(t, `{"temp":21.5}`, string(recs[0].Body))

	// A device of another service (another tenant CA) is refused.
	g, gcerts := attested(t, 2)
	require.NotEqual(t, gcerts.TenantCA, certs.TenantCA)

	tests := []struct {
		name   string
		cert   *tls.Certificate
		body   any
		status int
		code   string
		reason string
	}{
		{"no certificate", nil, map[string]int{}, 401, api.ReasonUnauthenticated, "no client certificate"},
		{"another CA", tlsCert(t, gcerts.ClientCertificate, g.dev.client), map[string]int{}, 401, api.ReasonUnauthenticated, "not issued by a tenant CA"},
		{"self-signed", selfSigned(t, f.dev.ID(), f.dev.client), map[string]int{}, 401, api.ReasonUnauthenticated, "unknown authority"},
		{"the update certificate", tlsCert(t, certs.UpdateCertificate, f.dev.update), map[string]int{}, 401, api.ReasonUnauthenticated, "unknown authority"},
		{"not JSON", client, []byte("{"), 400, api.ReasonMalformed, "not JSON"},
		{"too large", client, []byte(`"` + strings.Repeat("x", service.MaxTelemetryBytes) + `"`), 413, api.ReasonTooLarge, "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e api.Error
			assert.Equal(t, tc.status, postJSON(t, httpClient(f.s, tc.cert), service.PathTelemetry, tc.body, &e))
			assert.Equal(t, tc.code, e.Code)
			assert.Contains(t, e.Reason, tc.reason)
		})
	}

	t.Run("expired", func(t *testing.T) {
		f.clock.Advance(service.DeviceCertLifetime + time.Minute)
		var e api.Error
		assert.Equal(t, 401, postJSON(t, httpClient(f.s, client), service.PathTelemetry, map[string]int{}, &e))
		assert.Contains(t, e.Reason, "expired")
	})
}
