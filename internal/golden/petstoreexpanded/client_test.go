package petstoreexpanded

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
)

// recorded is what the fake server saw of one request.
type recorded struct {
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	Accept      string
	Header      http.Header
	Body        []byte
}

// fakeServer answers every request with handle and records what it saw.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	reqs []recorded
}

func newFakeServer(t *testing.T, handle http.HandlerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("server: read body: %v", err)
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method:      r.Method,
			Path:        r.URL.EscapedPath(),
			RawQuery:    r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"),
			Accept:      r.Header.Get("Accept"),
			Header:      r.Header.Clone(),
			Body:        body,
		})
		f.mu.Unlock()
		handle(w, r)
	}))
	f.srv.Listener.Close()
	f.srv.Listener = ln
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// only returns the single request the server saw.
func (f *fakeServer) only() recorded {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		f.t.Fatalf("server saw %d requests, want 1: %+v", len(f.reqs), f.reqs)
	}
	return f.reqs[0]
}

// all returns every request the server saw, in order.
func (f *fakeServer) all() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// client returns a client for the server: New(srv.URL,
// WithHTTPClient(srv.Client())) plus opts.
func (f *fakeServer) client(opts ...Option) *Client {
	f.t.Helper()
	c, err := New(f.srv.URL, append([]Option{WithHTTPClient(f.srv.Client())}, opts...)...)
	if err != nil {
		f.t.Fatalf("New(%q): %v", f.srv.URL, err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func TestFindPetsSendsTagsAndLimit(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `[{"id":1,"name":"Rex","tag":"a"},{"id":2,"name":"Tom"}]`)
	})
	pets, err := f.client().FindPets(context.Background(), &FindPetsParams{
		Tags:  []string{"a", "b"},
		Limit: opt.Some[int32](2),
	})
	if err != nil {
		t.Fatalf("FindPets: %v", err)
	}
	req := f.only()
	if req.Method != http.MethodGet || req.Path != "/pets" {
		t.Errorf("request = %s %s, want GET /pets", req.Method, req.Path)
	}
	// tags is style form, explode true (the default for form): repeated.
	if want := "tags=a&tags=b&limit=2"; req.RawQuery != want {
		t.Errorf("query = %q, want %q", req.RawQuery, want)
	}
	if req.Accept != "application/json" {
		t.Errorf("Accept = %q, want application/json", req.Accept)
	}
	if len(req.Body) != 0 {
		t.Errorf("GET sent a body: %q", req.Body)
	}
	if len(pets) != 2 {
		t.Fatalf("got %d pets, want 2: %+v", len(pets), pets)
	}
	if pets[0].ID != 1 || pets[0].Name != "Rex" || pets[0].Tag != opt.Some("a") {
		t.Errorf("pets[0] = %+v", pets[0])
	}
	if pets[1].ID != 2 || pets[1].Name != "Tom" || pets[1].Tag.Set {
		t.Errorf("pets[1] = %+v (tag must be absent)", pets[1])
	}
}

func TestFindPetsWithoutParams(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params *FindPetsParams
	}{
		{"nil params", nil},
		{"zero params", &FindPetsParams{}},
		{"empty tags", &FindPetsParams{Tags: []string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, `[]`)
			})
			pets, err := f.client().FindPets(context.Background(), tc.params)
			if err != nil {
				t.Fatalf("FindPets: %v", err)
			}
			if len(pets) != 0 {
				t.Errorf("pets = %+v, want none", pets)
			}
			if req := f.only(); req.RawQuery != "" {
				t.Errorf("query = %q, want none", req.RawQuery)
			}
		})
	}
}

