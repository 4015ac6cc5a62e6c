package kernel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The device REST API (the real OS's gatewayd, reference §10.4) is served by
// host goroutines (package gateway: HTTPS on loopback), but answered by the
// kernel: a handler never touches the device. It hands the request to a
// Gateway, a queue that outlives reboots, and rings the simulation's
// doorbell (sim.SetHostInput); between two events the simulation wakes the
// kernel, which takes the request at one of its own scheduling points (its
// serve loop, like a message from the app core), computes the answer from
// its own state and, where it must, by mailbox calls to the Security
// Monitor or Pluton, and hands the answer back. So the device runs one
// event at a time as ever; a run in which no request arrives keeps its
// trace, and a run in which requests arrive is as deterministic as the host
// timing of those requests.
//
// Routes are kept in a table (restRoutes): each names its method, its path
// pattern, whether it takes a JSON or a binary body, and the function that
// serves it on the kernel's goroutine. Code in this package adds routes
// with registerRESTRoute from an init function; docs/rest-api.md lists them.

// GatewayRequest is one HTTP request of the device REST API, as the host
// read it: nothing in it has been checked.
type GatewayRequest struct {
	Method      string
	Path        string
	ContentType string
	Body        []byte
}

// GatewayResponse is the kernel's answer.
type GatewayResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// Limits of the gateway (emulator-defined).
const (
	// MaxGatewayBody bounds a request body the host hands the kernel; a
	// route may set a smaller limit.
	MaxGatewayBody = 8 << 20
	// maxJSONBody bounds the body of a route that takes JSON.
	maxJSONBody = 64 << 10
	// maxGatewayQueue bounds the requests waiting for the kernel; more are
	// refused with 503 at once.
	maxGatewayQueue = 64
	// costGatewayRequest is the virtual time the OS spends on one request.
	costGatewayRequest = 100 * sim.Microsecond
)

// ErrGatewayClosed is returned by Do once the device is off.
var ErrGatewayClosed = errors.New("gateway: the device is off")

// errGatewayBusy is returned by Do when too many requests wait.
var errGatewayBusy = errors.New("gateway: too many requests are waiting for the device")

// Gateway is the door between the device REST API's host goroutines and
// the kernel. Make one with NewGateway, give it to the device
// (device.Config.Gateway → Config.Gateway); the kernel of every boot
// attaches to it. Do, Stop and Close may be called from any goroutine.
type Gateway struct {
	mu     sync.Mutex
	queue  []*gatewayCall
	closed bool
	stop   string
	bell   chan struct{}

	// Touched only on the simulation's thread.
	kernel   *Kernel
	inflight map[*gatewayCall]bool
}

// gatewayCall is one request on its way through the kernel.
type gatewayCall struct {
	req   GatewayRequest
	reply chan GatewayResponse // buffered: the kernel never blocks on it
}

// NewGateway returns a gateway with no kernel attached yet.
func NewGateway() *Gateway {
	return &Gateway{bell: make(chan struct{}, 1), inflight: map[*gatewayCall]bool{}}
}

func (g *Gateway) ring() {
	select {
	case g.bell <- struct{}{}:
	default:
	}
}

// Do hands req to the kernel and waits for its answer, or for ctx.
func (g *Gateway) Do(ctx context.Context, req GatewayRequest) (GatewayResponse, error) {
	c := &gatewayCall{req: req, reply: make(chan GatewayResponse, 1)}
	g.mu.Lock()
	switch {
	case g.closed:
		g.mu.Unlock()
		return GatewayResponse{}, ErrGatewayClosed
	case len(g.queue) >= maxGatewayQueue:
		g.mu.Unlock()
		return GatewayResponse{}, errGatewayBusy
	}
	g.queue = append(g.queue, c)
	g.mu.Unlock()
	g.ring()
	select {
	case r := <-c.reply:
		return r, nil
	case <-ctx.Done():
		return GatewayResponse{}, ctx.Err()
	}
}

// Stop makes the device's run end, at the next step of its simulation,
// with reason (an interrupted `sphere-emu boot`).
func (g *Gateway) Stop(reason string) {
	g.mu.Lock()
	if g.stop == "" {
		g.stop = reason
	}
	g.mu.Unlock()
	g.ring()
}

// Close refuses new requests and answers the waiting ones with 503, and
// those the kernel took but had not answered (an app stop under way): the
// device is off. Call it once the device's run has ended, never while the
// simulation runs.
func (g *Gateway) Close() {
	g.mu.Lock()
	g.closed = true
	q := g.queue
	g.queue = nil
	g.mu.Unlock()
	for c := range g.inflight {
		delete(g.inflight, c)
		q = append(q, c)
	}
	for _, c := range q {
		c.reply <- errorResponse(http.StatusServiceUnavailable, restapi.ErrDeviceUnavailable)
	}
}

// take pops the oldest waiting request (kernel goroutine).
func (g *Gateway) take() *gatewayCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		return nil
	}
	c := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	return c
}

