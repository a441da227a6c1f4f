package auth

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Token responses come from servers we do not control: parsing never
// panics, a success always carries the access token the body holds, and
// a refusal never shows the request's secret, however the body echoes it.
// Seeds: testdata/fuzz/FuzzTokenResponse.
func FuzzTokenResponse(f *testing.F) {
	f.Add(200, "application/json", `{"access_token":"a","expires_in":3600,"refresh_token":"r"}`)
	f.Add(201, "application/json", `{"data":{"accessToken":"a","expiresIn":"3600"}}`)
	f.Add(400, "application/json", `{"error":"invalid_grant","error_description":"bad LEAK-fuzz-secret"}`)
	f.Add(200, "application/x-www-form-urlencoded", `access_token=a&expires_in=1e9`)
	f.Add(200, "text/plain", `{"access_token":12345678901234567890}`)
	f.Add(500, "", "LEAK-fuzz-secret%22")
	const leak = "LEAK-fuzz-secret"
	u, _ := url.Parse("https://auth.example/token")
	f.Fuzz(func(t *testing.T, status int, ctype, body string) {
		if status < 100 || status > 599 {
			status = 200
		}
		for _, e := range []*Endpoint{{}, {Response: ResponseFields{AccessToken: "data.accessToken", ExpiresIn: "data.expiresIn", Extra: []string{"id_token"}}, ExpiresInUnit: time.Millisecond}} {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(body))}
			tok, err := e.parse(u, resp, []byte(body), time.Unix(1e9, 0), []string{leak})
			if err == nil {
				if tok == nil || tok.AccessToken.IsZero() {
					t.Fatalf("success without an access token: %v", tok)
				}
				continue
			}
			msg := err.Error()
			if re, ok := err.(*RetrieveError); ok {
				msg += string(re.Body) + re.ErrorDescription + re.ErrorCode
			}
			if strings.Contains(msg, leak) {
				t.Fatalf("refusal shows the secret: %q", msg)
			}
		}
	})
}