func TestFindPetsEscapesTags(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query()["tags"]; len(got) != 2 || got[0] != "a b&c" || got[1] != "ü/=" {
			t.Errorf("server decoded tags = %q", got)
		}
		writeJSON(w, http.StatusOK, `[]`)
	})
	if _, err := f.client().FindPets(context.Background(), &FindPetsParams{Tags: []string{"a b&c", "ü/="}}); err != nil {
		t.Fatalf("FindPets: %v", err)
	}
	if want := "tags=a%20b%26c&tags=%C3%BC%2F%3D"; f.only().RawQuery != want {
		t.Errorf("query = %q, want %q", f.only().RawQuery, want)
	}
}

func TestAddPetSendsJSONBody(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":42,"name":"Rex","tag":"dog"}`)
	})
	pet, err := f.client().AddPet(context.Background(), &NewPet{Name: "Rex", Tag: opt.Some("dog")})
	if err != nil {
		t.Fatalf("AddPet: %v", err)
	}
	req := f.only()
	if req.Method != http.MethodPost || req.Path != "/pets" {
		t.Errorf("request = %s %s, want POST /pets", req.Method, req.Path)
	}
	if req.RawQuery != "" {
		t.Errorf("query = %q, want none", req.RawQuery)
	}
	if req.ContentType != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", req.ContentType)
	}
	if req.Accept != "application/json" {
		t.Errorf("Accept = %q, want application/json", req.Accept)
	}
	var sent map[string]any
	if err := json.Unmarshal(req.Body, &sent); err != nil {
		t.Fatalf("body %q is not JSON: %v", req.Body, err)
	}
	if len(sent) != 2 || sent["name"] != "Rex" || sent["tag"] != "dog" {
		t.Errorf("body = %s, want {\"name\":\"Rex\",\"tag\":\"dog\"}", req.Body)
	}
	want := Pet{ID: 42, Name: "Rex", Tag: opt.Some("dog")}
	if pet == nil || *pet != want {
		t.Errorf("AddPet = %+v, want %+v", pet, want)
	}
}

func TestAddPetOmitsAbsentTag(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":7,"name":"Tom"}`)
	})
	pet, err := f.client().AddPet(context.Background(), &NewPet{Name: "Tom"})
	if err != nil {
		t.Fatalf("AddPet: %v", err)
	}
	if got := string(f.only().Body); got != `{"name":"Tom"}` {
		t.Errorf("body = %s, want {\"name\":\"Tom\"}", got)
	}
	if pet.ID != 7 || pet.Name != "Tom" || pet.Tag.Set {
		t.Errorf("AddPet = %+v", pet)
	}
}

func TestFindPetByID(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":9007199254740993,"name":"Big","tag":"cat"}`)
	})
	pet, err := f.client().FindPetByID(context.Background(), 9007199254740993)
	if err != nil {
		t.Fatalf("FindPetByID: %v", err)
	}
	req := f.only()
	if req.Method != http.MethodGet || req.Path != "/pets/9007199254740993" {
		t.Errorf("request = %s %s, want GET /pets/9007199254740993", req.Method, req.Path)
	}
	want := Pet{ID: 9007199254740993, Name: "Big", Tag: opt.Some("cat")}
	if pet == nil || *pet != want {
		t.Errorf("FindPetByID = %+v, want %+v", pet, want)
	}
}

func TestFindPetByIDNegative(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":-3,"name":"Neg"}`)
	})
	if _, err := f.client().FindPetByID(context.Background(), -3); err != nil {
		t.Fatalf("FindPetByID: %v", err)
	}
	if req := f.only(); req.Path != "/pets/-3" {
		t.Errorf("path = %q, want /pets/-3", req.Path)
	}
}

func TestDeletePet(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	if err := f.client().DeletePet(context.Background(), 5); err != nil {
		t.Fatalf("DeletePet: %v", err)
	}
	req := f.only()
	if req.Method != http.MethodDelete || req.Path != "/pets/5" {
		t.Errorf("request = %s %s, want DELETE /pets/5", req.Method, req.Path)
	}
	if len(req.Body) != 0 || req.ContentType != "" {
		t.Errorf("DELETE sent a body (%q, Content-Type %q)", req.Body, req.ContentType)
	}
}

