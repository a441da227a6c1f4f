package apierror_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/secret"
)

func response(status int, ct string, hdr ...string) *http.Response {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Add(hdr[i], hdr[i+1])
	}
	u, _ := url.Parse("https://user:pw@api.example.com/v1/pets/7?api_key=SECRETKEY&x=1#frag")
	return &http.Response{
		StatusCode: status,
		Header:     h,
		Request:    &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{"Authorization": {"Bearer SECRETTOKEN"}}},
	}
}

func TestNewFillsRequestAndHeaders(t *testing.T) {
	resp := response(404, "application/json",
		"Set-Cookie", "session=SECRETCOOKIE", "X-Request-Id", "req-1", "X-Api-Key", "SECRETKEY")
	e := apierror.New(resp, []byte(`{"message":"not found"}`), nil, nil)
	if e.StatusCode != 404 || e.Method != "GET" {
		t.Errorf("status/method = %d %s", e.StatusCode, e.Method)
	}
	if e.URL != "https://api.example.com/v1/pets/7" {
		t.Errorf("URL = %q (query, fragment and user info must be dropped)", e.URL)
	}
	if e.RequestID != "req-1" {
		t.Errorf("RequestID = %q", e.RequestID)
	}
	if got := e.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != secret.Redacted {
		t.Errorf("Set-Cookie = %v, want redacted", got)
	}
	if resp.Header.Get("Set-Cookie") != "session=SECRETCOOKIE" {
		t.Error("New modified the response's own headers")
	}
	msg := e.Error()
	for _, leak := range []string{"SECRET", "api_key", "pw@", "frag", "req-1"} {
		if strings.Contains(msg, leak) {
			t.Errorf("Error() = %q contains %q", msg, leak)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		e    *apierror.APIError
		want string
	}{
		{"full", &apierror.APIError{
			Operation: "getPet", Method: "GET", URL: "https://h/api/pets/1", StatusCode: 422,
			Code: "invalid", Message: "Validation failed",
			FieldErrors: []apierror.FieldError{{Field: "name", Message: "required", Value: "SECRETVALUE"}, {Field: "age"}, {Message: "general"}},
		}, "getPet: GET https://h/api/pets/1: 422 invalid: Validation failed (name: required; age: invalid; general)"},
		{"status text when no code or message", &apierror.APIError{Method: "DELETE", URL: "https://h/x", StatusCode: 404},
			"DELETE https://h/x: 404 Not Found"},
		{"message only", &apierror.APIError{Operation: "op", StatusCode: 500, Message: "boom"}, "op: 500: boom"},
		{"code only", &apierror.APIError{StatusCode: 400, Code: "E42"}, "400 E42"},
		{"query stripped even if set by hand", &apierror.APIError{Method: "GET", URL: "https://h/x?token=SECRET#f", StatusCode: 401, Message: "no"},
			"GET https://h/x: 401: no"},
		{"user info stripped", &apierror.APIError{Method: "GET", URL: "https://u:SECRET@h/x", StatusCode: 401, Message: "no"},
			"GET https://h/x: 401: no"},
		{"multi-line message kept on one line", &apierror.APIError{StatusCode: 500, Message: "line one\n  line two\r\n"},
			"500: line one line two"},
		{"first error promoted to message is not repeated", &apierror.APIError{StatusCode: 400, Message: "bad",
			FieldErrors: []apierror.FieldError{{Message: "bad"}, {Field: "f", Message: "x"}}}, "400: bad (f: x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Error(); got != tt.want {
				t.Errorf("Error() =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
	var nilErr *apierror.APIError
	if nilErr.Error() != "<nil>" {
		t.Error("nil receiver")
	}
}

func TestErrorCapsFieldErrors(t *testing.T) {
	e := &apierror.APIError{StatusCode: 400}
	for i := range 15 {
		e.FieldErrors = append(e.FieldErrors, apierror.FieldError{Field: fmt.Sprint("f", i), Message: "bad"})
	}
	got := e.Error()
	if !strings.HasSuffix(got, "; and 5 more)") || strings.Contains(got, "f10") {
		t.Errorf("Error() = %q", got)
	}
	e = &apierror.APIError{StatusCode: 400, Message: strings.Repeat("é", 2000)}
	if n := len(e.Error()); n > 1100 {
		t.Errorf("Error() is %d bytes", n)
	}
}

func TestEnvelopeExtraction(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	tests := []struct {
		name      string
		env       *apierror.Envelope
		ct        string
		body      string
		code, msg string
		fields    []apierror.FieldError
		requestID string
	}{
		{
			name: "explicit dotted paths",
			env: &apierror.Envelope{Code: "error.code", Message: "error.message", FieldErrors: "error.details",
				FieldName: "target", FieldMessage: "info.text", Value: "got"},
			body: `{"error":{"code":"E_VALIDATION","message":"Invalid input","details":[{"target":"email","info":{"text":"bad format"},"got":"x@"},{"target":"age","info":{"text":"too low"},"got":-1}]}}`,
			code: "E_VALIDATION", msg: "Invalid input",
			fields: []apierror.FieldError{{"email", "bad format", "x@"}, {"age", "too low", num("-1")}},
		},
		{
			name: "common names: numeric code, errors list of objects",
			body: `{"code":4001,"message":"Bad request","errors":[{"field":"name","message":"is required","value":""},{"field":"tags","message":"too many","value":["a","b"]}]}`,
			code: "4001", msg: "Bad request",
			fields: []apierror.FieldError{{"name", "is required", ""}, {"tags", "too many", []any{"a", "b"}}},
		},
		{
			name: "code number with exponent and fraction",
			body: `{"code":1e3,"message":"m"}`, code: "1000", msg: "m",
		},
		{
			name: "code number with fraction",
			body: `{"code":40.0,"message":"m"}`, code: "40", msg: "m",
		},
		{
			name: "huge integer code kept as written",
			body: `{"code":123456789012345678901234567890,"message":"m"}`, code: "123456789012345678901234567890", msg: "m",
		},
		{
			name: "explicit path that finds nothing falls back",
			env:  &apierror.Envelope{Code: "err.c", Message: "err.m"},
			body: `{"code":"X","message":"fallback"}`, code: "X", msg: "fallback",
		},
		{
			name: "key containing a dot",
			env:  &apierror.Envelope{Code: "error.code"},
			body: `{"error.code":"DOTTED","error":{"code":"NESTED"}}`, code: "DOTTED",
		},
		{
			name: "array index in path",
			env:  &apierror.Envelope{Message: "errors.1.message"},
			body: `{"errors":[{"message":"first"},{"message":"second"}]}`, msg: "second",
			fields: []apierror.FieldError{{Message: "first"}, {Message: "second"}},
		},
		{
			name: "OAuth 2 error",
			body: `{"error":"invalid_grant","error_description":"Refresh token expired"}`,
			code: "invalid_grant", msg: "Refresh token expired",
		},
		{
			name: "error string alone is the message",
			body: `{"error":"Something went wrong"}`, msg: "Something went wrong",
		},
		{
			name: "NestJS: message array, error phrase is not a code",
			body: `{"statusCode":400,"message":["email must be an email","name should not be empty"],"error":"Bad Request"}`,
			msg:  "email must be an email; name should not be empty",
		},
		{
			name: "Stripe",
			body: `{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined.","param":"number","request_id":"req_body"}}`,
			code: "card_declined", msg: "Your card was declined.", requestID: "req_body",
		},
		{
			name: "RFC 7807 problem with invalid-params",
			ct:   "application/problem+json",
			body: `{"type":"https://example.net/validation","title":"Your request is not valid.","detail":"2 fields","invalid-params":[{"name":"age","reason":"must be a positive integer"},{"name":"color","reason":"must be 'green', 'red' or 'blue'"}]}`,
			msg:  "2 fields",
			fields: []apierror.FieldError{
				{Field: "age", Message: "must be a positive integer"},
				{Field: "color", Message: "must be 'green', 'red' or 'blue'"},
			},
		},
		{
			name: "FastAPI detail list with loc",
			body: `{"detail":[{"loc":["body","email"],"msg":"field required","type":"value_error.missing","input":null},{"loc":["query","limit",0],"msg":"too big","input":500}]}`,
			fields: []apierror.FieldError{
				{Field: "body.email", Message: "field required"},
				{Field: "query.limit.0", Message: "too big", Value: num("500")},
			},
		},
		{
			name:   "JSON:API errors with source pointer",
			body:   `{"errors":[{"status":"422","source":{"pointer":"/data/attributes/firstName"},"title":"Invalid Attribute","detail":"First name must contain at least two characters."}]}`,
			fields: []apierror.FieldError{{Field: "/data/attributes/firstName", Message: "First name must contain at least two characters."}},
		},
		{
			name: "map field → messages (Rails)",
			body: `{"message":"Validation failed","errors":{"name":"can't be blank","email":["is invalid","has already been taken"]}}`,
			msg:  "Validation failed",
			fields: []apierror.FieldError{
				{Field: "email", Message: "is invalid"},
				{Field: "email", Message: "has already been taken"},
				{Field: "name", Message: "can't be blank"},
			},
		},
		{
			name: "map field → object",
			env:  &apierror.Envelope{FieldErrors: "validation", FieldMessage: "text", Value: "given"},
			body: `{"validation":{"b":{"text":"B bad","given":2},"a":[{"text":"A bad","given":true}]}}`,
			fields: []apierror.FieldError{
				{Field: "a", Message: "A bad", Value: true},
				{Field: "b", Message: "B bad", Value: num("2")},
			},
		},
		{
			name:   "errors list of strings: first becomes the message",
			body:   `{"errors":["Name is required","Age is invalid"]}`,
			msg:    "Name is required",
			fields: []apierror.FieldError{{Message: "Name is required"}, {Message: "Age is invalid"}},
		},
		{
			name:   "top-level array",
			body:   `[{"field":"a","message":"bad"}]`,
			fields: []apierror.FieldError{{Field: "a", Message: "bad"}},
		},
		{
			name: "text/plain body is the message (first line)",
			ct:   "text/plain; charset=utf-8",
			body: "upstream timed out\nstack trace...", msg: "upstream timed out",
		},
		{name: "HTML body gives no message", ct: "text/html", body: "<html><body>Bad gateway</body></html>"},
		{name: "invalid JSON gives nothing", ct: "application/json", body: `{"message":`},
		{name: "empty body", ct: "application/json", body: ""},
		{name: "JSON scalar body", ct: "application/json", body: `"just a string"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.ct
			if ct == "" {
				ct = "application/json"
			}
			e := apierror.New(response(400, ct), []byte(tt.body), tt.env, nil)
			if e.Code != tt.code {
				t.Errorf("Code = %q, want %q", e.Code, tt.code)
			}
			if e.Message != tt.msg {
				t.Errorf("Message = %q, want %q", e.Message, tt.msg)
			}
			if len(e.FieldErrors) != 0 || len(tt.fields) != 0 {
				if !reflect.DeepEqual(e.FieldErrors, tt.fields) {
					t.Errorf("FieldErrors =\n %#v\nwant\n %#v", e.FieldErrors, tt.fields)
				}
			}
			if e.RequestID != tt.requestID {
				t.Errorf("RequestID = %q, want %q", e.RequestID, tt.requestID)
			}
			if string(e.Body) != tt.body {
				t.Errorf("Body = %q", e.Body)
			}
		})
	}
}

func TestRequestIDHeaders(t *testing.T) {
	tests := []struct {
		hdr  []string
		env  *apierror.Envelope
		want string
	}{
		{[]string{"X-Request-ID", "a"}, nil, "a"},
		{[]string{"Request-Id", "b"}, nil, "b"},
		{[]string{"X-Correlation-Id", "c"}, nil, "c"},
		{[]string{"X-Request-Id", "generic", "X-Acme-Trace", "custom"}, &apierror.Envelope{RequestIDHeaders: []string{"X-Acme-Trace"}}, "custom"},
		{[]string{"X-Request-Id", "generic"}, &apierror.Envelope{RequestIDHeaders: []string{"X-Acme-Trace"}}, "generic"},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		e := apierror.New(response(500, "", tt.hdr...), nil, tt.env, nil)
		if e.RequestID != tt.want {
			t.Errorf("headers %v: RequestID = %q, want %q", tt.hdr, e.RequestID, tt.want)
		}
	}
}

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
}

func TestModel(t *testing.T) {
	body := []byte(`{"title":"Gone","status":410}`)
	e := apierror.New(response(410, "application/json"), body, nil, &problem{})
	p, ok := e.Model.(*problem)
	if !ok || p.Title != "Gone" || p.Status != 410 {
		t.Errorf("Model = %#v", e.Model)
	}
	if e.Message != "Gone" {
		t.Errorf("Message = %q", e.Message)
	}

	e = apierror.New(response(502, "text/html"), []byte("<html>"), nil, &problem{})
	if e.Model != nil {
		t.Errorf("Model for an undecodable body = %#v, want nil", e.Model)
	}
	e = apierror.New(response(500, "application/json"), nil, nil, &problem{})
	if e.Model != nil {
		t.Errorf("Model for an empty body = %#v, want nil", e.Model)
	}
}

func TestBodyCappedAtMaxBody(t *testing.T) {
	big := []byte(`{"message":"` + strings.Repeat("x", apierror.MaxBody*2) + `"}`)
	e := apierror.New(response(500, "application/json"), big, nil, nil)
	if len(e.Body) != apierror.MaxBody {
		t.Errorf("len(Body) = %d, want %d", len(e.Body), apierror.MaxBody)
	}
}

func TestNilResponseAndEnvelope(t *testing.T) {
	e := apierror.New(nil, []byte(`{"message":"m"}`), nil, nil)
	if e.StatusCode != 0 || e.Message != "m" || e.Header != nil {
		t.Errorf("got %#v", e)
	}
}

func TestErrorsAsThroughWrapping(t *testing.T) {
	var err error = apierror.New(response(409, "application/json"), []byte(`{"code":"conflict","message":"exists"}`), nil, nil)
	err = fmt.Errorf("create pet: %w", err)
	err = fmt.Errorf("sync: %w", err)
	var apiErr *apierror.APIError
	if !errors.As(err, &apiErr) {
		t.Fatal("errors.As failed through two fmt.Errorf wraps")
	}
	if apiErr.StatusCode != 409 || apiErr.Code != "conflict" {
		t.Errorf("got %#v", apiErr)
	}
	if !strings.Contains(err.Error(), "409 conflict: exists") {
		t.Errorf("Error() = %q", err.Error())
	}
	joined := errors.Join(errors.New("other"), apiErr)
	if !errors.As(joined, &apiErr) {
		t.Error("errors.As failed through errors.Join")
	}
}

func TestStripURL(t *testing.T) {
	u, _ := url.Parse("https://a:b@h:8443/p%2Fq/r?x=1#f")
	if got := apierror.StripURL(u); got != "https://h:8443/p%2Fq/r" {
		t.Errorf("StripURL = %q", got)
	}
	if apierror.StripURL(nil) != "" {
		t.Error("StripURL(nil)")
	}
}
