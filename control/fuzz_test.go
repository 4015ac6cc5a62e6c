package control

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzDecode: decoding any request either yields a command or a 4xx error,
// never a panic (seed corpus in testdata/fuzz/FuzzDecode).
func FuzzDecode(f *testing.F) {
	for _, s := range [][3]string{
		{"POST", "/v1/run", `{"for":"1s"}`},
		{"POST", "/v1/run", `{"event":{"event":"gpio.set","fields":{"gpio":"8"},"nth":2},"until":1000000}`},
		{"POST", "/v1/step", `{"count":3}`},
		{"POST", "/v1/fault", `{"action":{"power":{"off_for":"10ms"}}}`},
		{"POST", "/v1/fault", `{"trigger":{"on":{"event":"mbox.send","nth":2}},"action":{"message":{"op":"drop"}}}`},
		{"POST", "/v1/gpio/12", `{"level":0}`},
		{"POST", "/v1/button/a", `{"action":"click","hold":"20ms"}`},
		{"POST", "/v1/adc/3", `{"volts":1.25}`},
		{"GET", "/v1/trace?since=4&limit=10&event=gpio.set", ``},
		{"POST", "/v1/power/cycle", `{"off_for":5}`},
	} {
		f.Add(s[0], s[1], []byte(s[2]))
	}
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		cmd, aerr := decode(method, u.Path, u.Query(), body)
		switch {
		case aerr != nil:
			if aerr.Status < 400 || aerr.Status >= 500 || aerr.Msg == "" {
				t.Fatalf("%s %s %q: status %d %q", method, target, body, aerr.Status, aerr.Msg)
			}
		case cmd == nil:
			t.Fatalf("%s %s %q: neither a command nor an error", method, target, body)
		case method != http.MethodGet && method != http.MethodPost:
			t.Fatalf("%s %s: a command for method %s", method, target, method)
		}
	})
}