func TestErrorModel(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-123")
		writeJSON(w, http.StatusNotFound, `{"code":404,"message":"pet 5 not found"}`)
	})
	pet, err := f.client().FindPetByID(context.Background(), 5)
	if err == nil {
		t.Fatalf("FindPetByID = %+v, want an error", pet)
	}
	if pet != nil {
		t.Errorf("FindPetByID returned %+v with its error, want nil", pet)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("StatusCode = %d, want 404", apiErr.StatusCode)
	}
	if apiErr.Message != "pet 5 not found" {
		t.Errorf("Message = %q, want %q", apiErr.Message, "pet 5 not found")
	}
	if apiErr.Code != "404" {
		t.Errorf("Code = %q, want %q", apiErr.Code, "404")
	}
	if apiErr.Method != http.MethodGet {
		t.Errorf("Method = %q, want GET", apiErr.Method)
	}
	if want := f.srv.URL + "/pets/5"; apiErr.URL != want {
		t.Errorf("URL = %q, want %q", apiErr.URL, want)
	}
	if apiErr.Operation != "find pet by id" {
		t.Errorf("Operation = %q, want the spec's operationId %q", apiErr.Operation, "find pet by id")
	}
	if apiErr.RequestID != "req-123" {
		t.Errorf("RequestID = %q, want req-123", apiErr.RequestID)
	}
	model, ok := apiErr.Model.(*Error)
	if !ok {
		t.Fatalf("Model is %T, want *Error", apiErr.Model)
	}
	if model.Code != 404 || model.Message != "pet 5 not found" {
		t.Errorf("Model = %+v, want {Code:404 Message:pet 5 not found}", *model)
	}
	for _, s := range []string{"404", "pet 5 not found", "/pets/5"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Error() = %q, want it to contain %q", err.Error(), s)
		}
	}
}

// Every operation declares the Error model for its default response, so
// every operation's errors decode into it.
func TestErrorModelEveryOperation(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusInternalServerError, `{"code":500,"message":"boom"}`)
	})
	c := f.client(WithoutRetry())
	ctx := context.Background()
	calls := map[string]func() error{
		"FindPets": func() error {
			_, err := c.FindPets(ctx, &FindPetsParams{Tags: []string{"x"}})
			return err
		},
		"AddPet": func() error {
			_, err := c.AddPet(ctx, &NewPet{Name: "x"})
			return err
		},
		"FindPetByID": func() error {
			_, err := c.FindPetByID(ctx, 1)
			return err
		},
		"DeletePet": func() error { return c.DeletePet(ctx, 1) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T (%v) is not an *APIError", err, err)
			}
			if apiErr.StatusCode != 500 || apiErr.Message != "boom" {
				t.Errorf("StatusCode, Message = %d, %q; want 500, boom", apiErr.StatusCode, apiErr.Message)
			}
			m, ok := apiErr.Model.(*Error)
			if !ok || m.Code != 500 || m.Message != "boom" {
				t.Errorf("Model = %#v, want &Error{Code:500, Message:boom}", apiErr.Model)
			}
		})
	}
	if n := len(f.all()); n != len(calls) {
		t.Errorf("server saw %d requests, want %d (WithoutRetry sends each once)", n, len(calls))
	}
}

// An error body that does not match the model leaves Model nil but keeps
// the status and the raw body.
func TestErrorWithoutModelBody(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "upstream down\n")
	})
	err := f.client(WithoutRetry()).DeletePet(context.Background(), 1)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadGateway {
		t.Errorf("StatusCode = %d, want 502", apiErr.StatusCode)
	}
	if apiErr.Model != nil {
		t.Errorf("Model = %#v, want nil for a text body", apiErr.Model)
	}
	if apiErr.Message != "upstream down" {
		t.Errorf("Message = %q, want %q", apiErr.Message, "upstream down")
	}
	if string(apiErr.Body) != "upstream down\n" {
		t.Errorf("Body = %q", apiErr.Body)
	}
}

