package chain

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/apigen-go/apigen/internal/bench/benchpets"
	"github.com/apigen-go/apigen/internal/bench/jxproto"
	"github.com/apigen-go/apigen/runtime/httpcache"
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/transport"
)

// jxClient is apigen_bare with the hand-written jxproto decoder in place
// of the generated one: the generated FindPets method and bare chain (gzip
// only, what New builds with WithoutRetry, WithoutRateLimit, WithoutCache
// and no credentials), the decoder plugged into runtime/rest through
// rest.DecodeFunc. Client variant apigen_bare_jx, the yardstick for the
// generated decoders.
type jxClient struct{ rest rest.Client }

var opFindPets = transport.Operation{
	ID:           "findPets",
	Idempotent:   true,
	Method:       "GET",
	PathTemplate: "/pets",
	Security:     [][]string{{"oauth"}},
}

func newJXClient(tb testing.TB, server string, hc *http.Client) *jxClient {
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	h := *hc
	h.Transport = transport.Chain(hc.Transport, httpcache.Gzip())
	return &jxClient{rest: rest.Client{BaseURL: u, HTTP: &h}}
}

func (c *jxClient) FindPets(ctx context.Context, params *benchpets.FindPetsParams, opts ...rest.RequestOption) ([]benchpets.Pet, error) {
	r := c.rest.NewRequest(ctx, &opFindPets, opts)
	if params != nil {
		r.Query("tags", params.Tags, rest.Form, true)
		r.Query("limit", params.Limit, rest.Form, true)
	}
	r.ErrorModel(func(status int) any {
		return new(benchpets.Error)
	})
	var out []benchpets.Pet
	err := c.rest.Do(r, rest.DecodeFunc(func(data []byte) error { return jxproto.DecodePets(data, &out) }))
	return out, err
}