// attach makes k the kernel that serves the gateway, at boot. Requests the
// previous boot's kernel took and never answered are answered 503 now.
func (g *Gateway) attach(k *Kernel) {
	for c := range g.inflight {
		delete(g.inflight, c)
		c.reply <- errorResponse(http.StatusServiceUnavailable, restapi.ErrDeviceUnavailable)
	}
	g.kernel = k
	s := k.proc.Sim()
	s.SetHostInput(g.bell, func() { g.onBell(s) })
}

// onBell runs on the scheduler when the host rang.
func (g *Gateway) onBell(s *sim.Sim) {
	g.mu.Lock()
	stop := g.stop
	g.mu.Unlock()
	if stop != "" {
		s.Stop(stop)
		return
	}
	if g.kernel != nil {
		g.kernel.Interrupt()
	}
}

// bellChan is the doorbell, for kernel waits that block on the host
// (waitHost); nil without a gateway.
func (k *Kernel) gatewayBell() <-chan struct{} {
	if k.cfg.Gateway == nil {
		return nil
	}
	return k.cfg.Gateway.bell
}

// --- routes ------------------------------------------------------------------

// restAuth is what a route requires of the device.
type restAuth int

const (
	authNone           restAuth = iota
	authAppDevelopment          // the appDevelopment device capability (IsAppDevelopmentAllowed)
)

// restRoute is one route of the device REST API.
type restRoute struct {
	method  string
	pattern string   // path; a "{cid}" segment matches a component ID (a GUID)
	auth    restAuth // checked before serve runs
	// body, if set, makes the route take a JSON object, decoded into a new
	// value of the type body returns (a pointer), found in restCall.json.
	body func() any
	// raw makes the route take a binary body (application/octet-stream) of
	// at most maxBody bytes, in restCall.raw.
	raw     bool
	maxBody int
	// serve answers the call on the kernel's goroutine: now, with one of
	// restCall's reply methods, or later (the call stays pending: keep it
	// and reply when the work is done; a reboot answers it 503).
	serve func(k *Kernel, r *restCall)
}

var restRoutes []restRoute

// registerRESTRoute adds a route; call it from an init function. Patterns
// must not overlap.
func registerRESTRoute(r restRoute) {
	if r.maxBody == 0 {
		r.maxBody = maxJSONBody
	}
	restRoutes = append(restRoutes, r)
}

// restCall is one parsed request being served.
type restCall struct {
	k      *Kernel
	c      *gatewayCall
	route  *restRoute
	method string
	path   string
	cid    string // the {cid} segment, canonical (lower case)
	json   any    // the decoded body of a JSON route
	raw    []byte // the body of a binary route
}

// restError is a request refused before any route serves it.
type restError struct {
	status int
	code   uint32
}

func (e *restError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.status, restapi.Describe(e.code))
}

