// Package chain benchmarks one API call end to end against a loopback
// httptest server: hand-written net/http + encoding/json (raw, the
// baseline), apigen's generated client with its middleware chain switched
// off (apigen_bare) and fully on (apigen_full: OAuth2 token cache, a rate
// limiter with ample budget, retry, logging at Info into a discarding
// handler, ETag cache, gzip), and oapi-codegen's client for the same API
// (internal/wire/oapipetstore). apigen_bare_jx is apigen_bare with the
// hand-written decoder of internal/bench/jxproto instead of the generated
// one (jx_test.go).
//
//	go test -run '^$' -bench . -benchmem -count 5 ./internal/bench/chain/
//
// The server and the client share the process and its two cores, so every
// figure includes the server's cost; compare ratios within one run.
package chain

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/bodies"
	"github.com/apigen-go/apigen/internal/wire/oapipetstore"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
)

// Sizes: a list call returning 100 pets, and one returning about 1 MB.
var sizes = []struct {
	name string
	n    int32
}{
	{"list100", 100},
	{"1MB", 16500},
}

// server answers /oauth/token with a one-hour token and /v1/pets with
// pre-rendered bodies keyed by the limit parameter.
type server struct {
	*httptest.Server
	bodies       map[string][]byte
	tokenFetch   atomic.Int64
	unauthorized atomic.Int64
}

