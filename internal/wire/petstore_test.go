package wire

import (
	"context"
	"net/http"
	"testing"

	ours "github.com/apigen-go/apigen/internal/golden/petstore"
	theirs "github.com/apigen-go/apigen/internal/wire/oapipetstorebasic"
	"github.com/apigen-go/apigen/runtime/opt"
)

// petstoreRespond answers petstore.yaml requests.
func petstoreRespond(r *http.Request) (int, string) {
	switch {
	case r.Method == http.MethodPost:
		return http.StatusCreated, ""
	case r.URL.Path == "/pets":
		return http.StatusOK, `[{"id":1,"name":"Rex"}]`
	default:
		return http.StatusOK, `{"id":1,"name":"Rex","tag":"dog"}`
	}
}

// TestWirePetstore compares apigen's golden petstore client with
// oapi-codegen's on all three operations of petstore.yaml.
func TestWirePetstore(t *testing.T) {
	type c = wireCase[*ours.Client, *theirs.Client]
	p := pair[*ours.Client, *theirs.Client]{
		ours: func(t *testing.T, url string) *ours.Client {
			c, err := ours.New(url, ours.WithoutRetry(), ours.WithoutCache(), ours.WithoutRateLimit())
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		theirs: func(t *testing.T, url string) *theirs.Client {
			c, err := theirs.NewClient(url)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
	}
	runWireCases(t, p, nil, petstoreRespond, []c{
		{
			name: "listPets/limit",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.ListPets(ctx, &ours.ListPetsParams{Limit: opt.Some[int32](20)})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.ListPets(ctx, &theirs.ListPetsParams{Limit: ptr[int32](20)})
			},
		},
		{
			// A zero limit is set, so both send limit=0.
			name: "listPets/limit-zero",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.ListPets(ctx, &ours.ListPetsParams{Limit: opt.Some[int32](0)})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.ListPets(ctx, &theirs.ListPetsParams{Limit: ptr[int32](0)})
			},
		},
		{
			name: "listPets/no-params",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.ListPets(ctx, nil)
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.ListPets(ctx, nil)
			},
		},
		{
			name: "createPets/json-body",
			ours: func(ctx context.Context, cl *ours.Client) error {
				return cl.CreatePets(ctx, &ours.Pet{ID: 7, Name: "Rex \"the\" <dog>", Tag: opt.Some("good & loyal")})
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.CreatePets(ctx, theirs.Pet{Id: 7, Name: "Rex \"the\" <dog>", Tag: ptr("good & loyal")})
			},
		},
		{
			// Required id and name are sent even when zero; tag is omitted.
			name: "createPets/zero-values",
			ours: func(ctx context.Context, cl *ours.Client) error {
				return cl.CreatePets(ctx, &ours.Pet{})
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.CreatePets(ctx, theirs.Pet{})
			},
		},
		{
			name: "showPetById",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.ShowPetByID(ctx, "42")
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.ShowPetById(ctx, "42")
			},
		},
		{
			// petId is a string: a slash, a space and a percent sign are
			// escaped, not taken as path structure.
			name: "showPetById/escaped",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.ShowPetByID(ctx, "a b/c%d")
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.ShowPetById(ctx, "a b/c%d")
			},
		},
	})
}