// parseRESTRequest matches a request to its route and decodes its path
// parameters and body. It looks at nothing but its arguments (and the
// static route table), so the host's bytes meet the kernel's state only
// once they are checked. FuzzParseRESTRequest exercises it.
func parseRESTRequest(req GatewayRequest) (*restCall, *restError) {
	segs, ok := splitPath(req.Path)
	if !ok {
		return nil, &restError{http.StatusNotFound, restapi.ErrRouteNotFound}
	}
	var route *restRoute
	var cid string
	var badCID bool
	for i := range restRoutes {
		r := &restRoutes[i]
		if r.method != req.Method {
			continue
		}
		param, match := matchPattern(r.pattern, segs)
		if !match {
			continue
		}
		route = r
		if strings.Contains(r.pattern, "{cid}") {
			g, err := image.ParseGUID(param)
			if err != nil {
				badCID = true
			}
			cid = strings.ToLower(g.String())
		}
		break
	}
	if route == nil {
		return nil, &restError{http.StatusNotFound, restapi.ErrRouteNotFound}
	}
	if badCID {
		return nil, &restError{http.StatusBadRequest, restapi.ErrInvalidComponentID}
	}
	rc := &restCall{route: route, method: req.Method, path: req.Path, cid: cid}
	switch {
	case route.body != nil:
		if len(req.Body) > route.maxBody {
			return nil, &restError{http.StatusRequestEntityTooLarge, restapi.ErrBodyTooLarge}
		}
		if !isMediaType(req.ContentType, restapi.ContentTypeJSON, true) {
			return nil, &restError{http.StatusUnsupportedMediaType, restapi.ErrUnsupportedMediaType}
		}
		v := route.body()
		if err := decodeJSONObject(req.Body, v); err != nil {
			return nil, &restError{http.StatusBadRequest, restapi.ErrInvalidJSON}
		}
		rc.json = v
	case route.raw:
		if len(req.Body) > route.maxBody {
			return nil, &restError{http.StatusRequestEntityTooLarge, restapi.ErrBodyTooLarge}
		}
		if !isMediaType(req.ContentType, restapi.ContentTypeOctetStream, false) {
			return nil, &restError{http.StatusUnsupportedMediaType, restapi.ErrUnsupportedMediaType}
		}
		rc.raw = req.Body
	}
	return rc, nil
}

// maxPathSegments bounds a request path.
const maxPathSegments = 16

// splitPath splits "/a/b/c" into its segments; a trailing slash is
// allowed, empty segments and relative paths are not.
func splitPath(p string) ([]string, bool) {
	if !strings.HasPrefix(p, "/") || len(p) > 1024 {
		return nil, false
	}
	p = strings.TrimSuffix(p[1:], "/")
	if p == "" {
		return nil, true
	}
	segs := strings.Split(p, "/")
	if len(segs) > maxPathSegments {
		return nil, false
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil, false
		}
	}
	return segs, true
}

// matchPattern matches path segments against a pattern, returning the
// {cid} segment.
func matchPattern(pattern string, segs []string) (string, bool) {
	ps, _ := splitPath(pattern)
	if len(ps) != len(segs) {
		return "", false
	}
	param := ""
	for i, p := range ps {
		switch {
		case p == "{cid}":
			param = segs[i]
		case p != segs[i]:
			return "", false
		}
	}
	return param, true
}

// isMediaType reports whether a Content-Type header names want; an absent
// header is accepted when orEmpty is set (clients that send JSON bodies
// without one exist).
func isMediaType(header, want string, orEmpty bool) bool {
	if strings.TrimSpace(header) == "" {
		return orEmpty
	}
	mt, _, err := mime.ParseMediaType(header)
	return err == nil && mt == want
}

