package petstorev3

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// newServer starts handler on 127.0.0.1 and returns a client for it.
func newServer(t *testing.T, handler http.HandlerFunc) (*Client, *httptest.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithHTTPClient(srv.Client()), WithInsecureHTTP(), WithCredentials(Credentials{Token: secret.New("tok")}))
	if err != nil {
		t.Fatalf("New(%q): %v", srv.URL, err)
	}
	return c, srv
}

// A client without credentials refuses, before sending, every operation
// whose security needs them, naming the schemes and the environment
// variables that would fill them; operations the spec leaves open still
// go out.
func TestMissingCredentialsFailBeforeSending(t *testing.T) {
	var calls atomic.Int32
	_, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `"session"`)
	})
	c, err := New(srv.URL, WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPetByID(context.Background(), 10)
	var missing *auth.MissingCredentialsError
	if !errors.As(err, &missing) {
		t.Fatalf("err = %v, want *auth.MissingCredentialsError", err)
	}
	if missing.Operation != "getPetById" || strings.Join(missing.EnvVars, ",") != "PETSTOREV3_API_KEY,PETSTOREV3_TOKEN" ||
		!strings.Contains(err.Error(), "api_key or petstore_auth") || !strings.Contains(err.Error(), "PETSTOREV3_TOKEN") {
		t.Errorf("err = %v (env %v)", err, missing.EnvVars)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
	if _, err := c.LoginUser(context.Background(), nil); err != nil || calls.Load() != 1 {
		t.Errorf("LoginUser (no security): err = %v, %d requests", err, calls.Load())
	}
}

func TestGetPetByIDDecodesEnumAndNested(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.EscapedPath() != "/pet/10" || r.URL.RawQuery != "" {
			t.Errorf("request = %s %s, want GET /pet/10", r.Method, r.URL)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q, want application/json", got)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":10,"name":"doggie","category":{"id":1,"name":"Dogs"},`+
			`"photoUrls":["u1"],"tags":[{"id":2,"name":"t"}],"status":"sold"}`)
	})
	pet, err := c.GetPetByID(context.Background(), 10)
	if err != nil {
		t.Fatalf("GetPetByID: %v", err)
	}
	if pet.ID != opt.Some[int64](10) || pet.Name != "doggie" {
		t.Errorf("ID, Name = %+v, %q", pet.ID, pet.Name)
	}
	if pet.Status != opt.Some(PetStatusSold) || !pet.Status.Value.IsKnown() {
		t.Errorf("Status = %+v, want sold", pet.Status)
	}
	if cat := pet.Category; cat == nil || cat.Name != opt.Some("Dogs") || cat.ID != opt.Some[int64](1) {
		t.Errorf("Category = %+v", pet.Category)
	}
	if len(pet.PhotoURLs) != 1 || pet.PhotoURLs[0] != "u1" {
		t.Errorf("PhotoURLs = %q", pet.PhotoURLs)
	}
	if len(pet.Tags) != 1 || pet.Tags[0].Name != opt.Some("t") {
		t.Errorf("Tags = %+v", pet.Tags)
	}
}

// A status the spec does not list decodes (the provider may add one) and
// reports itself as unknown.
func TestUnknownEnumDecodes(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"x","photoUrls":[],"status":"adopted"}`)
	})
	pet, err := c.GetPetByID(context.Background(), 1)
	if err != nil {
		t.Fatalf("GetPetByID: %v", err)
	}
	if pet.Status.Value != "adopted" || pet.Status.Value.IsKnown() {
		t.Errorf("Status = %+v, want unknown value adopted", pet.Status)
	}
}

func TestFindPetsByStatusSendsEnum(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.EscapedPath() != "/pet/findByStatus" {
			t.Errorf("request = %s %s", r.Method, r.URL.EscapedPath())
		}
		if want := "status=pending"; r.URL.RawQuery != want {
			t.Errorf("query = %q, want %q", r.URL.RawQuery, want)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"id":1,"name":"a","photoUrls":[],"status":"pending"}]`)
	})
	pets, err := c.FindPetsByStatus(context.Background(), &FindPetsByStatusParams{
		Status: opt.Some(FindPetsByStatusStatusPending),
	})
	if err != nil {
		t.Fatalf("FindPetsByStatus: %v", err)
	}
	if len(pets) != 1 || pets[0].Status != opt.Some(PetStatusPending) {
		t.Errorf("pets = %+v", pets)
	}
}

func TestFindPetsByStatusOmitsAbsentStatus(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			t.Errorf("query = %q, want none", r.URL.RawQuery)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[]`)
	})
	if _, err := c.FindPetsByStatus(context.Background(), &FindPetsByStatusParams{}); err != nil {
		t.Fatalf("FindPetsByStatus: %v", err)
	}
}

