package service

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// MaxAdminJSONBytes bounds an admin route's JSON body.
const MaxAdminJSONBytes = 64 << 10

// maxChallengeBytes bounds a challenge request.
const maxChallengeBytes = 1 << 10

// Handler returns the service's HTTP handler: the device routes of
// service/api, the company cloud route PathTelemetry and the admin routes
// under AdminPrefix. Client certificates are read from the request's TLS
// state, so routes that need one refuse plain-HTTP requests.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+api.PathChallenge, s.handleChallenge)
	mux.HandleFunc("POST "+api.PathAttest, s.handleAttest)
	mux.HandleFunc("POST "+api.PathErrorReports, s.handleErrorReports)
	mux.HandleFunc("POST "+PathTelemetry, s.handleTelemetry)
	mux.HandleFunc("POST "+api.PathUpdates, s.handleUpdates)
	mux.HandleFunc("GET "+api.PathImages+"{digest}", s.handleImage)

	admin := http.NewServeMux()
	admin.HandleFunc("GET "+AdminTenants, s.adminListTenants)
	admin.HandleFunc("POST "+AdminTenants, s.adminCreateTenant)
	admin.HandleFunc("GET "+AdminProducts, s.adminListProducts)
	admin.HandleFunc("POST "+AdminProducts, s.adminCreateProduct)
	admin.HandleFunc("GET "+AdminDeviceGroups, s.adminListDeviceGroups)
	admin.HandleFunc("POST "+AdminDeviceGroups, s.adminCreateDeviceGroup)
	admin.HandleFunc("GET "+AdminDevices, s.adminListDevices)
	admin.HandleFunc("POST "+AdminDevices, s.adminClaimDevice)
	admin.HandleFunc("GET "+AdminDevices+"/{id}", s.adminShowDevice)
	admin.HandleFunc("PATCH "+AdminDevices+"/{id}", s.adminAssignDevice)
	admin.HandleFunc("GET "+AdminDevices+"/{id}/attestations", s.adminDeviceAttestations)
	admin.HandleFunc("POST "+AdminDevices+"/{id}/capabilities", s.adminDeviceCapability)
	admin.HandleFunc("GET "+AdminCACertificate, s.adminCACertificate)
	admin.HandleFunc("GET "+AdminImages, s.adminListImages)
	admin.HandleFunc("POST "+AdminImages, s.adminAddImage)
	admin.HandleFunc("GET "+AdminOSReleases, s.adminListOSReleases)
	admin.HandleFunc("POST "+AdminOSReleases, s.adminAddOSRelease)
	admin.HandleFunc("GET "+AdminDeployments, s.adminListDeployments)
	admin.HandleFunc("POST "+AdminDeployments, s.adminCreateDeployment)
	admin.HandleFunc("GET "+AdminErrorReport, s.adminErrorReport)
	admin.HandleFunc("GET "+AdminTelemetry, s.adminListTelemetry)
	admin.HandleFunc(AdminPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no admin route %s %s", r.Method, r.URL.Path))
	})
	mux.Handle(AdminPrefix+"/", s.requireAdmin(admin))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, "encode the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers with an api.Error body.
func writeError(w http.ResponseWriter, status int, code, reason string) {
	b, _ := json.Marshal(api.Error{Code: code, Reason: reason})
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sphere-emu"`)
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeErr answers with the status an error calls for.
func writeErr(w http.ResponseWriter, err error) {
	var r *Refusal
	switch {
	case errors.As(err, &r):
		writeError(w, r.Status, r.Body.Code, r.Body.Reason)
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, CodeInvalid, err.Error())
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, ErrConflict):
		writeError(w, http.StatusConflict, CodeConflict, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error())
	}
}

// readBody reads at most limit bytes of a request body; a longer body is a
// 413 refusal.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, invalidf("read the body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, refuse(http.StatusRequestEntityTooLarge, api.ReasonTooLarge, "the body exceeds %d bytes", limit)
	}
	return b, nil
}

// DecodeJSON decodes exactly one JSON value into v, refusing unknown
// fields and trailing data: the parser of every JSON request body.
func DecodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidf("the body is not the expected JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidf("the body has data after its JSON value")
	}
	return nil
}

