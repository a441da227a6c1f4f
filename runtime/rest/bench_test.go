package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/transport"
)

// cannedDoer answers every request with the same JSON body, so that the
// benchmarks measure the client side only.
type cannedDoer struct{ body []byte }

func (d cannedDoer) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(d.body)),
		ContentLength: int64(len(d.body)),
		Request:       req,
	}, nil
}

var benchBody = []byte(`{"id":42,"name":"Rex","tag":"dog"}`)

var benchOp = &transport.Operation{ID: "getPet", Method: "GET", PathTemplate: "/pets/{petId}", Idempotent: true}

func BenchmarkRestGet(b *testing.B) {
	base, _ := url.Parse("https://api.example.com/v2")
	c := &Client{BaseURL: base, HTTP: cannedDoer{benchBody}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r := c.NewRequest(ctx, benchOp, nil)
		r.Path("petId", int64(42), Simple, false)
		r.Query("limit", opt.Some(10), Form, true)
		r.Query("tag", "dog", Form, true)
		var out pet
		if err := c.Do(r, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandWrittenGet(b *testing.B) {
	doer := cannedDoer{benchBody}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		u := "https://api.example.com/v2/pets/" + url.PathEscape(strconv.FormatInt(42, 10)) +
			"?limit=" + strconv.Itoa(10) + "&tag=" + url.QueryEscape("dog")
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := doer.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode/100 != 2 {
			b.Fatal(resp.Status)
		}
		var out pet
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func BenchmarkRestPostJSON(b *testing.B) {
	base, _ := url.Parse("https://api.example.com/v2")
	c := &Client{BaseURL: base, HTTP: cannedDoer{benchBody}}
	op := &transport.Operation{ID: "createPet", Method: "POST", PathTemplate: "/pets"}
	ctx := context.Background()
	in := pet{Name: "Rex", Tag: opt.Some("dog")}
	b.ReportAllocs()
	for b.Loop() {
		r := c.NewRequest(ctx, op, nil)
		r.JSON("", in)
		var out pet
		if err := c.Do(r, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandWrittenPostJSON(b *testing.B) {
	doer := cannedDoer{benchBody}
	ctx := context.Background()
	in := pet{Name: "Rex", Tag: opt.Some("dog")}
	b.ReportAllocs()
	for b.Loop() {
		body, err := json.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.example.com/v2/pets", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := doer.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out pet
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func BenchmarkQueryStyles(b *testing.B) {
	base, _ := url.Parse("https://api.example.com/v2")
	c := &Client{BaseURL: base}
	ctx := context.Background()
	ids := []int64{1, 2, 3}
	filter := map[string]string{"status": "active", "owner": "me"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := c.NewRequest(ctx, benchOp, nil)
		r.Path("petId", fmt.Sprint(i&7), Simple, false)
		r.Query("ids", ids, Form, false)
		r.Query("filter", filter, DeepObject, true)
		if _, err := c.buildURL(r); err != nil {
			b.Fatal(err)
		}
	}
}