// The client keeps a base path: operations are appended to it.
func TestBasePathIsKept(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"id":1,"name":"x"}`)
	})
	c, err := New(f.srv.URL+"/v2", WithHTTPClient(f.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindPetByID(context.Background(), 1); err != nil {
		t.Fatalf("FindPetByID: %v", err)
	}
	if got := f.only().Path; got != "/v2/pets/1" {
		t.Errorf("path = %q, want /v2/pets/1", got)
	}
}

func TestRequestOptions(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("X-Trace"); got != "t1" {
			t.Errorf("X-Trace = %q, want t1", got)
		}
		if got := r.Header.Get("Idempotency-Key"); got != "k1" {
			t.Errorf("Idempotency-Key = %q, want k1", got)
		}
		if got := r.Header.Get("User-Agent"); got != "apigen-test/1" {
			t.Errorf("User-Agent = %q, want apigen-test/1", got)
		}
		writeJSON(w, http.StatusOK, `{"id":1,"name":"x"}`)
	})
	_, err := f.client(WithUserAgent("apigen-test/1")).AddPet(context.Background(), &NewPet{Name: "x"},
		WithHeader("X-Trace", "t1"), WithIdempotencyKey("k1"))
	if err != nil {
		t.Fatalf("AddPet: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/pets/")
		writeJSON(w, http.StatusOK, `{"id":`+id+`,"name":"p`+id+`"}`)
	})
	c := f.client()
	var wg sync.WaitGroup
	for i := int64(1); i <= 16; i++ {
		wg.Go(func() {
			pet, err := c.FindPetByID(context.Background(), i)
			if err != nil {
				t.Errorf("FindPetByID(%d): %v", i, err)
				return
			}
			if pet.ID != i {
				t.Errorf("FindPetByID(%d) = %+v", i, pet)
			}
		})
	}
	wg.Wait()
}

func TestNewRejectsRelativeURL(t *testing.T) {
	if _, err := New("/relative"); err == nil {
		t.Error("New(\"/relative\") succeeded, want an error")
	}
	c, err := New("")
	if err != nil || c == nil {
		t.Fatalf("New(\"\") = %v, %v; want the default server", c, err)
	}
	if DefaultServerURL != "https://petstore.swagger.io/v2" {
		t.Errorf("DefaultServerURL = %q", DefaultServerURL)
	}
}

// The default chain retries idempotent operations (GET, DELETE) on a 5xx,
// up to 3 attempts; a POST is sent once unless it carries an idempotency
// key. The fake clock makes the backoff instant.
func TestDefaultRetry(t *testing.T) {
	newClient := func(f *fakeServer) *Client {
		return f.client(WithClock(clock.NewFake(time.Unix(1700000000, 0))))
	}

	t.Run("GET recovers", func(t *testing.T) {
		var n atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				writeJSON(w, http.StatusInternalServerError, `{"code":500,"message":"flaky"}`)
				return
			}
			writeJSON(w, http.StatusOK, `{"id":1,"name":"Rex"}`)
		})
		pet, err := newClient(f).FindPetByID(context.Background(), 1)
		if err != nil {
			t.Fatalf("FindPetByID: %v", err)
		}
		if pet.Name != "Rex" || len(f.all()) != 3 {
			t.Errorf("pet = %+v after %d requests, want Rex after 3", pet, len(f.all()))
		}
	})

	t.Run("DELETE gives up after 3 attempts", func(t *testing.T) {
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusBadGateway, `{"code":502,"message":"down"}`)
		})
		err := newClient(f).DeletePet(context.Background(), 1)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
			t.Fatalf("err = %v, want a 502 APIError", err)
		}
		if m, ok := apiErr.Model.(*Error); !ok || m.Message != "down" {
			t.Errorf("Model = %#v, want the last response's Error", apiErr.Model)
		}
		if n := len(f.all()); n != 3 {
			t.Errorf("server saw %d requests, want 3", n)
		}
	})

	t.Run("POST is not retried", func(t *testing.T) {
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusInternalServerError, `{"code":500,"message":"boom"}`)
		})
		_, err := newClient(f).AddPet(context.Background(), &NewPet{Name: "x"})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
			t.Fatalf("err = %v, want a 500 APIError", err)
		}
		if n := len(f.all()); n != 1 {
			t.Errorf("server saw %d requests, want 1: a POST may have had its effect", n)
		}
	})

	t.Run("POST with an idempotency key is retried with the same body", func(t *testing.T) {
		var n atomic.Int32
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				writeJSON(w, http.StatusServiceUnavailable, `{"code":503,"message":"busy"}`)
				return
			}
			writeJSON(w, http.StatusOK, `{"id":3,"name":"x"}`)
		})
		pet, err := newClient(f).AddPet(context.Background(), &NewPet{Name: "x"}, WithIdempotencyKey("key-1"))
		if err != nil {
			t.Fatalf("AddPet: %v", err)
		}
		if pet.ID != 3 {
			t.Errorf("pet = %+v", pet)
		}
		reqs := f.all()
		if len(reqs) != 3 {
			t.Fatalf("server saw %d requests, want 3", len(reqs))
		}
		for i, r := range reqs {
			if string(r.Body) != `{"name":"x"}` || r.Header.Get("Idempotency-Key") != "key-1" {
				t.Errorf("attempt %d: body %q, Idempotency-Key %q", i+1, r.Body, r.Header.Get("Idempotency-Key"))
			}
		}
	})

	t.Run("4xx is not retried", func(t *testing.T) {
		f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, `{"code":404,"message":"no"}`)
		})
		if _, err := newClient(f).FindPetByID(context.Background(), 1); err == nil {
			t.Fatal("want an error")
		}
		if n := len(f.all()); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}
	})
}

// The default chain revalidates GETs with If-None-Match and serves a 304
// from its cache; a successful DELETE of the URL drops the entry.
func TestETagRevalidation(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		writeJSON(w, http.StatusOK, `{"id":5,"name":"Cached"}`)
	})
	c := f.client()
	ctx := context.Background()
	for i := range 2 {
		pet, err := c.FindPetByID(ctx, 5)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if pet.ID != 5 || pet.Name != "Cached" {
			t.Errorf("call %d: pet = %+v", i+1, pet)
		}
	}
	if err := c.DeletePet(ctx, 5); err != nil {
		t.Fatalf("DeletePet: %v", err)
	}
	if _, err := c.FindPetByID(ctx, 5); err != nil {
		t.Fatalf("after delete: %v", err)
	}
	reqs := f.all()
	if len(reqs) != 4 {
		t.Fatalf("server saw %d requests, want 4", len(reqs))
	}
	for i, want := range []string{"", `"v1"`, "", ""} {
		if got := reqs[i].Header.Get("If-None-Match"); got != want {
			t.Errorf("request %d (%s %s): If-None-Match = %q, want %q", i+1, reqs[i].Method, reqs[i].Path, got, want)
		}
	}

	// WithoutCache sends no conditional requests.
	f2 := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			t.Errorf("WithoutCache sent If-None-Match %q", inm)
		}
		w.Header().Set("ETag", `"v1"`)
		writeJSON(w, http.StatusOK, `{"id":5,"name":"x"}`)
	})
	c2 := f2.client(WithoutCache())
	for range 2 {
		if _, err := c2.FindPetByID(ctx, 5); err != nil {
			t.Fatal(err)
		}
	}
}

// The default chain asks for gzip and decodes it.
func TestGzipResponse(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, `[{"id":1,"name":"Zipped"}]`)
		zw.Close()
	})
	pets, err := f.client().FindPets(context.Background(), nil)
	if err != nil {
		t.Fatalf("FindPets: %v", err)
	}
	if len(pets) != 1 || pets[0].Name != "Zipped" {
		t.Errorf("pets = %+v", pets)
	}
}
