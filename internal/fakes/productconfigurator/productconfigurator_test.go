package productconfigurator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

var t0 = time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC)

const tok = "fake-integration-jwt"

type fixture struct {
	fake *Server
	srv  *httptest.Server
	clk  *clock.Fake
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	cfg := DefaultConfig()
	cfg.Clock = clk
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
	body   []byte
	header http.Header
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (f *fixture) call(t *testing.T, method, path, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, b, resp.Header}
}

// ok calls as tenant-1 and fails the test unless the answer is 200.
func (f *fixture) ok(t *testing.T, method, path, body string) map[string]any {
	t.Helper()
	r := f.call(t, method, "/v1/tenant-1"+path, tok, body)
	if r.status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	return r.json(t)
}

func wantStatus(t *testing.T, r response, status, code int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := r.json(t)
	if m["code"] != float64(code) || m["message"] == "" || m["details"] == nil {
		t.Fatalf("body %s, want google.rpc.Status with code %d", r.body, code)
	}
}

func fakeJWT(exp int64) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(fmt.Sprintf(`{"sub":"integration","exp":%d}`, exp))) + ".sig"
}

func TestAuthentication(t *testing.T) {
	expiring := fakeJWT(t0.Add(time.Hour).Unix())
	f := newFixture(t, func(c *Config) {
		c.Tokens = append(c.Tokens, Token{Value: expiring})
	})
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-1/product/p1", "", ""), 401, 16)
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-1/product/p1", "wrong", ""), 401, 16)
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-2/product/p1", tok, ""), 403, 7)
	// Authenticated: the product simply has no active configurator yet.
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-1/product/p1", tok, ""), 404, 5)
	// A JWT-shaped token works for any tenant until its exp.
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-2/product/p1", expiring, ""), 404, 5)
	f.clk.Advance(time.Hour)
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-2/product/p1", expiring, ""), 401, 16)
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	c := f.ok(t, http.MethodPost, "/product/p1/create", `{"label":"Bike"}`)
	id := c["id"].(string)
	if c["status"] != "DRAFT" || c["productId"] != "p1" || c["label"] != "Bike" || !strings.HasPrefix(c["grn"].(string), "grn:") {
		t.Fatalf("created %v", c)
	}
	activate := func(id string) response {
		return f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+id, tok, `{"payload":{"status":"ACTIVE"},"payloadMask":"status"}`)
	}
	wantStatus(t, activate(id), 400, 9) // no step with an option yet
	wantStatus(t, f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+id, tok, `{"payload":{"status":"DISABLED"}}`), 400, 9)
	st := f.ok(t, http.MethodPost, "/configurator/"+id+"/step/create", `{"label":{"en":"Frame"}}`)
	f.ok(t, http.MethodPost, "/step/"+st["id"].(string)+"/option/create", `{"label":{"en":"Alu"},"externalReferenceId":"SKU-1"}`)
	if r := activate(id); r.status != http.StatusOK || r.json(t)["status"] != "ACTIVE" {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	got := f.ok(t, http.MethodGet, "/product/p1", "")
	steps := got["steps"].([]any)
	if got["id"] != id || len(steps) != 1 || len(steps[0].(map[string]any)["options"].([]any)) != 1 {
		t.Fatalf("active configurator %v", got)
	}
	wantStatus(t, f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+id, tok, `{"payload":{"status":"DRAFT"}}`), 400, 9)
	wantStatus(t, f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+id, tok, `{"payload":{"status":"GONE"}}`), 400, 3)

	// A second configurator activated replaces the first.
	id2 := f.ok(t, http.MethodPost, "/product/p1/create", `{"label":"Bike v2"}`)["id"].(string)
	st2 := f.ok(t, http.MethodPost, "/configurator/"+id2+"/step/create", `{"label":{"en":"Frame"}}`)
	f.ok(t, http.MethodPost, "/step/"+st2["id"].(string)+"/option/create", `{"label":{"en":"Steel"}}`)
	activate(id2)
	if got := f.ok(t, http.MethodGet, "/product/p1/status/DISABLED", ""); got["id"] != id {
		t.Errorf("disabled = %v", got["id"])
	}
	if got := f.ok(t, http.MethodGet, "/product/p1", ""); got["id"] != id2 {
		t.Errorf("active = %v", got["id"])
	}
	// Label-only update with a mask leaves the status alone.
	if got := f.ok(t, http.MethodPut, "/configurator/"+id2, `{"payload":{"label":"Renamed","status":"DISABLED"},"payloadMask":"label"}`); got["label"] != "Renamed" || got["status"] != "ACTIVE" {
		t.Errorf("masked update %v", got)
	}

	// Listing with a page size in the path.
	f.ok(t, http.MethodPost, "/product/p1/create", `{"label":"Bike v3"}`)
	page := f.ok(t, http.MethodPost, "/product/p1/page-size/2/configurators", `{}`)
	if len(page["configurators"].([]any)) != 2 || page["nextPageToken"] == "" {
		t.Fatalf("page 1 %v", page)
	}
	page = f.ok(t, http.MethodPost, "/product/p1/page-size/2/configurators", `{"pageToken":"`+page["nextPageToken"].(string)+`"}`)
	if len(page["configurators"].([]any)) != 1 || page["nextPageToken"] != "" {
		t.Fatalf("page 2 %v", page)
	}
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/product/p1/page-size/x/configurators", tok, `{}`), 400, 3)

	// Deleted is gone.
	f.ok(t, http.MethodDelete, "/configurator/"+id, "")
	wantStatus(t, f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+id, tok, `{"payload":{"label":"x"}}`), 404, 5)
	wantStatus(t, f.call(t, http.MethodDelete, "/v1/tenant-1/step/"+st["id"].(string), tok, ""), 404, 5)
	if page := f.ok(t, http.MethodPost, "/product/p1/page-size/0/configurators", ``); len(page["configurators"].([]any)) != 2 {
		t.Errorf("after delete: %v", page)
	}
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-1/configurator/"+id2, tok, ""), 405, 12)
	wantStatus(t, f.call(t, http.MethodGet, "/v1/tenant-1/nothing/here", tok, ""), 404, 5)
}

