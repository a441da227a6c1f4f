package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/launchdarkly"
	fake "github.com/apigen-go/apigen/internal/fakes/launchdarkly"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

const (
	launchdarklyToken   = "api-fake-token"
	launchdarklyVersion = "20240415"
	launchdarklyProject = "default"
)

// launchdarklyStatuses is a base transport that counts the statuses the
// server really answered, below every middleware of the client.
type launchdarklyStatuses struct {
	mu     sync.Mutex
	counts map[int]int
}

func (s *launchdarklyStatuses) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		if s.counts == nil {
			s.counts = map[int]int{}
		}
		s.counts[resp.StatusCode]++
		s.mu.Unlock()
	}
	return resp, err
}

func (s *launchdarklyStatuses) count(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[status]
}

// launchdarklySetup starts the fake with cfg and returns it with a client
// whose base transport counts the server's statuses.
func launchdarklySetup(t *testing.T, cfg fake.Config, token string, opts ...launchdarkly.Option) (*fake.Server, *launchdarkly.Client, *launchdarklyStatuses) {
	t.Helper()
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	st := &launchdarklyStatuses{}
	opts = append([]launchdarkly.Option{
		launchdarkly.WithCredentials(launchdarkly.Credentials{Token: secret.New(token)}),
		launchdarkly.WithInsecureHTTP(),
		launchdarkly.WithHTTPClient(&http.Client{Transport: st}),
	}, opts...)
	c, err := launchdarkly.New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f, c, st
}

// launchdarklyConfig is the default fake with limits high enough not to
// matter.
func launchdarklyConfig() fake.Config {
	cfg := fake.DefaultConfig()
	cfg.GlobalLimit, cfg.RouteLimit = 10000, 10000
	return cfg
}