// malformed turns a body error into a device-route refusal.
func malformed(err error) error {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return refuse(http.StatusBadRequest, api.ReasonMalformed, "%v", err)
}

// ParseChallengeRequest parses the body of a challenge request.
func ParseChallengeRequest(b []byte) (string, error) {
	var req api.ChallengeRequest
	if err := DecodeJSON(b, &req); err != nil {
		return "", err
	}
	return ParseDeviceID(req.DeviceID)
}

func (s *Service) handleChallenge(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r, maxChallengeBytes)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	id, err := ParseChallengeRequest(b)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	resp, err := s.Challenge(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Service) handleAttest(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/cose") {
		writeError(w, http.StatusUnsupportedMediaType, api.ReasonMalformed,
			fmt.Sprintf("the token's Content-Type is %q, want %s", ct, api.ContentTypeCOSE))
		return
	}
	b, err := readBody(r, attest.MaxTokenSize)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	certs, err := s.Attest(b)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, certs)
}

// ParseErrorReport parses and checks the body of an error report upload.
func ParseErrorReport(b []byte) (api.ErrorReport, error) {
	var rep api.ErrorReport
	if err := DecodeJSON(b, &rep); err != nil {
		return rep, err
	}
	return rep, CheckErrorReport(&rep)
}

// peerCerts returns the client certificates of a request, if it came over TLS.
func peerCerts(r *http.Request) []*x509.Certificate {
	if r.TLS == nil {
		return nil
	}
	return r.TLS.PeerCertificates
}

func (s *Service) handleErrorReports(w http.ResponseWriter, r *http.Request) {
	id, err := s.AuthenticateDevice(peerCerts(r))
	if err != nil {
		writeErr(w, err)
		return
	}
	b, err := readBody(r, MaxErrorReportBytes)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	rep, err := ParseErrorReport(b)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	acc, err := s.ReportErrors(id, rep)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, acc)
}

func (s *Service) handleTelemetry(w http.ResponseWriter, r *http.Request) {
	tenantID, deviceID, err := s.AuthenticateTenantDevice(peerCerts(r))
	if err != nil {
		writeErr(w, err)
		return
	}
	b, err := readBody(r, MaxTelemetryBytes)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	acc, err := s.RecordTelemetry(tenantID, deviceID, b)
	if err != nil {
		writeErr(w, malformed(err))
		return
	}
	writeJSON(w, http.StatusAccepted, acc)
}

// requireAdmin lets a request through only with the admin bearer token.
func (s *Service) requireAdmin(next http.Handler) http.Handler {
	want := []byte(s.adminToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		switch {
		case h == "":
			writeError(w, http.StatusUnauthorized, api.ReasonUnauthenticated,
				"no Authorization header: admin routes need \"Authorization: Bearer <token>\" (the token is in the service's data directory, file admin-token)")
		case !ok || !strings.EqualFold(scheme, "Bearer"):
			writeError(w, http.StatusUnauthorized, api.ReasonUnauthenticated, "the Authorization header is not \"Bearer <token>\"")
		case subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), want) != 1:
			writeError(w, http.StatusUnauthorized, api.ReasonUnauthenticated, "the admin token is wrong")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// decodeAdmin reads and decodes an admin JSON body, answering on failure.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := readBody(r, MaxAdminJSONBytes)
	if err == nil {
		err = DecodeJSON(b, v)
	}
	if err != nil {
		writeErr(w, err)
		return false
	}
	return true
}

// answer writes v, or the error.
func answer(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, status, v)
}

func tenantParam(r *http.Request) string { return r.URL.Query().Get("tenant") }

