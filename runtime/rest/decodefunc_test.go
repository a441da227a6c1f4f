package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// respDoer answers with a fixed status, content type and body, and
// records the last request.
type respDoer struct {
	status int
	ct     string
	body   string
	last   *http.Request
}

func (d *respDoer) Do(req *http.Request) (*http.Response, error) {
	d.last = req
	h := http.Header{}
	if d.ct != "" {
		h.Set("Content-Type", d.ct)
	}
	return &http.Response{
		StatusCode:    d.status,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(d.body)),
		ContentLength: int64(len(d.body)),
		Request:       req,
	}, nil
}

func TestDecodeFunc(t *testing.T) {
	base, _ := url.Parse("https://api.example.com/v2")
	ctx := context.Background()
	run := func(d *respDoer, out any) error {
		c := &Client{BaseURL: base, HTTP: d}
		r := c.NewRequest(ctx, benchOp, nil)
		r.Path("petId", 1, Simple, false)
		return c.Do(r, out)
	}

	// A JSON body reaches the function, with the Accept header sent.
	d := &respDoer{status: 200, ct: "application/json", body: `{"id":1}`}
	var got []byte
	if err := run(d, DecodeFunc(func(b []byte) error { got = bytes.Clone(b); return nil })); err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"id":1}` {
		t.Errorf("decoder saw %q", got)
	}
	if a := d.last.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}

	// Its error is wrapped.
	boom := errors.New("boom")
	if err := run(d, DecodeFunc(func([]byte) error { return boom })); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "rest: getPet: decode 200 response: boom") {
		t.Errorf("err = %v", err)
	}

	// Empty and 204 bodies do not call it; a nil DecodeFunc discards.
	called := false
	f := DecodeFunc(func([]byte) error { called = true; return nil })
	for _, d := range []*respDoer{{status: 204, ct: "application/json"}, {status: 205, ct: "application/json", body: ""}} {
		if err := run(d, f); err != nil || called {
			t.Errorf("status %d: err %v, called %v", d.status, err, called)
		}
	}
	if err := run(&respDoer{status: 200, ct: "application/json", body: `{}`}, DecodeFunc(nil)); err != nil {
		t.Error(err)
	}

	// Content types follow Do's rules: HTML is refused, untyped JSON sniffed.
	if err := run(&respDoer{status: 200, ct: "text/html", body: `<p>`}, f); err == nil || called {
		t.Errorf("text/html: err %v, called %v", err, called)
	}
	if err := run(&respDoer{status: 200, body: `[1]`}, f); err != nil || !called {
		t.Errorf("untyped JSON: err %v, called %v", err, called)
	}

	// Non-2xx is still an *APIError, never handed to the decoder.
	called = false
	if err := run(&respDoer{status: 500, ct: "application/json", body: `{}`}, f); err == nil || called {
		t.Errorf("500: err %v, called %v", err, called)
	}
}
