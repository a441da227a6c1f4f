package logging

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestIsSensitive(t *testing.T) {
	sensitive := []string{
		"Authorization", "authorization", "Proxy-Authorization", "Authentication",
		"Cookie", "Set-Cookie", "X-Api-Key", "X-API-KEY", "x-api-key", "X-Goog-Api-Key",
		"api_key", "apikey", "apiKey", "APIKey", "api-key", "key",
		"token", "access_token", "accessToken", "refresh_token", "id_token", "x-id-token", "X-Auth-Token",
		"password", "Password", "passwd", "pwd", "pass", "client_secret", "clientSecret", "secret",
		"signature", "X-Hub-Signature-256", "sig", "X-Amz-Security-Token", "X-Amz-Credential",
		"Ocp-Apim-Subscription-Key", "sessionid", "JSESSIONID", "private_key", "jwt", "assertion_jwt",
		"X-Auth-User", "otp",
	}
	for _, name := range sensitive {
		if !IsSensitive(name) {
			t.Errorf("IsSensitive(%q) = false, want true", name)
		}
	}
	plain := []string{
		"", "Accept", "Content-Type", "User-Agent", "X-Request-Id", "X-Instance-Name", "LD-API-Version",
		"X-RateLimit-Remaining", "Retry-After", "WWW-Authenticate", "ETag", "If-None-Match",
		"Idempotency-Key", "X-Idempotency-Key", "idempotency_key", "author", "monkey", "keyword",
		"page", "limit", "offset", "sortColumn", "prettyPrint", "Keep-Alive", "passenger", "bypass",
	}
	for _, name := range plain {
		if IsSensitive(name) {
			t.Errorf("IsSensitive(%q) = true, want false", name)
		}
	}
}

func TestIsSensitiveLongName(t *testing.T) {
	long := "X-Very-Long-Header-Name-That-Exceeds-The-Stack-Buffer-Of-Ninety-Six-Bytes-For-Sure-Access-Token"
	if !IsSensitive(long) {
		t.Errorf("IsSensitive(long token header) = false")
	}
	if IsSensitive("X-Very-Long-Header-Name-That-Exceeds-The-Stack-Buffer-Of-Ninety-Six-Bytes-For-Sure-Nothing-Here") {
		t.Errorf("IsSensitive(long plain header) = true")
	}
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{
		"Authorization":       {"Bearer abc.def.ghi"},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNz"},
		"X-Api-Key":           {"k1", "k2"},
		"Cookie":              {"a=1; b=2"},
		"Accept":              {"application/json"},
	}
	got := RedactHeader(h)
	want := http.Header{
		"Authorization":       {"Bearer [REDACTED]"},
		"Proxy-Authorization": {"Basic [REDACTED]"},
		"X-Api-Key":           {"[REDACTED]", "[REDACTED]"},
		"Cookie":              {"[REDACTED]"},
		"Accept":              {"application/json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RedactHeader = %v, want %v", got, want)
	}
	if h.Get("Authorization") != "Bearer abc.def.ghi" || h.Get("Cookie") != "a=1; b=2" {
		t.Errorf("RedactHeader modified its argument: %v", h)
	}
	got.Set("Accept", "changed")
	if h.Get("Accept") != "application/json" {
		t.Errorf("RedactHeader result shares value slices with its argument")
	}
	if RedactHeader(nil) != nil {
		t.Errorf("RedactHeader(nil) != nil")
	}
}

func TestRedactHeaderSchemelessToken(t *testing.T) {
	// LaunchDarkly sends the bare token in Authorization; nothing may stay.
	got := RedactHeader(http.Header{"Authorization": {"api-0123456789abcdef"}})
	if v := got.Get("Authorization"); v != "[REDACTED]" {
		t.Errorf("Authorization = %q, want [REDACTED]", v)
	}
	// A "scheme" that cannot be one (too long, odd characters) is hidden too.
	got = RedactHeader(http.Header{"Authorization": {"abc/def+ghi= rest"}})
	if v := got.Get("Authorization"); v != "[REDACTED]" {
		t.Errorf("Authorization = %q, want [REDACTED]", v)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.example.com/v1/items?page=2&limit=10", "https://api.example.com/v1/items?page=2&limit=10"},
		{"https://api.example.com/x?api_key=SECRET&page=2", "https://api.example.com/x?api_key=[REDACTED]&page=2"},
		{"https://api.example.com/x?page=2&access_token=a.b.c&token=t", "https://api.example.com/x?page=2&access_token=[REDACTED]&token=[REDACTED]"},
		{"https://u:p@api.example.com/x", "https://[REDACTED]@api.example.com/x"},
		{"https://tokenonly@api.example.com/x", "https://[REDACTED]@api.example.com/x"},
		{"https://api.example.com/x#access_token=frag", "https://api.example.com/x"},
		{"https://api.example.com/x?a=1;password=hunter2", "https://api.example.com/x?a=1;password=[REDACTED]"},
		{"https://api.example.com/x?api%5Fkey=S&client%5Fsecret=T", "https://api.example.com/x?api%5Fkey=[REDACTED]&client%5Fsecret=[REDACTED]"},
		{"https://api.example.com/x?key", "https://api.example.com/x?key"},
		{"https://api.example.com/x?sig=abc&se=2025", "https://api.example.com/x?sig=[REDACTED]&se=2025"},
		{"/relative/path?apikey=1", "/relative/path?apikey=[REDACTED]"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := RedactURL(nil); got != "" {
		t.Errorf("RedactURL(nil) = %q", got)
	}
}

func TestRedactURLDoesNotModify(t *testing.T) {
	u, _ := url.Parse("https://u:p@h/x?token=1#f")
	before := u.String()
	RedactURL(u)
	if u.String() != before {
		t.Errorf("RedactURL modified its argument: %s", u)
	}
}

func TestRedactError(t *testing.T) {
	u, _ := url.Parse("https://user:hunter22@api.example.com/x?api_key=Q%2BKEY&page=2")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{
		"Authorization": {"Bearer tok-123456"},
		"X-Api-Key":     {"abc"}, // too short to scrub from free text
	}}
	err := &url.Error{Op: "Get", URL: u.String(), Err: errors.New("refused; sent Bearer tok-123456 and key Q+KEY")}
	got := redactError(req, err)
	for _, leak := range []string{"hunter22", "tok-123456", "Q%2BKEY", "Q+KEY"} {
		if contains(got, leak) {
			t.Errorf("redactError leaked %q: %s", leak, got)
		}
	}
	if !contains(got, "page=2") || !contains(got, "refused") {
		t.Errorf("redactError lost context: %s", got)
	}
}