func TestAddPetSendsEnumInBody(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.EscapedPath() != "/pet" {
			t.Errorf("request = %s %s, want POST /pet", r.Method, r.URL.EscapedPath())
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
		if got["status"] != "available" || got["name"] != "Rex" {
			t.Errorf("body = %s", b)
		}
		// photoUrls is required: an empty list is sent, not left out.
		if urls, ok := got["photoUrls"].([]any); !ok || len(urls) != 0 {
			t.Errorf("photoUrls = %#v in %s, want []", got["photoUrls"], b)
		}
		if _, ok := got["id"]; ok {
			t.Errorf("absent id was sent: %s", b)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":11,"name":"Rex","photoUrls":[],"status":"available"}`)
	})
	pet, err := c.AddPet(context.Background(), &Pet{
		Name:      "Rex",
		PhotoURLs: []string{},
		Status:    opt.Some(PetStatusAvailable),
	})
	if err != nil {
		t.Fatalf("AddPet: %v", err)
	}
	if pet.ID != opt.Some[int64](11) {
		t.Errorf("ID = %+v, want 11", pet.ID)
	}
}

// A status the spec does not list fails before anything is sent.
func TestAddPetRejectsUnknownEnum(t *testing.T) {
	var calls atomic.Int32
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	_, err := c.AddPet(context.Background(), &Pet{Name: "x", PhotoURLs: []string{}, Status: opt.Some(PetStatus("adopted"))})
	if err == nil || !strings.Contains(err.Error(), "adopted") {
		t.Errorf("AddPet with unknown status: err = %v, want an error naming the value", err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("got an APIError, want a local encoding error: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestDeletePetSendsHeaderParam(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || r.URL.EscapedPath() != "/pet/3" {
			t.Errorf("request = %s %s, want DELETE /pet/3", r.Method, r.URL.EscapedPath())
		}
		if got := r.Header.Get("api_key"); got != "secret" {
			t.Errorf("api_key header = %q, want secret", got)
		}
		w.WriteHeader(http.StatusOK)
	})
	if err := c.DeletePet(context.Background(), 3, &DeletePetParams{APIKey: opt.Some("secret")}); err != nil {
		t.Fatalf("DeletePet: %v", err)
	}
}

func TestGetUserByNameEscapesPath(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.EscapedPath(); got != "/user/a%2Fb%20c" {
			t.Errorf("path = %q, want /user/a%%2Fb%%20c", got)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"username":"a/b c","userStatus":1}`)
	})
	u, err := c.GetUserByName(context.Background(), "a/b c")
	if err != nil {
		t.Fatalf("GetUserByName: %v", err)
	}
	if u.Username != opt.Some("a/b c") || u.UserStatus != opt.Some[int32](1) {
		t.Errorf("user = %+v", u)
	}
}

func TestLoginUserReturnsString(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if want := "username=u&password=p%26w"; r.URL.RawQuery != want {
			t.Errorf("query = %q, want %q", r.URL.RawQuery, want)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `"logged in user session:123"`)
	})
	s, err := c.LoginUser(context.Background(), &LoginUserParams{Username: opt.Some("u"), Password: opt.Some("p&w")})
	if err != nil {
		t.Fatalf("LoginUser: %v", err)
	}
	if s != "logged in user session:123" {
		t.Errorf("LoginUser = %q", s)
	}
}

// petstorev3 declares no error schemas: an error carries the status and
// what the envelope finds, and no model.
func TestErrorWithoutModel(t *testing.T) {
	c, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"code":1,"type":"error","message":"Pet not found"}`)
	})
	pet, err := c.GetPetByID(context.Background(), 999)
	if err == nil {
		t.Fatalf("GetPetByID = %+v, want an error", pet)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusNotFound || apiErr.Message != "Pet not found" || apiErr.Code != "1" {
		t.Errorf("StatusCode, Code, Message = %d, %q, %q", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	if apiErr.Operation != "getPetById" || apiErr.Method != http.MethodGet || apiErr.URL != srv.URL+"/pet/999" {
		t.Errorf("Operation, Method, URL = %q, %q, %q", apiErr.Operation, apiErr.Method, apiErr.URL)
	}
	if apiErr.Model != nil {
		t.Errorf("Model = %#v, want nil (the spec declares none)", apiErr.Model)
	}
}

func TestErrorOnBodylessDelete(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	})
	err := c.DeleteOrder(context.Background(), 1001)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Errorf("StatusCode = %d, Error() = %q", apiErr.StatusCode, err.Error())
	}
}

