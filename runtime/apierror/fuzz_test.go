package apierror

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Error bodies are whatever a server, a gateway or an attacker sends:
// building the APIError never panics, and Error() stays one bounded line
// whatever the envelope paths. Seeds: testdata/fuzz/FuzzErrorEnvelope.
func FuzzErrorEnvelope(f *testing.F) {
	f.Add(`{"error":{"code":"E1","message":"bad"},"errors":[{"field":"a","message":"m","value":1}]}`, "application/json", "error.code", "error.message", "errors")
	f.Add(`{"code":12,"message":["a","b"],"errors":{"x":"y"}}`, "application/problem+json", "", "", "")
	f.Add("line one\nline two\r\n", "text/plain", "", "", "")
	f.Add(`[{"message":"m"}]`, "application/json", "0.code", "0.message", "")
	f.Add(`{"errors":[`+strings.Repeat(`{"field":"f","message":"m"},`, 30)+`{}]}`, "application/json", "", "", "errors.")
	f.Fuzz(func(t *testing.T, body, ctype, code, message, fields string) {
		env := &Envelope{Code: code, Message: message, FieldErrors: fields}
		resp := &http.Response{StatusCode: 422, Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(body))}
		var model map[string]any
		e := New(resp, []byte(body), env, &model)
		s := e.Error()
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("Error() spans lines: %q", s)
		}
		if len(s) > 16<<10 {
			t.Fatalf("Error() is %d bytes", len(s))
		}
	})
}
