package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/launchdarkly"
	judge "github.com/apigen-go/apigen/internal/judge/launchdarkly"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestJudgeLaunchDarkly drives the generated client against the independent
// judge (internal/judge/launchdarkly), written from the documentation only.
//
// Decisions where the docs are open:
//   - The judge's rate-limit window is one second, not the documented ten:
//     the numbers are "deliberately not published" and clients must
//     "program against the headers", so a client that reads
//     X-Ratelimit-Reset behaves the same with any window length.
//   - Which routes are IP-limited is not published; the judge makes Get flag
//     one, answering its first call with 429 and Retry-After: 1.
//   - A JSON patch and a merge patch both go as application/json: the docs
//     say "request bodies for PATCH, POST, and PUT requests must be encoded as
//     JSON with a Content-Type header set to application/json", the published
//     OpenAPI document declares only application/json for patchFeatureFlag,
//     and the server tells the formats apart by the body (array, {patch},
//     {merge}) and by the domain-model parameter for semantic patch.
func TestJudgeLaunchDarkly(t *testing.T) {
	const token = "api-judge-0000"
	srv := judge.New(judge.Config{
		Token:       token,
		GlobalLimit: 10,
		RouteLimits: map[string]int{
			"DELETE /api/v2/flags/{projectKey}/{featureFlagKey}": 2,
			"PATCH /api/v2/flags/{projectKey}/{featureFlagKey}":  3,
		},
		Window:       time.Second,
		IPLimited:    map[string]bool{"GET /api/v2/flags/{projectKey}/{featureFlagKey}": true},
		IPRetryAfter: 1,
	})
	judged(t, srv)
	for i := range 45 {
		srv.AddFlag("default", fmt.Sprintf("flag-%02d", i), fmt.Sprintf("Flag %d", i))
	}
	c, err := launchdarkly.New(srv.URL,
		launchdarkly.WithCredentials(launchdarkly.Credentials{Token: secret.New(token)}),
		launchdarkly.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Pagination: follow _links.next until it is absent.
	var keys []string
	for f, err := range c.GetFeatureFlagsAll(ctx, "default", &launchdarkly.GetFeatureFlagsParams{Limit: opt.Some[int64](20)}) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		keys = append(keys, f.Key)
	}
	if len(keys) != 45 || keys[0] != "flag-00" || keys[44] != "flag-44" {
		t.Errorf("listed %d flags (%v…); want flag-00..flag-44", len(keys), keys[:min(3, len(keys))])
	}

	// Create, then a duplicate: 409 with the documented envelope.
	created, err := c.PostFeatureFlag(ctx, "default", nil, &launchdarkly.FeatureFlagBody{Key: "engine.enable", Name: "New recommendations engine"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.Key != "engine.enable" || created.Version.Value != 1 {
		t.Errorf("created %+v", created)
	}
	_, err = c.PostFeatureFlag(ctx, "default", nil, &launchdarkly.FeatureFlagBody{Key: "engine.enable", Name: "again"})
	wantAPIError(t, err, http.StatusConflict, "postFeatureFlag", "invalid_request", "A feature with that key already exists")

	// IP-limited route: 429 + Retry-After, which the client must wait out.
	got, err := c.GetFeatureFlag(ctx, "default", "engine.enable", nil)
	if err != nil {
		t.Fatalf("get after Retry-After: %v", err)
	}
	if got.Links == nil || got.Links.Self == nil || got.Links.Self.Href.Value != "/api/v2/flags/default/engine.enable" || got.Site == nil {
		t.Errorf("links not decoded: %+v %+v", got.Links, got.Site)
	}

	// JSON patch and merge patch: see TestJudgeLaunchDarklyPatchContentType.
	// Semantic patch: its documented Content-Type.
	_, err = c.PatchFeatureFlagSemanticpatch(ctx, "default", "engine.enable", nil, &launchdarkly.SemanticPatch{
		EnvironmentKey: opt.Some("production"),
		Instructions:   []launchdarkly.Instruction{{Kind: "turnFlagOn"}},
	})
	if err != nil {
		t.Fatalf("semantic patch: %v", err)
	}
	if _, _, on, v, _ := srv.Flag("default", "engine.enable"); !on || v != 2 {
		t.Errorf("after semantic patch: on=%v version=%d; want on, 2", on, v)
	}
	// All or nothing: an unknown instruction changes nothing and names the call.
	_, err = c.PatchFeatureFlagSemanticpatch(ctx, "default", "engine.enable", nil, &launchdarkly.SemanticPatch{
		EnvironmentKey: opt.Some("production"),
		Instructions:   []launchdarkly.Instruction{{Kind: "turnFlagOff"}, {Kind: "noSuchInstruction"}},
	})
	wantAPIError(t, err, http.StatusBadRequest, "patchFeatureFlag", "invalid_request", "noSuchInstruction")
	if _, _, on, _, _ := srv.Flag("default", "engine.enable"); !on {
		t.Error("a refused semantic patch changed the flag")
	}

	// Route and global limits: once the client has seen the headers it knows
	// the budget, so concurrent deletes must not draw a single 429.
	if err := c.DeleteFeatureFlag(ctx, "default", "flag-00", nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	before := srv.Count(http.StatusTooManyRequests)
	var wg sync.WaitGroup
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.DeleteFeatureFlag(ctx, "default", fmt.Sprintf("flag-%02d", i), nil); err != nil {
				t.Errorf("delete flag-%02d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range 12 {
		if _, err := c.GetFeatureFlags(ctx, "default", &launchdarkly.GetFeatureFlagsParams{Limit: opt.Some[int64](5), Offset: opt.Some(int64(i))}); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
	}
	if n := srv.Count(http.StatusTooManyRequests) - before; n != 0 {
		t.Errorf("%d responses were 429 although the client knew the remaining budget", n)
	}

	// A wrong token: 401, named.
	bad, _ := launchdarkly.New(srv.URL,
		launchdarkly.WithCredentials(launchdarkly.Credentials{Token: secret.New("api-wrong")}),
		launchdarkly.WithInsecureHTTP())
	_, err = bad.GetFeatureFlag(ctx, "default", "engine.enable", nil)
	wantAPIError(t, err, http.StatusUnauthorized, "getFeatureFlag", "unauthorized", "Invalid access token")
}

// wantAPIError checks that err is the provider's error, decoded, and that
// its text names the operation and the status.
func wantAPIError(t *testing.T, err error, status int, op, code, msg string) {
	t.Helper()
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: want *APIError %d, got %v", op, status, err)
	}
	if ae.StatusCode != status || ae.Operation != op || ae.Code != code || !strings.Contains(ae.Message, msg) {
		t.Errorf("%s: got status %d op %q code %q message %q", op, ae.StatusCode, ae.Operation, ae.Code, ae.Message)
	}
	if s := err.Error(); !strings.Contains(s, op) || !strings.Contains(s, fmt.Sprint(status)) {
		t.Errorf("error %q does not name %s and %d", s, op, status)
	}
}

// TestJudgeLaunchDarklyPatchContentType sends a JSON patch and a JSON merge
// patch. Disagreement D1, decided for the docs: "request bodies for PATCH,
// POST, and PUT requests must be encoded as JSON with a Content-Type header
// set to application/json", and the published OpenAPI document declares
// only application/json for patchFeatureFlag ({"patch": [...]} with an
// optional comment). The client used to send application/json-patch+json
// and application/merge-patch+json; it now sends both formats as
// application/json, told apart by the documented "patch" / "merge" member.
func TestJudgeLaunchDarklyPatchContentType(t *testing.T) {
	const token = "api-judge-0000"
	srv := judge.New(judge.Config{Token: token})
	judged(t, srv)
	srv.AddFlag("default", "engine.enable", "New recommendations engine")
	c, err := launchdarkly.New(srv.URL,
		launchdarkly.WithCredentials(launchdarkly.Credentials{Token: secret.New(token)}),
		launchdarkly.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	jp, err := c.PatchFeatureFlag(ctx, "default", "engine.enable", nil, &launchdarkly.FeatureFlagPatch{Patch: launchdarkly.JSONPatch{
		{Op: "test", Path: "/version", Value: []byte("1")},
		{Op: "replace", Path: "/description", Value: []byte(`"This is the new description"`)},
	}})
	if err != nil {
		t.Fatalf("JSON patch: %v", err)
	}
	if jp.Description.Value != "This is the new description" || jp.Version.Value != 2 {
		t.Errorf("JSON patch result %+v", jp)
	}
	mp, err := c.PatchFeatureFlag(ctx, "default", "engine.enable", nil, &launchdarkly.FeatureFlagPatch{
		Merge: &launchdarkly.FeatureFlagMergePatch{Name: opt.Some("Engine")},
	})
	if err != nil {
		t.Fatalf("merge patch: %v", err)
	}
	if mp.Name != "Engine" || mp.Description.Value != "This is the new description" {
		t.Errorf("merge patch result %+v", mp)
	}
}
