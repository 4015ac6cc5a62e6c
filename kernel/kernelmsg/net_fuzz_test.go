package kernelmsg

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzHTTPSRequest: any bytes decode to a request within the limits or an
// error, never a panic; what decodes encodes back to the same bytes.
func FuzzHTTPSRequest(f *testing.F) {
	ok := HTTPSRequest{Flags: HTTPSDeviceAuth | HTTPSVerifyPeer | HTTPSVerifyHost, Method: "POST",
		URL: "https://as3.sphere-emu.test/cloud/v1/telemetry", Headers: []string{"Content-Type: application/json"},
		Body: []byte(`{"t":1}`)}
	f.Add(ok.Marshal())
	f.Add((&HTTPSRequest{Method: "GET", URL: "http://x/", CAPEM: []byte("-----BEGIN CERTIFICATE-----\n")}).Marshal())
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalHTTPSRequest(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(r.Body), MaxHTTPSBody)
		require.LessOrEqual(t, len(r.CAPEM), MaxHTTPSCA)
		require.LessOrEqual(t, len(r.Headers), MaxHTTPSHeaders)
		require.LessOrEqual(t, len(r.URL), MaxHTTPSURL)
		require.NotEmpty(t, r.Method)
		require.Zero(t, r.Flags&^httpsFlags)
		require.Equal(t, b, r.Marshal())
	})
}

// FuzzSockAddr and FuzzHTTPSResult: fixed-size records decode or fail cleanly and round-trip.
func FuzzSockAddr(f *testing.F) {
	f.Add(SockAddr{IP: 0x7f000001, Port: 7}.Marshal())
	f.Add([]byte{1, 2, 3})
	f.Add(bytes.Repeat([]byte{0xff}, SockAddrSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := UnmarshalSockAddr(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, a.Port, uint32(65535))
		require.Equal(t, b, a.Marshal())
	})
}

func FuzzHTTPSResult(f *testing.F) {
	f.Add(HTTPSResult{FD: 5, Status: 200, BodyLen: 12}.Marshal())
	f.Add(HTTPSResult{FD: -1}.Marshal())
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalHTTPSResult(b)
		if err != nil {
			return
		}
		require.Equal(t, b, r.Marshal())
	})
}

func TestHTTPSRequestLimits(t *testing.T) {
	cases := []struct {
		name string
		req  HTTPSRequest
	}{
		{"no method", HTTPSRequest{URL: "https://x/"}},
		{"unknown flag", HTTPSRequest{Flags: 8, Method: "GET", URL: "https://x/"}},
		{"long URL", HTTPSRequest{Method: "GET", URL: string(make([]byte, MaxHTTPSURL+1))}},
		{"too many headers", HTTPSRequest{Method: "GET", URL: "https://x/", Headers: make([]string, MaxHTTPSHeaders+1)}},
		{"big body", HTTPSRequest{Method: "POST", URL: "https://x/", Body: make([]byte, MaxHTTPSBody+1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalHTTPSRequest(tc.req.Marshal())
			require.Error(t, err)
		})
	}
	good := HTTPSRequest{Method: "GET", URL: "https://x/", Headers: []string{"A: b"}}
	got, err := UnmarshalHTTPSRequest(good.Marshal())
	require.NoError(t, err)
	require.Equal(t, good.Headers, got.Headers)
}