type bike struct {
	alu, carbon, red, black, basket string
	frame, color, extras            string
}

// newBike builds an active configurator with a dependency and price and
// weight matrices.
func newBike(t *testing.T, f *fixture) bike {
	t.Helper()
	var b bike
	cid := f.ok(t, http.MethodPost, "/product/bike/create", `{"label":"Bike"}`)["id"].(string)
	mk := func(label string) string {
		return f.ok(t, http.MethodPost, "/configurator/"+cid+"/step/create", `{"label":{"en":"`+label+`"}}`)["id"].(string)
	}
	opt := func(step, label string) string {
		return f.ok(t, http.MethodPost, "/step/"+step+"/option/create", `{"label":{"en":"`+label+`"}}`)["id"].(string)
	}
	b.frame, b.color, b.extras = mk("Frame"), mk("Color"), mk("Extras")
	b.alu, b.carbon = opt(b.frame, "Alu"), opt(b.frame, "Carbon")
	b.red, b.black = opt(b.color, "Red"), opt(b.color, "Black")
	b.basket = opt(b.extras, "Basket")
	// The basket fits the aluminium frame only.
	f.ok(t, http.MethodPost, "/step/"+b.extras+"/dependency/create", `{"optionIds":["`+b.basket+`"],"condition":{"type":"AND","optionIds":["`+b.alu+`"]}}`)
	price := f.ok(t, http.MethodPost, "/matrix/create", `{"configuratorId":"`+cid+`","label":"Price","priceType":{"pricelistGrn":"grn:pl:eur"}}`)["id"].(string)
	weight := f.ok(t, http.MethodPost, "/matrix/create", `{"configuratorId":"`+cid+`","label":"Weight","weightType":{"unit":"KG"}}`)["id"].(string)
	cell := func(m, value, mode string, opts ...string) {
		ids, _ := json.Marshal(opts)
		if opts == nil {
			ids = []byte("[]")
		}
		f.ok(t, http.MethodPost, "/property/create", fmt.Sprintf(`{"matrixId":%q,"optionIds":%s,"propertyValue":%q,"propertyMode":%q}`, m, ids, value, mode))
	}
	cell(price, "100.00", "FIXED")
	cell(price, "250.00", "FIXED", b.carbon)
	cell(price, "10.50", "INCREMENTAL", b.black)
	cell(price, "5.25", "INCREMENTAL", b.basket)
	cell(weight, "10", "FIXED")
	cell(weight, "-2.5", "INCREMENTAL", b.carbon)
	f.ok(t, http.MethodPut, "/configurator/"+cid, `{"payload":{"status":"ACTIVE"}}`)
	return b
}