// decodeJSONObject decodes exactly one JSON object into v.
func decodeJSONObject(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("want a JSON object")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// --- the kernel's side ---------------------------------------------------------

// serveGateway takes one waiting request, if any, and serves it. It runs at
// the kernel's scheduling points (serve).
func (k *Kernel) serveGateway() bool {
	g := k.cfg.Gateway
	if g == nil || k.power.pending != nil || k.rest.down {
		return false // shutting down: requests wait for the next boot's kernel
	}
	c := g.take()
	if c == nil {
		return false
	}
	g.inflight[c] = true
	k.proc.Sleep(costGatewayRequest)
	rc, perr := parseRESTRequest(c.req)
	if perr != nil {
		rc = &restCall{method: c.req.Method, path: c.req.Path}
		rc.k, rc.c = k, c
		rc.fail(perr.status, perr.code)
		return true
	}
	rc.k, rc.c = k, c
	if rc.route.auth == authAppDevelopment && !k.requireAppDevelopment(rc) {
		return true
	}
	rc.route.serve(k, rc)
	return true
}

// answer sends the response and traces the request.
func (r *restCall) answer(resp GatewayResponse, code uint32) {
	g := r.k.cfg.Gateway
	if !g.inflight[r.c] {
		return // answered already, or by a reboot
	}
	delete(g.inflight, r.c)
	f := []trace.Field{trace.Str("method", r.method), trace.Str("path", trace.Printable(truncate(r.path, 256))), trace.Int("status", int64(resp.Status))}
	if code != 0 {
		f = append(f, trace.Uint("code", uint64(code)))
	}
	r.k.tr.Emit(trace.Kernel, "rest.request", f...)
	r.c.reply <- resp
}

// ok answers 200 with v as JSON.
func (r *restCall) ok(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		r.fail(http.StatusInternalServerError, restapi.ErrInternal)
		return
	}
	r.answer(GatewayResponse{Status: http.StatusOK, ContentType: restapi.ContentTypeJSON, Body: b}, 0)
}

// bytes answers 200 with a body of the given type.
func (r *restCall) bytes(contentType string, b []byte) {
	r.answer(GatewayResponse{Status: http.StatusOK, ContentType: contentType, Body: b}, 0)
}

// fail answers with the error shape of the real API.
func (r *restCall) fail(status int, code uint32) {
	r.answer(errorResponse(status, code), code)
}

// internal answers 500 and traces why.
func (r *restCall) internal(err error) {
	r.k.tr.Emit(trace.Kernel, "rest.error", trace.Str("path", trace.Printable(truncate(r.path, 256))), trace.Str("reason", err.Error()))
	r.fail(http.StatusInternalServerError, restapi.ErrInternal)
}

func errorResponse(status int, code uint32) GatewayResponse {
	b, _ := json.Marshal(restapi.Error{Code: code})
	return GatewayResponse{Status: status, ContentType: restapi.ContentTypeJSON, Body: b}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// requireAppDevelopment answers 403 unless the device has the
// appDevelopment capability.
func (k *Kernel) requireAppDevelopment(r *restCall) bool {
	caps, err := k.deviceCapabilities()
	if err != nil {
		r.internal(err)
		return false
	}
	for _, c := range caps {
		if c == restapi.CapabilityAppDevelopment {
			return true
		}
	}
	r.fail(http.StatusForbidden, restapi.ErrAppDevelopmentRequired)
	return false
}

// deviceCapabilities lists the capabilities of the device's capability
// file (reference §4), as Pluton read it at boot (GetEnabledCapabilities).
func (k *Kernel) deviceCapabilities() ([]int, error) {
	resp, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindGetEnabledCapabilities, nil, plutonTimeout)
	if err != nil {
		return nil, fmt.Errorf("GetEnabledCapabilities: %w", err)
	}
	caps, err := plutonmsg.UnmarshalCapabilities(resp)
	if err != nil {
		return nil, fmt.Errorf("GetEnabledCapabilities: %w", err)
	}
	out := make([]int, len(caps))
	for i, c := range caps {
		out[i] = int(c)
	}
	return out, nil
}
