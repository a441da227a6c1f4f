package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/jsonx"
	"github.com/apigen-go/apigen/runtime/opt"
)

// item decodes like a generated type: id is required, count is not.
type item struct {
	ID    int64
	Count opt.Opt[int64]
}

var requiredItem = []string{"id"}

func (s *item) UnmarshalJSON(b []byte) error { return jsonx.Unmarshal(b, s, decodeItem) }

func decodeItem(d *jsonx.Decoder, s *item) error {
	return jsonx.Object(d, requiredItem, s, readItemMember)
}

func readItemMember(d *jsonx.Decoder, s *item, key []byte) (int, error) {
	switch string(key) {
	case "id":
		return 0, jsonx.Int64(d, &s.ID)
	case "count":
		return jsonx.Optional, jsonx.Opt(d, &s.Count, jsonx.Int64)
	}
	return jsonx.Unknown, nil
}

func serveBody(t *testing.T, status int, ct, body string) *server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		} else {
			w.Header()["Content-Type"] = nil
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// A mistyped member that is not required is left zero, the call succeeds,
// and the issue is logged at debug level and readable from the result.
func TestDecodeToleratesOptionalMismatch(t *testing.T) {
	s := serveBody(t, 200, "application/json", `{"id":7,"count":"many"}`)
	var logs bytes.Buffer
	s.client.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	out := new(item)
	if err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/items/7"), nil), out); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if out.ID != 7 || out.Count.Set {
		t.Errorf("out = %+v, want id 7 and count absent", out)
	}
	issues := jsonx.IssuesOf(out)
	if len(issues) != 1 || issues[0] != (jsonx.Issue{Path: "$.count", Expected: "integer", Raw: `"many"`}) {
		t.Errorf("IssuesOf = %+v", issues)
	}
	for _, want := range []string{"level=DEBUG", "operation=testOp", "status=200", "path=$.count", "expected=integer", `raw="\"many\""`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

// StrictDecoding makes the same response an error naming the operation
// and the member.
func TestDecodeStrict(t *testing.T) {
	s := serveBody(t, 200, "application/json", `{"id":7,"count":"many"}`)
	s.client.StrictDecoding = true
	err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/items/7"), nil), new(item))
	var de *DecodeError
	var ie *jsonx.IssuesError
	if !errors.As(err, &de) || !errors.As(err, &ie) || de.Operation != "testOp" || de.Status != 200 {
		t.Fatalf("err = %#v, want a *DecodeError with the issues", err)
	}
	want := `rest: testOp: decode 200 response: 1 value does not match the schema: $.count: expected integer, got "many"`
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

// A body that is not the JSON promised is an error naming the operation,
// the status and, where it helps, the JSON path or the start of the body.
func TestDecodeErrorsNameOperationAndPath(t *testing.T) {
	for _, tc := range []struct {
		name, ct, body, want string
	}{
		{"required member mistyped", "application/json", `{"id":"7"}`,
			`rest: testOp: decode 200 response: $.id: expected integer, got "7"`},
		{"required member missing", "application/json", `{"count":1}`,
			`rest: testOp: decode 200 response: $.id: required member is missing`},
		{"integer with a fraction", "application/json", `{"id":1.5}`,
			`rest: testOp: decode 200 response: $.id: expected integer, got 1.5`},
		{"truncated", "application/json", `{"id":1,"count":`,
			`rest: testOp: decode 200 response: $: malformed JSON: unexpected EOF (body: "{\"id\":1,\"count\":")`},
		{"not an object", "application/json", `[1]`,
			`rest: testOp: decode 200 response: $: expected object, got [1] (body: "[1]")`},
		{"HTML under a JSON type", "application/json", "<html><body>Bad gateway</body></html>",
			`rest: testOp: decode 200 response: $: malformed JSON: `},
		{"HTML", "text/html; charset=utf-8", "<html><body>Bad gateway</body></html>",
			`rest: testOp: decode 200 response: Content-Type "text/html" is not JSON (body: "<html><body>Bad gateway</body></html>")`},
		{"empty", "application/json", "",
			`rest: testOp: decode 200 response: empty body where JSON was expected`},
		{"whitespace", "application/json", " \n",
			`rest: testOp: decode 200 response: empty body where JSON was expected`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serveBody(t, 200, tc.ct, tc.body)
			out := &item{ID: 99}
			err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/items/7"), nil), out)
			var de *DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tc.want)
			}
			if strings.Contains(tc.name, "HTML") && !strings.Contains(err.Error(), "Bad gateway") {
				t.Errorf("err = %v: no body excerpt", err)
			}
		})
	}
}

// The excerpt of a body is short and printable.
func TestDecodeErrorExcerpt(t *testing.T) {
	body := "\x00\x01" + strings.Repeat("x", 500)
	s := serveBody(t, 200, "text/html", body)
	err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/items/7"), nil), new(item))
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}
	if len(de.Excerpt) != maxBodyExcerpt || !strings.HasPrefix(de.Excerpt, "..xxx") {
		t.Errorf("excerpt = %q (%d bytes)", de.Excerpt, len(de.Excerpt))
	}
}

// DecodeJSON (multi-status operations) names the operation too.
func TestDecodeJSONNamesOperation(t *testing.T) {
	s := serveBody(t, 201, "application/json", `{"id":true}`)
	err := s.client.DoResponse(s.client.NewRequest(context.Background(), op("POST", "/items"), nil), func(resp *http.Response) error {
		return DecodeJSON(resp, new(item))
	})
	if err == nil || err.Error() != "rest: testOp: decode 201 response: $.id: expected integer, got true" {
		t.Fatalf("err = %v", err)
	}
}

// Credential-like values are masked in what a DecodeError quotes: the
// body excerpt (JSON or form text) and the raw value of an issue at a
// credential-like member; other values stay readable.
func TestDecodeErrorMasksCredentialValues(t *testing.T) {
	s := serveBody(t, 200, "text/html", `user=ann&password=s3cr3t-pw&api_key=k-123456`)
	err := s.client.Do(s.client.NewRequest(context.Background(), op("GET", "/items/7"), nil), new(item))
	var de *DecodeError
	if !errors.As(err, &de) || strings.Contains(err.Error(), "s3cr3t-pw") || strings.Contains(err.Error(), "k-123456") ||
		!strings.Contains(de.Excerpt, "user=ann") || de.Status != 200 {
		t.Errorf("err = %v", err)
	}
	for in, want := range map[string]string{
		`$.data.access_token: expected string, got 12345`:                            `$.data.access_token: expected string, got [REDACTED]`,
		`$.password: expected string, got "x; y"; $.n: expected integer, got "many"`: `$.password: expected string, got [REDACTED]; $.n: expected integer, got "many"`,
		`$.count: expected integer, got "many"`:                                      `$.count: expected integer, got "many"`,
	} {
		if got := maskIssueValues(in); got != want {
			t.Errorf("maskIssueValues(%q) = %q, want %q", in, got, want)
		}
	}
}
