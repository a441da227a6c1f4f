package launchdarkly

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

var t0 = time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)

const tok = "api-fake-token"

type fixture struct {
	fake *Server
	srv  *httptest.Server
	clk  *clock.Fake
}

// newFixture starts a fake with limits high enough for tests of other
// behaviour, unless mod lowers them.
func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
	cfg.GlobalLimit, cfg.RouteLimit = 10000, 10000
	if mod != nil {
		mod(&cfg)
	}
	fake := New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &fixture{fake: fake, srv: srv, clk: clk}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// do sends a request; hdr holds header name/value pairs. Authorization is
// the raw token unless hdr sets it ("" removes it).
func (f *fixture) do(t *testing.T, method, path, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", tok)
	req.Header.Set("LD-API-Version", "20240415")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.json(t)
	if m["code"] != code || m["message"] == "" || m["id"] == "" || m["id"] == nil {
		t.Errorf("envelope %s, want code %q with message and id", r.body, code)
	}
}

func TestAuthorization(t *testing.T) {
	f := newFixture(t, nil)
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", ""), 401, "unauthorized")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", "Bearer "+tok), 401, "unauthorized")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", "sdk-123"), 401, "unauthorized")
	r := f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	if r.status != http.StatusOK {
		t.Fatalf("raw token: %d %s", r.status, r.body)
	}
	if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("CORS headers missing: %v", r.header)
	}
	if r := f.do(t, http.MethodOptions, "/api/v2/flags/default", "", "Authorization", ""); r.status != http.StatusOK {
		t.Errorf("preflight: %d", r.status)
	}
}

func TestAPIVersions(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Tokens = append(c.Tokens, Token{Value: "api-old-token", APIVersion: 20160426})
	})
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default", "", "LD-API-Version", "2024-04-15"), 400, "invalid_request")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default", "", "LD-API-Version", "20240101"), 400, "invalid_request")

	// Beta resources need LD-API-Version: beta.
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default/sort.order/dependent-flags", ""), 403, "forbidden")
	if r := f.do(t, http.MethodGet, "/api/v2/flags/default/sort.order/dependent-flags", "", "LD-API-Version", "beta"); r.status != http.StatusOK {
		t.Fatalf("beta: %d %s", r.status, r.body)
	}

	// A token from before versioning, with no header: unpaginated, full
	// environments, no summary.
	f.fake.SeedFlags("default", manyFlags(30)...)
	r := f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", "api-old-token", "LD-API-Version", "")
	m := r.json(t)
	items := m["items"].([]any)
	if len(items) != 33 || m["_links"].(map[string]any)["next"] != nil {
		t.Fatalf("old version: %d items, links %v", len(items), m["_links"])
	}
	envs := items[0].(map[string]any)["environments"].(map[string]any)
	if len(envs) != 2 || envs["production"].(map[string]any)["rules"] == nil {
		t.Errorf("old version environments: %v", envs)
	}
	// The same token asking for 20240415 gets the new behaviour.
	r = f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", "api-old-token")
	items = r.json(t)["items"].([]any)
	if len(items) != 20 || items[0].(map[string]any)["environments"] != nil {
		t.Errorf("20240415: %d items, environments %v", len(items), items[0].(map[string]any)["environments"])
	}
	// 20191212 defaults to summaries.
	r = f.do(t, http.MethodGet, "/api/v2/flags/default?limit=1", "", "LD-API-Version", "20191212")
	env := r.json(t)["items"].([]any)[0].(map[string]any)["environments"].(map[string]any)["production"].(map[string]any)
	if env["rules"] != nil || env["_summary"] == nil {
		t.Errorf("20191212 summary: %v", env)
	}
}

func manyFlags(n int) []FlagSeed {
	var out []FlagSeed
	for i := 1; i <= n; i++ {
		out = append(out, FlagSeed{Key: fmt.Sprintf("flag-%02d", i), Name: fmt.Sprintf("Flag %02d", i), Tags: []string{"bulk"}})
	}
	return out
}