func newServer(tb testing.TB) *server {
	s := &server{bodies: map[string][]byte{}}
	for _, sz := range sizes {
		s.bodies[strconv.Itoa(int(sz.n))] = bodies.Pets(int(sz.n))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		s.tokenFetch.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"bench-token","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("GET /v1/pets", func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" && a != "Bearer bench-token" {
			s.unauthorized.Add(1)
			http.Error(w, `{"code":401,"message":"bad token"}`, http.StatusUnauthorized)
			return
		}
		body, ok := s.bodies[r.URL.Query().Get("limit")]
		if !ok {
			http.Error(w, `{"code":400,"message":"bad limit"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	s.Server = httptest.NewServer(mux)
	tb.Cleanup(s.Close)
	return s
}

// httpClient is what every variant sends with: one keep-alive transport
// with enough idle connections for the loopback server.
func httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr}
}

// rawPet is the hand-written shape of a pet.
type rawPet struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Tag  *string `json:"tag,omitempty"`
}

// rawFind is what a careful hand-written client does: build the URL, set
// Accept, check the status, decode, drain and close.
func rawFind(ctx context.Context, hc *http.Client, base string, limit int32) ([]rawPet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/pets?limit="+strconv.Itoa(int(limit)), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var out []rawPet
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	return out, nil
}

// discard is a slog handler that is enabled at Info and drops records, so
// that the logging middleware does all its work except the I/O.
type discard struct{}

func (discard) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (discard) Handle(context.Context, slog.Record) error    { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler         { return d }
func (d discard) WithGroup(string) slog.Handler              { return d }

// slogDiscard logs at Info into discard.
func slogDiscard() *slog.Logger { return slog.New(discard{}) }

func bareClient(tb testing.TB, s *server) *benchpets.Client {
	c, err := benchpets.New(s.URL+"/v1", benchpets.WithHTTPClient(httpClient()),
		benchpets.WithoutRetry(), benchpets.WithoutRateLimit(), benchpets.WithoutCache(), benchpets.WithoutAuth())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ampleLimiter never makes a request wait: RAYNET-like windows scaled far
// beyond what a benchmark sends.
func ampleLimiter(tb testing.TB) ratelimit.Limiter {
	l, err := ratelimit.New(ratelimit.Config{Windows: []ratelimit.Window{
		{Limit: 1_000_000, Per: time.Second},
		{Limit: 10_000_000, Per: 24 * time.Hour},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func fullClient(tb testing.TB, s *server) *benchpets.Client {
	c, err := benchpets.New(s.URL+"/v1",
		benchpets.WithHTTPClient(httpClient()),
		benchpets.WithCredentials(benchpets.Credentials{ClientID: "bench", ClientSecret: secret.New("s3cret")}),
		benchpets.WithInsecureHTTP(),
		benchpets.WithRateLimiter(ampleLimiter(tb)),
		benchpets.WithLogger(slogDiscard()),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func oapiClient(tb testing.TB, s *server) *oapipetstore.ClientWithResponses {
	c, err := oapipetstore.NewClientWithResponses(s.URL+"/v1", oapipetstore.WithHTTPClient(httpClient()))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestVariantsAgree checks that every variant decodes the same pets, and
// that the full chain fetched exactly one token.
func TestVariantsAgree(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	bare, full, oapi := bareClient(t, s), fullClient(t, s), oapiClient(t, s)
	for _, sz := range sizes {
		raw, err := rawFind(ctx, httpClient(), s.URL+"/v1", sz.n)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*benchpets.Client{"bare": bare, "full": full} {
			for range 3 {
				got, err := c.FindPets(ctx, &benchpets.FindPetsParams{Limit: opt.Some(sz.n)})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(got) != len(raw) {
					t.Fatalf("%s: %d pets, raw %d", name, len(got), len(raw))
				}
				for i := range got {
					if got[i].ID != raw[i].ID || got[i].Name != raw[i].Name || got[i].Tag.Set != (raw[i].Tag != nil) {
						t.Fatalf("%s: pet %d = %+v, raw %+v", name, i, got[i], raw[i])
					}
				}
			}
		}
		jx, err := newJXClient(t, s.URL+"/v1", httpClient()).FindPets(ctx, &benchpets.FindPetsParams{Limit: opt.Some(sz.n)})
		if err != nil || len(jx) != len(raw) || jx[1].Name != raw[1].Name || jx[0].Tag.Value != *raw[0].Tag {
			t.Fatalf("apigen_bare_jx: %v", err)
		}
		o, err := oapi.FindPetsWithResponse(ctx, &oapipetstore.FindPetsParams{Limit: &sz.n})
		if err != nil || o.JSON200 == nil || len(*o.JSON200) != len(raw) {
			t.Fatalf("oapi-codegen: %v", err)
		}
		if len(raw) != int(sz.n) {
			t.Fatalf("raw: %d pets, want %d", len(raw), sz.n)
		}
	}
	if n := s.tokenFetch.Load(); n != 1 {
		t.Errorf("token fetched %d times, want 1", n)
	}
	if n := s.unauthorized.Load(); n != 0 {
		t.Errorf("%d unauthorized requests", n)
	}
}

// BenchmarkChain/size=<size>/client={raw,apigen_bare,apigen_full,apigen_bare_jx,oapicodegen}.
func BenchmarkChain(b *testing.B) {
	s := newServer(b)
	ctx := context.Background()
	base := s.URL + "/v1"
	for _, sz := range sizes {
		b.Run("size="+sz.name, func(b *testing.B) {

			b.Run("client=raw", func(b *testing.B) {
				hc := httpClient()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rawFind(ctx, hc, base, sz.n); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, v := range []struct {
				name string
				new  func(testing.TB, *server) *benchpets.Client
			}{{"apigen_bare", bareClient}, {"apigen_full", fullClient}} {
				b.Run("client="+v.name, func(b *testing.B) {
					c := v.new(b, s)
					params := &benchpets.FindPetsParams{Limit: opt.Some(sz.n)}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := c.FindPets(ctx, params); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("client=apigen_bare_jx", func(b *testing.B) {
				c := newJXClient(b, base, httpClient())
				params := &benchpets.FindPetsParams{Limit: opt.Some(sz.n)}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.FindPets(ctx, params); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("client=oapicodegen", func(b *testing.B) {
				c := oapiClient(b, s)
				params := &oapipetstore.FindPetsParams{Limit: &sz.n}
				b.ReportAllocs()
				for b.Loop() {
					r, err := c.FindPetsWithResponse(ctx, params)
					if err != nil {
						b.Fatal(err)
					}
					if r.JSON200 == nil {
						b.Fatal(r.Status())
					}
				}
			})
		})
	}
}