func TestPricingAndDependencies(t *testing.T) {
	f := newFixture(t, nil)
	b := newBike(t, f)
	sel := func(pairs ...string) string {
		var parts []string
		for i := 0; i < len(pairs); i += 2 {
			parts = append(parts, fmt.Sprintf(`{"stepId":%q,"optionIds":[%q]}`, pairs[i], pairs[i+1]))
		}
		return `{"selections":[` + strings.Join(parts, ",") + `]}`
	}
	cases := []struct {
		name           string
		body           string
		units          string
		micros, weight any
		matched        int
	}{
		{"alu, black, basket", sel(b.frame, b.alu, b.color, b.black, b.extras, b.basket), "115", float64(750000), "10.00", 4},
		{"carbon, red", sel(b.frame, b.carbon, b.color, b.red), "250", float64(0), "7.50", 4},
		{"nothing", `{}`, "100", float64(0), "10.00", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := f.ok(t, http.MethodPost, "/product/bike/configuration-from-selections", c.body)
			p := m["price"].(map[string]any)
			if p["units"] != c.units || p["micros"] != c.micros || m["weight"] != c.weight || len(m["matchedProperties"].([]any)) != c.matched {
				t.Fatalf("price %v weight %v matched %d", p, m["weight"], len(m["matchedProperties"].([]any)))
			}
		})
	}
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/product/bike/configuration-from-selections", tok, sel(b.frame, b.carbon, b.extras, b.basket)), 400, 3)
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/product/bike/configuration-from-selections", tok, sel(b.frame, b.red)), 400, 3)
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/product/nobike/configuration-from-selections", tok, `{}`), 404, 5)

	avail := f.ok(t, http.MethodGet, "/product/bike/configuration", "")
	extras := avail["steps"].([]any)[2].(map[string]any)["options"].([]any)[0].(map[string]any)
	if extras["available"] != false || extras["selected"] != false {
		t.Errorf("basket without alu: %v", extras)
	}
	m := f.ok(t, http.MethodPost, "/product/bike/configuration-from-selections", sel(b.frame, b.alu))
	extras = m["steps"].([]any)[2].(map[string]any)["options"].([]any)[0].(map[string]any)
	frame := m["steps"].([]any)[0].(map[string]any)["options"].([]any)[0].(map[string]any)
	if extras["available"] != true || frame["selected"] != true {
		t.Errorf("with alu: basket %v, alu %v", extras, frame)
	}

	// Deleting an option removes its cells.
	f.ok(t, http.MethodDelete, "/option/"+b.black, "")
	m = f.ok(t, http.MethodPost, "/product/bike/configuration-from-selections", sel(b.frame, b.alu))
	if m["price"].(map[string]any)["units"] != "100" {
		t.Errorf("after deleting black: %v", m["price"])
	}
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/step/"+b.extras+"/dependency/create", tok, `{"optionIds":["`+b.basket+`"],"condition":{"type":"XOR","optionIds":["`+b.alu+`"]}}`), 400, 3)
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/step/"+b.extras+"/dependency/create", tok, `{"optionIds":["`+b.alu+`"],"condition":{"type":"OR","optionIds":["`+b.red+`"]}}`), 400, 3)
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/property/create", tok, `{"matrixId":"none","propertyValue":"1"}`), 404, 5)
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/matrix/create", tok, `{"configuratorId":"none"}`), 404, 5)
}