func TestPaginationFollowsNextLinks(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.SeedFlags("default", manyFlags(45)...)
	base, _ := url.Parse(f.srv.URL)
	href := "/api/v2/flags/default"
	var keys []string
	pages := 0
	for href != "" {
		u, err := base.Parse(href) // hrefs are relative (§3.3)
		if err != nil {
			t.Fatal(err)
		}
		r := f.do(t, http.MethodGet, u.RequestURI(), "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", href, r.status, r.body)
		}
		m := r.json(t)
		if m["totalCount"] != float64(48) {
			t.Errorf("totalCount = %v", m["totalCount"])
		}
		for _, it := range m["items"].([]any) {
			keys = append(keys, it.(map[string]any)["key"].(string))
		}
		links := m["_links"].(map[string]any)
		if links["first"] == nil || links["last"] == nil || links["self"] == nil {
			t.Errorf("missing first/last/self: %v", links)
		}
		if (pages == 0) != (links["prev"] == nil) {
			t.Errorf("page %d: prev = %v", pages, links["prev"])
		}
		href = ""
		if n, ok := links["next"].(map[string]any); ok {
			href = n["href"].(string)
		}
		pages++
	}
	if pages != 3 || len(keys) != 48 || keys[0] != "engine.enable" || keys[47] != "flag-45" {
		t.Fatalf("pages %d, keys %d: %v", pages, len(keys), keys)
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != 48 {
		t.Error("duplicate keys across pages")
	}
	r := f.do(t, http.MethodGet, "/api/v2/flags/default?limit=5&offset=10", "")
	items := r.json(t)["items"].([]any)
	if len(items) != 5 || items[0].(map[string]any)["key"] != "flag-08" {
		t.Errorf("limit/offset page: %v", items)
	}
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default?limit=101", ""), 400, "invalid_request")
	if r := f.do(t, http.MethodGet, "/api/v2/flags/default?limit=100", ""); len(r.json(t)["items"].([]any)) != 48 {
		t.Error("limit=100")
	}
}

func TestListEnvironmentsFiltersSort(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Environments = []string{"production", "test", "staging", "dev"} })
	r := f.do(t, http.MethodGet, "/api/v2/flags/default?filterEnv=production", "")
	envs := r.json(t)["items"].([]any)[1].(map[string]any)["environments"].(map[string]any)
	if len(envs) != 1 || envs["production"].(map[string]any)["on"] != true {
		t.Errorf("filterEnv: %v", envs)
	}
	if envs["production"].(map[string]any)["rules"] != nil {
		t.Error("summary representation includes rules")
	}
	r = f.do(t, http.MethodGet, "/api/v2/flags/default?filterEnv=production&summary=0", "")
	if r.json(t)["items"].([]any)[0].(map[string]any)["environments"].(map[string]any)["production"].(map[string]any)["rules"] == nil {
		t.Error("summary=0 omits rules")
	}
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default?filterEnv=production,test,staging,dev", ""), 400, "invalid_request")

	keys := func(q string) []string {
		r := f.do(t, http.MethodGet, "/api/v2/flags/default?"+q, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		var out []string
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["key"].(string))
		}
		return out
	}
	for q, want := range map[string][]string{
		"filter=query:DARK":                {"dark-mode"},
		"filter=tags:beta%2Bui":            {"dark-mode"},
		"filter=tags:beta":                 {"engine.enable", "dark-mode"},
		"filter=type:permanent":            {"sort.order"},
		"filter=query:mode,type:temporary": {"dark-mode"},
		"sort=-key":                        {"sort.order", "engine.enable", "dark-mode"},
		"sort=name":                        {"dark-mode", "engine.enable", "sort.order"},
		"tag=ui":                           {"sort.order", "dark-mode"},
		"filter=state:live&sort=-name":     {"sort.order", "engine.enable", "dark-mode"},
		"filter=state:archived":            nil,
		"filterEnv=test&filter=query:ort":  {"sort.order"},
	} {
		if got := keys(q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default?filter=bogus:1", ""), 400, "invalid_request")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default?sort=color", ""), 400, "invalid_request")
}

