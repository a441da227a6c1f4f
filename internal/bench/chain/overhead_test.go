package chain

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/bodies"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// canned is an in-memory base transport: the token endpoint and the pets
// list answered without a network, so that BenchmarkOverhead measures the
// client side alone.
type canned struct{ token, pets []byte }

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	body := c.pets
	if strings.HasSuffix(req.URL.Path, "/oauth/token") {
		body = c.token
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// BenchmarkOverhead/client={raw,apigen_bare,apigen_full,apigen_bare_jx}: one list100
// call over an in-memory transport, so that the figures are the client's
// own cost (request building, middleware chain, decoding) without the
// loopback server's. apigen_full − apigen_bare is the chain's cost.
func BenchmarkOverhead(b *testing.B) {
	tr := &canned{
		token: []byte(`{"access_token":"bench-token","token_type":"Bearer","expires_in":3600}`),
		pets:  bodies.Pets(100),
	}
	hc := &http.Client{Transport: tr}
	ctx := context.Background()
	const base = "http://api.bench.example/v1"
	b.Run("client=raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rawFind(ctx, hc, base, 100); err != nil {
				b.Fatal(err)
			}
		}
	})
	bare, err := benchpets.New(base, benchpets.WithHTTPClient(hc),
		benchpets.WithoutRetry(), benchpets.WithoutRateLimit(), benchpets.WithoutCache(), benchpets.WithoutAuth())
	if err != nil {
		b.Fatal(err)
	}
	full, err := benchpets.New(base,
		benchpets.WithHTTPClient(hc),
		benchpets.WithCredentials(benchpets.Credentials{ClientID: "bench", ClientSecret: secret.New("s3cret")}),
		benchpets.WithInsecureHTTP(),
		benchpets.WithRateLimiter(ampleLimiter(b)),
		benchpets.WithLogger(slogDiscard()),
	)
	if err != nil {
		b.Fatal(err)
	}
	params := &benchpets.FindPetsParams{Limit: opt.Some(int32(100))}
	for _, v := range []struct {
		name string
		c    interface {
			FindPets(context.Context, *benchpets.FindPetsParams, ...benchpets.RequestOption) ([]benchpets.Pet, error)
		}
	}{{"apigen_bare", bare}, {"apigen_full", full}, {"apigen_bare_jx", newJXClient(b, base, hc)}} {
		b.Run("client="+v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.c.FindPets(ctx, params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
