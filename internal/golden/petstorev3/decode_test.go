package petstorev3

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
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/secret"
)

// serve answers every request with status, content type and body.
func serve(t *testing.T, status int, ct, body string, opts ...Option) *Client {
	t.Helper()
	c, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	if len(opts) > 0 {
		var err error
		base := []Option{WithHTTPClient(srv.Client()), WithInsecureHTTP(), WithCredentials(Credentials{Token: secret.New("tok")})}
		if c, err = New(srv.URL, append(base, opts...)...); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// A server sending a string where the spec says integer, in members that
// are not required: the call succeeds, those members are zero, the rest
// is decoded, and the caller can see what was left out.
func TestGetPetToleratesMistypedOptionalMembers(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := serve(t, 200, "application/json",
		`{"id":"10","name":"doggie","photoUrls":["u"],"category":{"id":"x","name":"Dogs"},"tags":[{"id":1,"name":2}]}`,
		WithLogger(logger))
	pet, err := c.GetPetByID(context.Background(), 10)
	if err != nil {
		t.Fatalf("GetPetByID: %v", err)
	}
	if pet.ID.Set || pet.Name != "doggie" || pet.Category == nil || pet.Category.Name != opt.Some("Dogs") || pet.Category.ID.Set ||
		len(pet.Tags) != 1 || pet.Tags[0].ID != opt.Some[int64](1) || pet.Tags[0].Name.Set {
		t.Errorf("pet = %+v (category %+v)", pet, pet.Category)
	}
	want := []jsonx.Issue{
		{Path: "$.id", Expected: "integer", Raw: `"10"`},
		{Path: "$.category.id", Expected: "integer", Raw: `"x"`},
		{Path: "$.tags[0].name", Expected: "string", Raw: "2"},
	}
	got := jsonx.IssuesOf(pet)
	if len(got) != len(want) {
		t.Fatalf("IssuesOf = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("issue %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "path=$.category.id") ||
		!strings.Contains(logs.String(), "operation=getPetById") {
		t.Errorf("debug log:\n%s", logs.String())
	}
}

// WithStrictDecoding turns the same response into an error.
func TestGetPetStrictDecoding(t *testing.T) {
	c := serve(t, 200, "application/json", `{"id":"10","name":"doggie","photoUrls":[]}`, WithStrictDecoding())
	pet, err := c.GetPetByID(context.Background(), 10)
	var de *rest.DecodeError
	if pet != nil || !errors.As(err, &de) || de.Operation != "getPetById" {
		t.Fatalf("pet %+v, err %v", pet, err)
	}
	if want := `rest: getPetById: decode 200 response: 1 value does not match the schema: $.id: expected integer, got "10"`; err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

// A response that breaks the spec in a required member, or is not JSON at
// all, is an error naming the operation, the status and what is wrong —
// never a panic or a zero value.
func TestGetPetBadResponses(t *testing.T) {
	for _, tc := range []struct {
		name, ct, body, want string
	}{
		{"required member missing", "application/json", `{"id":1,"photoUrls":[]}`,
			`rest: getPetById: decode 200 response: $.name: required member is missing`},
		{"required member mistyped", "application/json", `{"name":"x","photoUrls":"u"}`,
			`rest: getPetById: decode 200 response: $.photoUrls: expected array, got "u"`},
		{"mistyped member of an optional struct", "application/json", `{"name":"x","photoUrls":[],"tags":[{"id":1}],"category":{"id":[]}}`,
			""},
		{"truncated", "application/json", `{"name":"x","photoUrls":["a"`,
			`rest: getPetById: decode 200 response: $.photoUrls: malformed JSON: `},
		{"HTML under a JSON type", "application/json", `<!DOCTYPE html><title>502</title>`,
			`rest: getPetById: decode 200 response: $: malformed JSON: `},
		{"HTML", "text/html", `<!DOCTYPE html><title>502</title>`,
			`rest: getPetById: decode 200 response: Content-Type "text/html" is not JSON (body: "<!DOCTYPE html><title>502</title>")`},
		{"empty 200", "application/json", ``,
			`rest: getPetById: decode 200 response: empty body where JSON was expected`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, 200, tc.ct, tc.body)
			pet, err := c.GetPetByID(context.Background(), 10)
			if tc.want == "" {
				if err != nil || pet == nil || pet.Category == nil || len(jsonx.IssuesOf(pet)) != 1 {
					t.Fatalf("pet %+v, err %v: want the category's mistyped id reported", pet, err)
				}
				return
			}
			var de *rest.DecodeError
			if pet != nil || !errors.As(err, &de) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("pet %+v, err %v\nwant prefix %s", pet, err, tc.want)
			}
		})
	}
}

// A list operation reports issues on the returned slice.
func TestFindPetsIssuesOfList(t *testing.T) {
	c := serve(t, 200, "application/json", `[{"name":"a","photoUrls":[]},{"name":"b","photoUrls":[],"status":7}]`)
	pets, err := c.FindPetsByStatus(context.Background(), nil)
	if err != nil || len(pets) != 2 || pets[1].Status.Set {
		t.Fatalf("pets %+v, err %v", pets, err)
	}
	if got := jsonx.IssuesOf(pets); len(got) != 1 || got[0].Path != "$[1].status" || got[0].Expected != "string" {
		t.Errorf("IssuesOf = %+v", got)
	}
}