// getInventory's only scheme is api_key, a header named api_key.
func TestCredentialsAPIKey(t *testing.T) {
	_, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/store/inventory" {
			t.Errorf("path = %q", r.URL.EscapedPath())
		}
		if got := r.Header.Get("api_key"); got != "k-123" {
			t.Errorf("api_key header = %q, want k-123", got)
		}
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("Authorization = %q, want none", got)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"available":3,"sold":1}`)
	})
	c, err := New(srv.URL, WithHTTPClient(srv.Client()), WithInsecureHTTP(),
		WithCredentials(Credentials{APIKey: secret.New("k-123")}))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := c.GetInventory(context.Background())
	if err != nil {
		t.Fatalf("GetInventory: %v", err)
	}
	if len(inv) != 2 || inv["available"] != 3 || inv["sold"] != 1 {
		t.Errorf("inventory = %v", inv)
	}
}

// findPetsByStatus's only scheme is petstore_auth (OAuth2): a bearer token.
func TestCredentialsToken(t *testing.T) {
	_, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("Authorization = %q, want Bearer tok", got)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[]`)
	})
	c, err := New(srv.URL, WithHTTPClient(srv.Client()), WithInsecureHTTP(),
		WithCredentials(Credentials{Token: secret.New("tok")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindPetsByStatus(context.Background(), nil); err != nil {
		t.Fatalf("FindPetsByStatus: %v", err)
	}
}

// Credentials are not sent over plain http:// without WithInsecureHTTP.
func TestCredentialsRefusedOverPlainHTTP(t *testing.T) {
	var calls atomic.Int32
	_, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
	})
	c, err := New(srv.URL, WithHTTPClient(srv.Client()), WithClock(clock.NewFake(time.Unix(0, 0))),
		WithCredentials(Credentials{APIKey: secret.New("k-123")}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetInventory(context.Background())
	if !errors.Is(err, auth.ErrInsecureHTTP) {
		t.Errorf("err = %v, want auth.ErrInsecureHTTP", err)
	}
	if err != nil && strings.Contains(err.Error(), "k-123") {
		t.Errorf("error leaks the key: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestCredentialsFillingNoScheme(t *testing.T) {
	if _, err := New("https://example.test", WithCredentials(Credentials{})); err == nil {
		t.Error("New with empty Credentials succeeded, want an error")
	}
}

// Each operation uses the scheme its own security requirement names, and
// an operation whose schemes have no credentials fails before sending.
func TestSecurityPerOperation(t *testing.T) {
	var seen []string
	_, srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path+" api_key="+r.Header.Get("api_key")+" auth="+r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/store/inventory":
			io.WriteString(w, `{}`)
		case "/pet/findByStatus":
			io.WriteString(w, `[]`)
		default:
			io.WriteString(w, `{"id":7,"name":"Rex","photoUrls":[]}`)
		}
	})
	ctx := context.Background()
	both, err := New(srv.URL, WithHTTPClient(srv.Client()), WithInsecureHTTP(),
		WithCredentials(Credentials{APIKey: secret.New("k"), Token: secret.New("t")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.GetInventory(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := both.FindPetsByStatus(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := both.GetPetByID(ctx, 7); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/store/inventory api_key=k auth=",         // api_key only
		"/pet/findByStatus api_key= auth=Bearer t", // petstore_auth only
		"/pet/7 api_key=k auth=",                   // first alternative that is configured
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}

	seen = nil
	tokenOnly, err := New(srv.URL, WithHTTPClient(srv.Client()), WithInsecureHTTP(),
		WithCredentials(Credentials{Token: secret.New("t")}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokenOnly.GetPetByID(ctx, 7); err != nil {
		t.Fatal(err)
	}
	_, err = tokenOnly.GetInventory(ctx)
	var missing *auth.MissingCredentialsError
	if !errors.As(err, &missing) || missing.Operation != "getInventory" {
		t.Fatalf("GetInventory with a token only: err = %v, want *auth.MissingCredentialsError", err)
	}
	if len(seen) != 1 || seen[0] != "/pet/7 api_key= auth=Bearer t" {
		t.Fatalf("requests = %q, want only the GetPetByID call with the token", seen)
	}
}

// Either scheme's variable is enough; with neither, both are named.
func TestCredentialsFromEnvOneSchemeEnough(t *testing.T) {
	t.Setenv("PETSTOREV3_API_KEY", "")
	t.Setenv("PETSTOREV3_TOKEN", "tok")
	c, err := CredentialsFromEnv()
	if err != nil || c.Token.Reveal() != "tok" {
		t.Fatalf("token only: %v, %v", c, err)
	}
	t.Setenv("PETSTOREV3_TOKEN", "")
	_, err = CredentialsFromEnv()
	if err == nil || !strings.Contains(err.Error(), "PETSTOREV3_API_KEY") || !strings.Contains(err.Error(), "PETSTOREV3_TOKEN") {
		t.Fatalf("neither set: err = %v, want both variables named", err)
	}
}

// Encoding is strict: a required array left nil and an enum parameter
// the spec does not list fail before anything is sent.
func TestStrictEncodingFailsBeforeSending(t *testing.T) {
	var calls atomic.Int32
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	ctx := context.Background()
	_, err := c.AddPet(ctx, &Pet{Name: "x"})
	if err == nil || !strings.Contains(err.Error(), "photoUrls") {
		t.Errorf("AddPet without photoUrls: err = %v, want the required field named", err)
	}
	_, err = c.FindPetsByStatus(ctx, &FindPetsByStatusParams{Status: opt.Some(FindPetsByStatusStatus("lost"))})
	if err == nil || !strings.Contains(err.Error(), "lost") || !strings.Contains(err.Error(), "status") {
		t.Errorf("FindPetsByStatus(lost): err = %v, want the value and parameter named", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}