func TestMoneyParsing(t *testing.T) {
	for in, want := range map[string]string{"1": "1.00", "1.5": "1.50", "-2.25": "-2.25", "0.123456": "0.123456", "10.10": "10.10"} {
		n, err := parseMicros(in)
		if err != nil || formatMicros(n) != want {
			t.Errorf("%s: %d %v → %s, want %s", in, n, err, formatMicros(n), want)
		}
	}
	for _, bad := range []string{"", "1.1234567", "abc", ".5", "1e3"} {
		if _, err := parseMicros(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestInjectAndRecord(t *testing.T) {
	f := newFixture(t, nil)
	f.fake.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}})
	r := f.call(t, http.MethodGet, "/v1/tenant-1/product/p1", tok, "")
	wantStatus(t, r, 503, 14)
	if r.header.Get("Retry-After") != "1" {
		t.Error("injected header missing")
	}
	f.call(t, http.MethodGet, "/v1/tenant-1/product/p1", tok, "")
	reqs := f.fake.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Authorization") != "Bearer "+tok {
		t.Fatalf("recorded %+v", reqs)
	}
}

func TestFieldViolationDetailsAndBulkCreate(t *testing.T) {
	f := newFixture(t, nil)
	c := f.ok(t, http.MethodPost, "/product/p1/create", `{"label":"Bike"}`)
	cid := c["id"].(string)

	steps := f.ok(t, http.MethodPost, "/configurator/"+cid+"/step/create/bulk",
		`{"steps":[{"label":{"value":{"en":"Frame"}},"position":"1"},{"label":{"value":{"en":"Color"}},"position":"2"}]}`)
	list := steps["steps"].([]any)
	if len(list) != 2 {
		t.Fatalf("bulk steps = %v", steps)
	}
	sid := list[0].(map[string]any)["id"].(string)
	opts := f.ok(t, http.MethodPost, "/step/"+sid+"/option/create/bulk", `{"options":[{"position":"1"},{"position":"2","externalReferenceId":"sku-2"}]}`)
	if n := len(opts["options"].([]any)); n != 2 {
		t.Fatalf("bulk options = %v", opts)
	}
	got := f.ok(t, http.MethodGet, "/product/p1/status/DRAFT", "")
	if n := len(got["steps"].([]any)[0].(map[string]any)["options"].([]any)); n != 2 {
		t.Fatalf("the first step has %d options, want 2", n)
	}
	wantStatus(t, f.call(t, http.MethodPost, "/v1/tenant-1/configurator/"+cid+"/step/create/bulk", tok, `{"steps":[]}`), http.StatusBadRequest, 3)

	// A field error carries one google.rpc.BadRequest naming the field.
	r := f.call(t, http.MethodPost, "/v1/tenant-1/property/create", tok, `{"matrixId":"nope"}`)
	wantStatus(t, r, http.StatusNotFound, 5)
	if d := r.json(t)["details"].([]any); len(d) != 0 {
		t.Fatalf("a not-found error has details %v", d)
	}
	r = f.call(t, http.MethodPut, "/v1/tenant-1/configurator/"+cid, tok, `{"payload":{"status":"GONE"}}`)
	wantStatus(t, r, http.StatusBadRequest, 3)
	d := r.json(t)["details"].([]any)
	if len(d) != 1 {
		t.Fatalf("details = %v, want one BadRequest", d)
	}
	br := d[0].(map[string]any)
	fv := br["fieldViolations"].([]any)[0].(map[string]any)
	if br["@type"] != "type.googleapis.com/google.rpc.BadRequest" || fv["field"] != "payload.status" || fv["description"] == "" {
		t.Fatalf("detail = %v", br)
	}
}