func (f *fixture) flag(t *testing.T, key string) map[string]any {
	t.Helper()
	r := f.do(t, http.MethodGet, "/api/v2/flags/default/"+key, "")
	if r.status != http.StatusOK {
		t.Fatalf("get %s: %d %s", key, r.status, r.body)
	}
	return r.json(t)
}

func TestGetCreateDelete(t *testing.T) {
	f := newFixture(t, nil)
	fl := f.flag(t, "engine.enable")
	if fl["name"] != "New recommendations engine" || fl["version"] != float64(1) {
		t.Errorf("flag = %v", fl)
	}
	links := fl["_links"].(map[string]any)
	if links["self"].(map[string]any)["href"] != "/api/v2/flags/default/engine.enable" || fl["_site"] == nil {
		t.Errorf("links = %v", links)
	}
	if len(fl["environments"].(map[string]any)) != 2 {
		t.Error("detailed representation lacks environments")
	}
	r := f.do(t, http.MethodPost, "/api/v2/flags/default", `{"key":"new-flag","name":"New flag","tags":["x"]}`)
	if r.status != http.StatusCreated || r.json(t)["key"] != "new-flag" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = f.do(t, http.MethodPost, "/api/v2/flags/default", `{"key":"new-flag","name":"Again"}`)
	wantError(t, r, 409, "invalid_request")
	if msg := r.json(t)["message"]; msg != "A feature with that key already exists" {
		t.Errorf("duplicate message %q", msg)
	}
	wantError(t, f.do(t, http.MethodPost, "/api/v2/flags/default", `{"name":"no key"}`), 400, "invalid_request")
	if r := f.do(t, http.MethodDelete, "/api/v2/flags/default/new-flag", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.status)
	}
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/default/new-flag", ""), 404, "not_found")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/flags/nope", ""), 404, "not_found")
	wantError(t, f.do(t, http.MethodGet, "/api/v2/other", ""), 404, "not_found")
	wantError(t, f.do(t, http.MethodPut, "/api/v2/flags/default/sort.order", "{}"), 405, "method_not_allowed")
}