func launchdarklyAPIError(t *testing.T, err error, status int, code string) *apierror.APIError {
	t.Helper()
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *apierror.APIError", err, err)
	}
	if ae.StatusCode != status || ae.Code != code {
		t.Fatalf("APIError status %d code %q (%s), want %d %q", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	return ae
}

func TestLaunchDarkly_RawTokenAndVersionHeader(t *testing.T) {
	f, c, _ := launchdarklySetup(t, launchdarklyConfig(), launchdarklyToken)
	ctx := context.Background()

	flag, err := c.GetFeatureFlag(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetFeatureFlagParams{LdAPIVersion: launchdarklyVersion})
	if err != nil {
		t.Fatal(err)
	}
	if flag.Name != "New recommendations engine" || flag.Key != "engine.enable" {
		t.Fatalf("flag = %+v", flag)
	}
	if _, ok := flag.Environments["production"]; !ok {
		t.Fatalf("detailed flag lacks the production environment: %v", flag.Environments)
	}
	reqs := f.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := reqs[0].Header.Get("Authorization"); got != launchdarklyToken {
		t.Fatalf("Authorization = %q, want the bare token with no scheme word", got)
	}
	if got := reqs[0].Header.Get("LD-API-Version"); got != launchdarklyVersion {
		t.Fatalf("LD-API-Version = %q, want %q", got, launchdarklyVersion)
	}

	// A beta resource refuses a dated version (403) and answers with "beta".
	_, err = c.GetDependentFlags(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetDependentFlagsParams{LdAPIVersion: launchdarklyVersion})
	launchdarklyAPIError(t, err, http.StatusForbidden, "forbidden")
	deps, err := c.GetDependentFlags(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetDependentFlagsParams{LdAPIVersion: "beta"})
	if err != nil {
		t.Fatalf("beta call: %v", err)
	}
	if deps.Items == nil || deps.Links == nil {
		t.Fatalf("dependent flags = %+v", deps)
	}
	if got := f.Requests()[2].Header.Get("LD-API-Version"); got != "beta" {
		t.Fatalf("LD-API-Version = %q, want beta", got)
	}

	// A token with a "Bearer " prefix is not the token: 401, not retried.
	_, c2, _ := launchdarklySetup(t, launchdarklyConfig(), "Bearer "+launchdarklyToken)
	_, err = c2.GetFeatureFlag(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetFeatureFlagParams{LdAPIVersion: launchdarklyVersion})
	ae := launchdarklyAPIError(t, err, http.StatusUnauthorized, "unauthorized")
	if strings.Contains(ae.Error(), launchdarklyToken) {
		t.Fatalf("the error text reveals the token: %s", ae.Error())
	}
}

func TestLaunchDarkly_ErrorEnvelope(t *testing.T) {
	_, c, _ := launchdarklySetup(t, launchdarklyConfig(), launchdarklyToken)
	ctx := context.Background()
	v := launchdarklyVersion

	_, err := c.GetFeatureFlag(ctx, launchdarklyProject, "no-such-flag", &launchdarkly.GetFeatureFlagParams{LdAPIVersion: v})
	ae := launchdarklyAPIError(t, err, http.StatusNotFound, "not_found")
	if !strings.Contains(ae.Message, "no-such-flag") {
		t.Fatalf("message = %q", ae.Message)
	}
	m, ok := ae.Model.(*launchdarkly.Error)
	if !ok {
		t.Fatalf("Model = %T, want *launchdarkly.Error", ae.Model)
	}
	if id, _ := m.ID.Get(); id == "" {
		t.Fatalf("the decoded envelope has no id: %+v", m)
	}
	if code, _ := m.Code.Get(); code != "not_found" {
		t.Fatalf("model code = %q", code)
	}

	// The seed's own example: a second flag with the same key.
	_, err = c.PostFeatureFlag(ctx, launchdarklyProject, &launchdarkly.PostFeatureFlagParams{LdAPIVersion: v},
		&launchdarkly.FeatureFlagBody{Key: "sort.order", Name: "Again"})
	ae = launchdarklyAPIError(t, err, http.StatusConflict, "invalid_request")
	if ae.Message != "A feature with that key already exists" {
		t.Fatalf("message = %q", ae.Message)
	}

	// Invalid request: an unknown filter field.
	_, err = c.GetFeatureFlags(ctx, launchdarklyProject, &launchdarkly.GetFeatureFlagsParams{LdAPIVersion: v, Limit: opt.Some(int64(50)), Filter: opt.Some("nosuchfield:x")})
	launchdarklyAPIError(t, err, http.StatusBadRequest, "invalid_request")
}

func TestLaunchDarkly_LinksPaginationWalksAllPages(t *testing.T) {
	cfg := launchdarklyConfig()
	for i := range 5 {
		cfg.Flags = append(cfg.Flags, fake.FlagSeed{Key: fmt.Sprintf("extra-%d", i), Name: fmt.Sprintf("Extra %d", i)})
	}
	f, c, _ := launchdarklySetup(t, cfg, launchdarklyToken)
	ctx := context.Background()

	params := &launchdarkly.GetFeatureFlagsParams{LdAPIVersion: launchdarklyVersion, Limit: opt.Some(int64(3))}
	var keys []string
	for flag, err := range c.GetFeatureFlagsAll(ctx, launchdarklyProject, params) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, flag.Key)
	}
	want := []string{"engine.enable", "sort.order", "dark-mode"}
	for i := range 5 {
		want = append(want, fmt.Sprintf("extra-%d", i))
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("iterator yielded %v, want %v", keys, want)
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests for 8 flags in pages of 3, want 3", len(reqs))
	}
	for i, r := range reqs {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("offset") != fmt.Sprint(3*i) && !(i == 0 && q.Get("offset") == "") {
			t.Fatalf("page %d has query %q", i, r.Query)
		}
		if r.Header.Get("Authorization") != launchdarklyToken {
			t.Fatalf("page %d: Authorization = %q", i, r.Header.Get("Authorization"))
		}
		if r.Header.Get("LD-API-Version") != launchdarklyVersion {
			t.Fatalf("page %d: LD-API-Version = %q", i, r.Header.Get("LD-API-Version"))
		}
	}

	// Breaking out of the loop stops fetching.
	f.ResetRequests()
	n := 0
	for _, err := range c.GetFeatureFlagsAll(ctx, launchdarklyProject, params) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 4 {
			break
		}
	}
	if got := len(f.Requests()); got != 2 {
		t.Fatalf("%d requests for the first 4 flags, want 2", got)
	}
}

