package chain

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/httpcache"
	"github.com/apigen-go/apigen/runtime/logging"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// staticToken is a TokenSource with one token that never expires.
type staticToken struct{ tok *auth.Token }

func (s staticToken) Token(context.Context) (*auth.Token, error) { return s.tok, nil }

// BenchmarkMiddleware/mw=<name>: one round trip through a single
// middleware of the generated chain over the in-memory transport, the
// response body read and closed. mw=none is the baseline; each other
// figure minus it is that middleware's cost per request.
func BenchmarkMiddleware(b *testing.B) {
	tr := &canned{pets: []byte(`[{"id":1,"name":"Rex"}]`)}
	limiter, err := ratelimit.New(ratelimit.Config{Windows: []ratelimit.Window{
		{Limit: 1_000_000, Per: time.Second},
		{Limit: 10_000_000, Per: 24 * time.Hour},
	}})
	if err != nil {
		b.Fatal(err)
	}
	at := &auth.Transport{Source: staticToken{&auth.Token{AccessToken: secret.New("tok"), TokenType: "Bearer"}}, AllowInsecureHTTP: true}
	mws := []struct {
		name string
		mw   transport.Middleware
	}{
		{"none", nil},
		{"retry", retry.Middleware(retry.Policy{})},
		{"logging", logging.Middleware(slogDiscard(), slog.LevelInfo)},
		{"ratelimit", ratelimit.Middleware(limiter)},
		{"auth", auth.Select(auth.Scheme{Key: "oauth", Middleware: at.Middleware()})},
		{"etag", httpcache.ETag(&httpcache.Cache{})},
		{"gzip", httpcache.Gzip()},
	}
	ctx := transport.WithOperation(context.Background(), &opFindPets)
	for _, m := range mws {
		b.Run("mw="+m.name, func(b *testing.B) {
			rt := transport.Chain(tr, m.mw)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.bench.example/v1/pets?limit=1", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Accept", "application/json")
			b.ReportAllocs()
			for b.Loop() {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