func TestJSONPatch(t *testing.T) {
	f := newFixture(t, nil)
	patch := func(body string, hdr ...string) response {
		return f.do(t, http.MethodPatch, "/api/v2/flags/default/engine.enable", body, hdr...)
	}
	// The seed's example.
	r := patch(`[{"op":"replace","path":"/description","value":"This is the new description"}]`)
	if r.status != http.StatusOK || r.json(t)["description"] != "This is the new description" || r.json(t)["version"] != float64(2) {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	// A failed precondition changes nothing.
	r = patch(`[{"op":"test","path":"/version","value":10},{"op":"replace","path":"/description","value":"The new description"}]`)
	wantError(t, r, 409, "optimistic_locking_error")
	if fl := f.flag(t, "engine.enable"); fl["description"] != "This is the new description" || fl["version"] != float64(2) {
		t.Fatalf("changed after failed test: %v", fl)
	}
	// A passing one applies, with a comment wrapper.
	r = patch(`{"comment":"c","patch":[{"op":"test","path":"/version","value":2},{"op":"replace","path":"/description","value":"The new description"},{"op":"add","path":"/tags/-","value":"new"},{"op":"replace","path":"/environments/production/on","value":true}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("test+replace: %d %s", r.status, r.body)
	}
	fl := f.flag(t, "engine.enable")
	prod := fl["environments"].(map[string]any)["production"].(map[string]any)
	if fl["description"] != "The new description" || fl["version"] != float64(3) ||
		!slices.Equal(fl["tags"].([]any), []any{"beta", "new"}) || prod["on"] != true || prod["version"] != float64(2) {
		t.Fatalf("after patch: %v", fl)
	}
	if fl["environments"].(map[string]any)["test"].(map[string]any)["version"] != float64(1) {
		t.Error("untouched environment's version changed")
	}
	// Remove, move and copy.
	r = patch(`[{"op":"remove","path":"/tags/0"},{"op":"copy","from":"/name","path":"/description"},{"op":"move","from":"/customProperties","path":"/customProperties"}]`)
	if r.status != http.StatusOK || r.json(t)["description"] != "New recommendations engine" || len(r.json(t)["tags"].([]any)) != 1 {
		t.Fatalf("remove/copy: %d %s", r.status, r.body)
	}
	// Refused patches, all-or-nothing.
	for _, body := range []string{
		`[{"op":"replace","path":"/name","value":"x"},{"op":"replace","path":"/_links","value":{}}]`,
		`[{"op":"replace","path":"/key","value":"renamed"}]`,
		`[{"op":"replace","path":"/version","value":99}]`,
		`[{"op":"remove","path":"/nothing"}]`,
		`[{"op":"replace","path":"/name","value":""}]`,
		`[{"op":"frobnicate","path":"/name"}]`,
		`[{"op":"add","path":"/tags/9","value":"x"}]`,
		`{"description":"a merge patch sent as application/json"}`,
		`{"instructions":[{"kind":"turnFlagOn"}],"environmentKey":"production"}`,
		`"nope"`,
	} {
		wantError(t, patch(body), 400, "invalid_request")
	}
	if fl := f.flag(t, "engine.enable"); fl["name"] != "New recommendations engine" || fl["version"] != float64(4) {
		t.Fatalf("refused patch changed the flag: %v", fl)
	}
	wantError(t, patch(`[]`, "Content-Type", "text/plain"), 400, "invalid_request")
	if r := patch(`[{"op":"replace","path":"/name","value":"Via json-patch+json"}]`, "Content-Type", "application/json-patch+json"); r.status != http.StatusOK {
		t.Errorf("application/json-patch+json: %d", r.status)
	}
}

func TestMergePatch(t *testing.T) {
	f := newFixture(t, nil)
	patch := func(body, ct string) response {
		return f.do(t, http.MethodPatch, "/api/v2/flags/default/sort.order", body, "Content-Type", ct)
	}
	r := patch(`{"description":"New flag description","tags":["a","b"],"environments":{"test":{"on":true}}}`, "application/merge-patch+json")
	if r.status != http.StatusOK {
		t.Fatalf("merge: %d %s", r.status, r.body)
	}
	fl := f.flag(t, "sort.order")
	envs := fl["environments"].(map[string]any)
	if fl["description"] != "New flag description" || !slices.Equal(fl["tags"].([]any), []any{"a", "b"}) ||
		envs["test"].(map[string]any)["on"] != true || envs["production"].(map[string]any)["on"] != true ||
		envs["test"].(map[string]any)["offVariation"] != float64(1) || fl["version"] != float64(2) {
		t.Fatalf("after merge: %v", fl)
	}
	// null deletes a member; the flag must stay valid.
	wantError(t, patch(`{"description":null}`, "application/merge-patch+json"), 400, "invalid_request")
	wantError(t, patch(`{"_site":{}}`, "application/merge-patch+json"), 400, "invalid_request")
	wantError(t, patch(`[1]`, "application/merge-patch+json"), 400, "invalid_request")
	if r := patch(`{"customProperties":null}`, "application/merge-patch+json"); r.status != http.StatusOK || r.json(t)["customProperties"] != nil {
		t.Errorf("null removal: %d %s", r.status, r.body)
	}
	// The documented comment wrapper, with plain application/json too.
	for _, ct := range []string{"application/merge-patch+json", "application/json"} {
		if r := patch(`{"comment":"why","merge":{"name":"Renamed by "}}`, ct); r.status != http.StatusOK || r.json(t)["name"] != "Renamed by " {
			t.Errorf("%s wrapper: %d %s", ct, r.status, r.body)
		}
	}
}

func TestSemanticPatch(t *testing.T) {
	f := newFixture(t, nil)
	const sem = "application/json; domain-model=launchdarkly.semanticpatch"
	patch := func(body string) response {
		return f.do(t, http.MethodPatch, "/api/v2/flags/default/engine.enable", body, "Content-Type", sem)
	}
	r := patch(`{"comment":"optional comment","environmentKey":"production","instructions":[{"kind":"turnFlagOn"},{"kind":"updateName","value":"Engine"},{"kind":"addTags","values":["x","beta"]},{"kind":"removeTags","values":["beta"]},{"kind":"makeFlagPermanent"}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("semantic: %d %s", r.status, r.body)
	}
	fl := f.flag(t, "engine.enable")
	if fl["environments"].(map[string]any)["production"].(map[string]any)["on"] != true || fl["name"] != "Engine" ||
		!slices.Equal(fl["tags"].([]any), []any{"x"}) || fl["temporary"] != false || fl["version"] != float64(2) {
		t.Fatalf("after semantic patch: %v", fl)
	}
	// All or nothing: one bad instruction voids the rest.
	for _, body := range []string{
		`{"instructions":[{"kind":"updateName","value":"Changed"},{"kind":"explode"}]}`,
		`{"instructions":[{"kind":"updateName","value":"Changed"},{"kind":"turnFlagOff"}]}`, // no environmentKey
		`{"environmentKey":"nowhere","instructions":[{"kind":"turnFlagOff"}]}`,
		`{"instructions":[]}`,
		`{"instructions":[{"kind":"updateName"}]}`,
		`[{"op":"replace","path":"/name","value":"json patch with the semantic content type"}]`,
	} {
		wantError(t, patch(body), 400, "invalid_request")
	}
	if fl := f.flag(t, "engine.enable"); fl["name"] != "Engine" || fl["version"] != float64(2) {
		t.Fatalf("failed semantic patch changed the flag: %v", fl)
	}
	// Targets and variations.
	vars := fl["variations"].([]any)
	on := vars[0].(map[string]any)["_id"].(string)
	off := vars[1].(map[string]any)["_id"].(string)
	r = patch(`{"environmentKey":"test","instructions":[{"kind":"addTargets","variationId":"` + on + `","values":["ctx-1","ctx-2"]},{"kind":"updateOffVariation","variationId":"` + on + `"},{"kind":"archiveFlag"}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("targets: %d %s", r.status, r.body)
	}
	env := f.flag(t, "engine.enable")["environments"].(map[string]any)["test"].(map[string]any)
	targets := env["contextTargets"].([]any)
	if len(targets) != 1 || len(targets[0].(map[string]any)["values"].([]any)) != 2 || env["offVariation"] != float64(0) {
		t.Errorf("test environment: %v", env)
	}
	wantError(t, patch(`{"environmentKey":"test","instructions":[{"kind":"addTargets","variationId":"`+off+`","values":["ctx-1"]}]}`), 400, "invalid_request")
	r = f.do(t, http.MethodGet, "/api/v2/flags/default?filter=state:archived", "")
	if items := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["key"] != "engine.enable" {
		t.Errorf("archived filter: %s", r.body)
	}
}

func TestMethodOverride(t *testing.T) {
	f := newFixture(t, nil)
	r := f.do(t, http.MethodPost, "/api/v2/flags/default/sort.order", `[{"op":"replace","path":"/name","value":"Overridden"}]`, "X-HTTP-Method-Override", "PATCH")
	if r.status != http.StatusOK || r.json(t)["name"] != "Overridden" {
		t.Fatalf("PATCH override: %d %s", r.status, r.body)
	}
	if r := f.do(t, http.MethodPost, "/api/v2/flags/default/sort.order", "", "X-HTTP-Method-Override", "DELETE"); r.status != http.StatusNoContent {
		t.Fatalf("DELETE override: %d", r.status)
	}
	wantError(t, f.do(t, http.MethodPost, "/api/v2/flags/default/dark-mode", "", "X-HTTP-Method-Override", "GET"), 400, "invalid_request")
}

func TestRateLimits(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.GlobalLimit, c.RouteLimit = 5, 3 })
	resetMs := strconv.FormatInt(t0.Add(10*time.Second).UnixMilli(), 10)
	for i := range 3 {
		r := f.do(t, http.MethodGet, "/api/v2/flags/default/sort.order", "")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, r.status)
		}
		if got, want := r.header.Get("X-Ratelimit-Route-Remaining"), strconv.Itoa(2-i); got != want {
			t.Errorf("route remaining = %s, want %s", got, want)
		}
		if got, want := r.header.Get("X-Ratelimit-Global-Remaining"), strconv.Itoa(4-i); got != want {
			t.Errorf("global remaining = %s, want %s", got, want)
		}
		if r.header.Get("X-Ratelimit-Reset") != resetMs {
			t.Errorf("reset = %s, want %s (epoch ms)", r.header.Get("X-Ratelimit-Reset"), resetMs)
		}
	}
	// Same route pattern and verb, another flag: the route window is full.
	r := f.do(t, http.MethodGet, "/api/v2/flags/default/dark-mode", "")
	wantError(t, r, 429, "rate_limited")
	if r.header.Get("X-Ratelimit-Route-Remaining") != "0" || r.header.Get("X-Ratelimit-Reset") != resetMs {
		t.Errorf("429 headers: %v", r.header)
	}
	// Another route still has room until the global window is used up.
	for i := range 2 {
		if r := f.do(t, http.MethodGet, "/api/v2/flags/default", ""); r.status != http.StatusOK {
			t.Fatalf("list %d: %d", i, r.status)
		}
	}
	r = f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	wantError(t, r, 429, "rate_limited")
	if r.header.Get("X-Ratelimit-Global-Remaining") != "0" {
		t.Errorf("global remaining on 429 = %s", r.header.Get("X-Ratelimit-Global-Remaining"))
	}
	f.clk.Advance(10 * time.Second)
	r = f.do(t, http.MethodGet, "/api/v2/flags/default/sort.order", "")
	if r.status != http.StatusOK || r.header.Get("X-Ratelimit-Reset") != strconv.FormatInt(t0.Add(20*time.Second).UnixMilli(), 10) {
		t.Fatalf("after the window: %d %v", r.status, r.header)
	}
	// Unauthenticated requests neither count nor carry the headers.
	if r := f.do(t, http.MethodGet, "/api/v2/flags/default", "", "Authorization", "bad"); r.header.Get("X-Ratelimit-Global-Remaining") != "" {
		t.Error("401 carries rate-limit headers")
	}
}

func TestIPRateLimitRetryAfter(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.IPLimit, c.IPWindow = 2, 10*time.Second })
	f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	f.clk.Advance(4 * time.Second)
	f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	r := f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	wantError(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") != "6" {
		t.Errorf("Retry-After = %q, want 6", r.header.Get("Retry-After"))
	}
	f.clk.Advance(6 * time.Second)
	if r := f.do(t, http.MethodGet, "/api/v2/flags/default", ""); r.status != http.StatusOK {
		t.Fatalf("after Retry-After: %d", r.status)
	}
}

func TestInjectStatusAndRecording(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectStatus(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	r := f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	wantError(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") != "2" {
		t.Error("injected Retry-After missing")
	}
	f.do(t, http.MethodGet, "/api/v2/flags/default", "")
	reqs := f.fake.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Authorization") != tok || reqs[1].Header.Get("LD-API-Version") != "20240415" {
		t.Fatalf("recorded %v", reqs)
	}
	if f.fake.Flag("default", "sort.order")["key"] != "sort.order" || f.fake.Flag("default", "nope") != nil {
		t.Error("Flag hook")
	}
}
