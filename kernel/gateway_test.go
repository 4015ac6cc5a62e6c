package kernel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
)

func TestParseRESTRequest(t *testing.T) {
	const cid = "DA24E045-EB65-4F85-9654-8F843D5735A2"
	for _, tc := range []struct {
		req     GatewayRequest
		status  int
		code    uint32
		pattern string
	}{
		{GatewayRequest{Method: "GET", Path: "/status"}, 0, 0, restapi.PathStatus},
		{GatewayRequest{Method: "GET", Path: "/status/"}, 0, 0, restapi.PathStatus},
		{GatewayRequest{Method: "GET", Path: "/app/status/" + cid}, 0, 0, restapi.PathAppStatus},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/json; charset=utf-8", Body: []byte(` {"trigger":"stop"} `)}, 0, 0, restapi.PathAppStatus},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, Body: []byte(`{"trigger":"stop"}`)}, 0, 0, restapi.PathAppStatus},
		{GatewayRequest{Method: "POST", Path: "/restart", Body: []byte("ignored")}, 0, 0, restapi.PathRestart},
		{GatewayRequest{Method: "GET", Path: "/"}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "GET", Path: ""}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "GET", Path: "status"}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "GET", Path: "//status"}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "PUT", Path: "/status"}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "GET", Path: "/app/status/x"}, 400, restapi.ErrInvalidComponentID, ""},
		{GatewayRequest{Method: "GET", Path: "/app/status/" + cid + "/more"}, 404, restapi.ErrRouteNotFound, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/json", Body: nil}, 400, restapi.ErrInvalidJSON, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/json", Body: []byte(`"stop"`)}, 400, restapi.ErrInvalidJSON, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/json", Body: []byte(`{"trigger":1}`)}, 400, restapi.ErrInvalidJSON, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/xml", Body: []byte(`{}`)}, 415, restapi.ErrUnsupportedMediaType, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: ";;", Body: []byte(`{}`)}, 415, restapi.ErrUnsupportedMediaType, ""},
		{GatewayRequest{Method: "PATCH", Path: "/app/status/" + cid, ContentType: "application/json", Body: []byte(`{"trigger":"` + strings.Repeat("a", maxJSONBody) + `"}`)}, 413, restapi.ErrBodyTooLarge, ""},
	} {
		name := fmt.Sprintf("%s %q", tc.req.Method, tc.req.Path)
		rc, err := parseRESTRequest(tc.req)
		if tc.status != 0 {
			require.Nil(t, rc, name)
			require.NotNil(t, err, name)
			require.Equal(t, tc.status, err.status, name)
			require.Equal(t, tc.code, err.code, name)
			continue
		}
		require.Nil(t, err, name)
		require.Equal(t, tc.pattern, rc.route.pattern, name)
		if strings.Contains(tc.pattern, "{cid}") {
			require.Equal(t, strings.ToLower(cid), rc.cid, name)
		}
	}
}

// FuzzParseRESTRequest: whatever the host hands the kernel, parsing never
// panics, and it either picks a route (with a well-formed component ID and
// a decoded body where the route takes one) or refuses with a status and
// a code in the API's error shape. Seeds: testdata/fuzz/FuzzParseRESTRequest.
func FuzzParseRESTRequest(f *testing.F) {
	f.Add("GET", "/status", "", []byte(nil))
	f.Add("PATCH", "/app/status/da24e045-eb65-4f85-9654-8f843d5735a2", "application/json", []byte(`{"trigger":"start"}`))
	f.Add("PATCH", "/app/status/{cid}", "application/json; charset=utf-8", []byte(`{"trigger":`))
	f.Add("DELETE", "/telemetry/", "", []byte("{}"))
	f.Fuzz(func(t *testing.T, method, path, ctype string, body []byte) {
		rc, err := parseRESTRequest(GatewayRequest{Method: method, Path: path, ContentType: ctype, Body: body})
		if err != nil {
			if rc != nil {
				t.Fatal("both a call and an error")
			}
			switch err.status {
			case http.StatusBadRequest, http.StatusNotFound, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("status %d", err.status)
			}
			if restapi.Describe(err.code) == "" || err.code>>20 == 0 {
				t.Fatalf("code %d", err.code)
			}
			b, _ := json.Marshal(restapi.Error{Code: err.code})
			if !strings.HasPrefix(string(b), `{"error":`) {
				t.Fatalf("error body %s", b)
			}
			return
		}
		if rc == nil || rc.route == nil || rc.route.method != method {
			t.Fatal("no route and no error")
		}
		if strings.Contains(rc.route.pattern, "{cid}") && len(rc.cid) != 36 {
			t.Fatalf("component ID %q", rc.cid)
		}
		if rc.route.body != nil && rc.json == nil {
			t.Fatal("a JSON route without its body")
		}
	})
}

func TestWasmInitialMemory(t *testing.T) {
	mod := func(sections ...[]byte) []byte {
		b := []byte("\x00asm\x01\x00\x00\x00")
		for _, s := range sections {
			b = append(b, s...)
		}
		return b
	}
	require.Equal(t, int64(2*65536), wasmInitialMemory(mod([]byte{1, 1, 0x60}, []byte{5, 3, 1, 0, 2})))
	require.Equal(t, int64(17*65536), wasmInitialMemory(mod([]byte{5, 4, 1, 1, 17, 20})))
	require.Equal(t, int64(0), wasmInitialMemory(mod([]byte{1, 1, 0x60})), "no memory section")
	require.Equal(t, int64(0), wasmInitialMemory(mod([]byte{5, 9, 1})), "section longer than the module")
	require.Equal(t, int64(0), wasmInitialMemory(mod([]byte{5, 3, 1, 4, 2})), "memory64 is not read")
	require.Equal(t, int64(0), wasmInitialMemory([]byte("not wasm")))
	require.Equal(t, int64(0), wasmInitialMemory(nil))
}

func TestLogRingKeepsTheLastLines(t *testing.T) {
	var l logRing
	for i := range maxLogLines + 5 {
		l.add(fmt.Sprint(i))
	}
	all := l.all()
	require.Len(t, all, maxLogLines)
	require.Equal(t, "5", all[0])
	require.Equal(t, fmt.Sprint(maxLogLines+4), all[len(all)-1])
}