func TestLaunchDarkly_PatchFormats(t *testing.T) {
	f, c, _ := launchdarklySetup(t, launchdarklyConfig(), launchdarklyToken)
	ctx := context.Background()
	params := &launchdarkly.PatchFeatureFlagParams{LdAPIVersion: launchdarklyVersion}

	// Semantic patch: turn the flag on in production and add a tag.
	out, err := c.PatchFeatureFlagSemanticpatch(ctx, launchdarklyProject, "engine.enable", params, &launchdarkly.SemanticPatch{
		Comment:        opt.Some("launch"),
		EnvironmentKey: opt.Some("production"),
		Instructions: []launchdarkly.Instruction{
			{Kind: "turnFlagOn"},
			{Kind: "addTags", Values: []string{"launched"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(out.Tags, "launched") {
		t.Fatalf("tags after the semantic patch = %v", out.Tags)
	}
	if prod := out.Environments["production"]; !prod.On.Or(false) {
		t.Fatalf("production is not on after turnFlagOn: %+v", prod)
	}
	last := f.Requests()[len(f.Requests())-1]
	if got := last.Header.Get("Content-Type"); got != "application/json; domain-model=launchdarkly.semanticpatch" {
		t.Fatalf("semantic patch Content-Type = %q", got)
	}
	stored := f.Flag(launchdarklyProject, "engine.enable")
	if env := stored["environments"].(map[string]any)["production"].(map[string]any); env["on"] != true {
		t.Fatalf("the fake's flag is not on in production: %v", env)
	}

	// An invalid instruction changes nothing (all or nothing) and is a 400.
	_, err = c.PatchFeatureFlagSemanticpatch(ctx, launchdarklyProject, "engine.enable", params, &launchdarkly.SemanticPatch{
		EnvironmentKey: opt.Some("production"),
		Instructions:   []launchdarkly.Instruction{{Kind: "turnFlagOff"}, {Kind: "noSuchInstruction"}},
	})
	launchdarklyAPIError(t, err, http.StatusBadRequest, "invalid_request")
	stored = f.Flag(launchdarklyProject, "engine.enable")
	if env := stored["environments"].(map[string]any)["production"].(map[string]any); env["on"] != true {
		t.Fatalf("a refused semantic patch changed the flag: %v", env)
	}

	// JSON patch guarded by a version test (RFC 6902).
	version := out.Version.Value
	out, err = c.PatchFeatureFlag(ctx, launchdarklyProject, "engine.enable", params, &launchdarkly.FeatureFlagPatch{
		Comment: opt.Some("describe"),
		Patch: launchdarkly.JSONPatch{
			{Op: launchdarkly.PatchOperationOpTest, Path: "/version", Value: []byte(fmt.Sprint(version))},
			{Op: launchdarkly.PatchOperationOpReplace, Path: "/description", Value: []byte(`"This is the new description"`)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := out.Description.Get(); d != "This is the new description" || out.Version.Value != version+1 {
		t.Fatalf("after the JSON patch: description %q version %d (was %d)", d, out.Version.Value, version)
	}
	last = f.Requests()[len(f.Requests())-1]
	// The docs: every PATCH body is application/json; a JSON patch with a
	// comment is {"comment", "patch": [...]}.
	if got := last.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("JSON patch Content-Type = %q", got)
	}
	var sentPatch struct {
		Comment string            `json:"comment"`
		Patch   []json.RawMessage `json:"patch"`
	}
	if err := json.Unmarshal(last.Body, &sentPatch); err != nil || sentPatch.Comment != "describe" || len(sentPatch.Patch) != 2 {
		t.Fatalf("a JSON patch with a comment is {comment, patch: [...]}, got %s (%v)", last.Body, err)
	}
	// The same patch again: the version test fails, 409, nothing changes.
	_, err = c.PatchFeatureFlag(ctx, launchdarklyProject, "engine.enable", params, &launchdarkly.FeatureFlagPatch{
		Patch: launchdarkly.JSONPatch{
			{Op: launchdarkly.PatchOperationOpTest, Path: "/version", Value: []byte(fmt.Sprint(version))},
			{Op: launchdarkly.PatchOperationOpReplace, Path: "/description", Value: []byte(`"stale"`)},
		},
	})
	launchdarklyAPIError(t, err, http.StatusConflict, "optimistic_locking_error")
	if d := f.Flag(launchdarklyProject, "engine.enable")["description"]; d != "This is the new description" {
		t.Fatalf("a failed JSON patch test changed the description to %v", d)
	}

	// JSON merge patch (RFC 7386): set the name and tags, null removes
	// the custom properties.
	out, err = c.PatchFeatureFlag(ctx, launchdarklyProject, "engine.enable", params, &launchdarkly.FeatureFlagPatch{
		Merge: &launchdarkly.FeatureFlagMergePatch{
			Name:             opt.Some("Recommendations engine v2"),
			Tags:             opt.Of([]string{"ga"}),
			CustomProperties: opt.Null[map[string]json.RawMessage](),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "Recommendations engine v2" || !slices.Equal(out.Tags, []string{"ga"}) {
		t.Fatalf("after the merge patch: name %q tags %v", out.Name, out.Tags)
	}
	last = f.Requests()[len(f.Requests())-1]
	if got := last.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("merge patch Content-Type = %q", got)
	}
	var wrapped struct {
		Merge map[string]any `json:"merge"`
		Patch any            `json:"patch"`
	}
	if err := json.Unmarshal(last.Body, &wrapped); err != nil || wrapped.Merge == nil || wrapped.Patch != nil {
		t.Fatalf("a merge patch is sent as {merge: {...}} alone, got %s (%v)", last.Body, err)
	}
	sent := wrapped.Merge
	if v, ok := sent["customProperties"]; !ok || v != nil {
		t.Fatalf("merge patch body %s: customProperties must be sent as null", last.Body)
	}
	if _, ok := sent["description"]; ok {
		t.Fatalf("merge patch body %s: an absent field was sent", last.Body)
	}
	stored = f.Flag(launchdarklyProject, "engine.enable")
	if _, ok := stored["customProperties"]; ok {
		t.Fatalf("null in a merge patch did not remove customProperties: %v", stored["customProperties"])
	}
	if stored["description"] != "This is the new description" {
		t.Fatalf("the merge patch changed an absent field: %v", stored["description"])
	}
}

// launchdarklyTimedCall runs one call and returns how long it took.
func launchdarklyTimedCall(t *testing.T, call func() error) time.Duration {
	t.Helper()
	start := time.Now()
	if err := call(); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func TestLaunchDarkly_GlobalRateLimitWaits(t *testing.T) {
	const window = 400 * time.Millisecond
	cfg := launchdarklyConfig()
	cfg.GlobalLimit, cfg.GlobalWindow = 3, window
	f, c, st := launchdarklySetup(t, cfg, launchdarklyToken)
	ctx := context.Background()
	v := launchdarklyVersion

	// Seven calls over two routes: the account budget of 3 per window is
	// shared, so they need three windows.
	start := time.Now()
	for i := range 7 {
		var err error
		if i%2 == 0 {
			_, err = c.GetFeatureFlag(ctx, launchdarklyProject, "sort.order", &launchdarkly.GetFeatureFlagParams{LdAPIVersion: v})
		} else {
			_, err = c.GetFeatureFlags(ctx, launchdarklyProject, &launchdarkly.GetFeatureFlagsParams{LdAPIVersion: v})
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	elapsed := time.Since(start)
	if n := st.count(http.StatusTooManyRequests); n != 0 {
		t.Fatalf("the server answered 429 %d times; the client must wait for the reset instead", n)
	}
	if n := len(f.Requests()); n != 7 {
		t.Fatalf("the fake saw %d requests, want 7", n)
	}
	if elapsed < 2*window-100*time.Millisecond {
		t.Fatalf("7 calls at 3 per %v took %v; the client cannot have waited for two resets", window, elapsed)
	}
	if elapsed > 5*time.Second {
		t.Fatalf("7 calls took %v", elapsed)
	}
}

func TestLaunchDarkly_RouteRateLimitWaits(t *testing.T) {
	const window = 600 * time.Millisecond
	cfg := launchdarklyConfig()
	cfg.RouteLimit, cfg.RouteWindow = 2, window
	f, c, st := launchdarklySetup(t, cfg, launchdarklyToken)
	ctx := context.Background()
	v := launchdarklyVersion
	getFlag := func() error {
		_, err := c.GetFeatureFlag(ctx, launchdarklyProject, "sort.order", &launchdarkly.GetFeatureFlagParams{LdAPIVersion: v})
		return err
	}
	listFlags := func() error {
		_, err := c.GetFeatureFlags(ctx, launchdarklyProject, &launchdarkly.GetFeatureFlagsParams{LdAPIVersion: v})
		return err
	}

	// Two calls exhaust GET /flags/{p}/{f}; the list route has its own
	// budget, so its two calls go out at once.
	start := time.Now()
	launchdarklyTimedCall(t, getFlag)
	launchdarklyTimedCall(t, getFlag)
	launchdarklyTimedCall(t, listFlags)
	launchdarklyTimedCall(t, listFlags)
	if d := time.Since(start); d > window/2 {
		t.Fatalf("four calls on two routes with 2 each took %v: an exhausted route held back another route", d)
	}
	// The third call on the first route waits for that route's reset.
	launchdarklyTimedCall(t, getFlag)
	if d := time.Since(start); d < window-100*time.Millisecond {
		t.Fatalf("the third call on an exhausted route went out after %v, before the reset (%v)", d, window)
	}
	if n := st.count(http.StatusTooManyRequests); n != 0 {
		t.Fatalf("the server answered 429 %d times; the client must wait for the route's reset", n)
	}
	if n := len(f.Requests()); n != 5 {
		t.Fatalf("the fake saw %d requests, want 5", n)
	}
}

// LD-API-Version defaults to the version the spec describes when the
// caller passes no params, on every page of a list too.
func TestLaunchDarkly_VersionHeaderDefault(t *testing.T) {
	f, c, _ := launchdarklySetup(t, launchdarklyConfig(), launchdarklyToken)
	ctx := context.Background()
	if _, err := c.GetFeatureFlag(ctx, launchdarklyProject, "engine.enable", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFeatureFlag(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetFeatureFlagParams{}); err != nil {
		t.Fatal(err)
	}
	for i, r := range f.Requests() {
		if got := r.Header.Get("LD-API-Version"); got != "20240415" {
			t.Errorf("request %d: LD-API-Version = %q, want the default 20240415", i, got)
		}
	}
}

// TestLaunchDarkly_ClientWideVersionAndHeaders: WithAPIVersion pins
// LD-API-Version for every call in place of the spec's default, a call's
// own parameter still wins (beta), and WithDefaultHeader reaches every
// request.
func TestLaunchDarkly_ClientWideVersionAndHeaders(t *testing.T) {
	const pinned = "20220603"
	f, c, _ := launchdarklySetup(t, launchdarklyConfig(), launchdarklyToken,
		launchdarkly.WithAPIVersion(pinned), launchdarkly.WithDefaultHeader("X-Team", "growth"))
	ctx := context.Background()
	if _, err := c.GetFeatureFlag(ctx, launchdarklyProject, "engine.enable", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDependentFlags(ctx, launchdarklyProject, "engine.enable", &launchdarkly.GetDependentFlagsParams{LdAPIVersion: "beta"}); err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, want := range []string{pinned, "beta"} {
		if got := reqs[i].Header.Get("LD-API-Version"); got != want {
			t.Errorf("request %d: LD-API-Version = %q, want %q", i, got, want)
		}
		if got := reqs[i].Header.Get("X-Team"); got != "growth" {
			t.Errorf("request %d: X-Team = %q", i, got)
		}
	}
}