func (s *Service) adminListTenants(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListTenants()
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminCreateTenant(w http.ResponseWriter, r *http.Request) {
	var req CreateTenantRequest
	if decodeAdmin(w, r, &req) {
		v, err := s.CreateTenant(req.Name)
		answer(w, http.StatusCreated, v, err)
	}
}

func (s *Service) adminListProducts(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListProducts(tenantParam(r))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminCreateProduct(w http.ResponseWriter, r *http.Request) {
	var req CreateProductRequest
	if decodeAdmin(w, r, &req) {
		v, err := s.CreateProduct(tenantParam(r), req.Name, req.Description)
		answer(w, http.StatusCreated, v, err)
	}
}

func (s *Service) adminListDeviceGroups(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListDeviceGroups(tenantParam(r))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminCreateDeviceGroup(w http.ResponseWriter, r *http.Request) {
	var req DeviceGroupSpec
	if decodeAdmin(w, r, &req) {
		v, err := s.CreateDeviceGroup(tenantParam(r), req)
		answer(w, http.StatusCreated, v, err)
	}
}

func (s *Service) adminListDevices(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListDevices(tenantParam(r))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminClaimDevice(w http.ResponseWriter, r *http.Request) {
	var req ClaimDeviceRequest
	if decodeAdmin(w, r, &req) {
		v, err := s.ClaimDevice(tenantParam(r), req.DeviceID, req.DeviceGroup)
		answer(w, http.StatusCreated, v, err)
	}
}

func (s *Service) adminShowDevice(w http.ResponseWriter, r *http.Request) {
	v, err := s.ShowDevice(r.PathValue("id"))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminAssignDevice(w http.ResponseWriter, r *http.Request) {
	var req AssignDeviceRequest
	if decodeAdmin(w, r, &req) {
		v, err := s.AssignDevice(tenantParam(r), r.PathValue("id"), req.DeviceGroup)
		answer(w, http.StatusOK, v, err)
	}
}

func (s *Service) adminDeviceAttestations(w http.ResponseWriter, r *http.Request) {
	v, err := s.DeviceAttestations(r.PathValue("id"))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminCACertificate(w http.ResponseWriter, r *http.Request) {
	pemBytes, err := s.TenantCACertificatePEM(tenantParam(r))
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(pemBytes)
}

func (s *Service) adminListImages(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListImages(tenantParam(r))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminAddImage(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r, MaxImageSize)
	if err != nil {
		writeErr(w, err)
		return
	}
	v, err := s.AddImage(tenantParam(r), b)
	answer(w, http.StatusCreated, v, err)
}

func (s *Service) adminListOSReleases(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListOSReleases()
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminAddOSRelease(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r, MaxFlashImageSize)
	if err != nil {
		writeErr(w, err)
		return
	}
	v, err := s.AddOSRelease(b)
	answer(w, http.StatusCreated, v, err)
}

func (s *Service) adminListDeployments(w http.ResponseWriter, r *http.Request) {
	v, err := s.ListDeployments(tenantParam(r))
	answer(w, http.StatusOK, v, err)
}

func (s *Service) adminCreateDeployment(w http.ResponseWriter, r *http.Request) {
	var req CreateDeploymentRequest
	if decodeAdmin(w, r, &req) {
		v, err := s.CreateDeployment(tenantParam(r), req.DeviceGroup, req.ImageIDs)
		answer(w, http.StatusCreated, v, err)
	}
}

func (s *Service) adminErrorReport(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.ErrorReportCSV(tenantParam(r), &buf); err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Write(buf.Bytes())
}

func (s *Service) adminListTelemetry(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, CodeInvalid, fmt.Sprintf("limit %q is not a positive number", l))
			return
		}
		limit = n
	}
	v, err := s.ListTelemetry(tenantParam(r), limit)
	answer(w, http.StatusOK, v, err)
}

// Serve serves the service over TLS on l until Close; it returns nil
// after Close.
func (s *Service) Serve(l net.Listener) error {
	err := s.srv.Serve(tls.NewListener(l, s.tlsConfig))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("service: serve: %w", err)
	}
	return nil
}

// ListenAndServe listens on a TCP address and serves until Close.
func (s *Service) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return s.Serve(l)
}

// DialContext returns the client end of an in-memory connection (a
// net.Pipe) whose other end the service serves with TLS and HTTP, as if
// it had dialled the service's address: in-process devices use it as
// their dialer, so they need no host socket. network and addr are ignored.
func (s *Service) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := s.mem.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: dial %s: %w", addr, err)
	}
	return c, nil
}

// memListener is a net.Listener whose connections are net.Pipes.
type memListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	case <-l.done:
		client.Close()
		server.Close()
		return nil, errors.New("the service is closed")
	}
}

// Accept waits for the next in-memory connection.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting connections.
func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr names the in-memory listener.
func (l *memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return ServerName }
