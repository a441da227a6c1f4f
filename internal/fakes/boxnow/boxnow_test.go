package boxnow

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
)

var t0 = time.Date(2022, 1, 12, 9, 42, 33, 0, time.UTC)

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
	cfg.Clients = append(cfg.Clients,
		Client{ID: "limited", Secret: "limited-secret"}, // no permissions, no cod, no returns
	)
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

func (f *fixture) do(t *testing.T, method, url, token, contentType, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	if strings.HasPrefix(url, "/") {
		url = f.srv.URL + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (f *fixture) login(t *testing.T, id, secret string) string {
	t.Helper()
	r := f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json",
		`{"grant_type":"client_credentials","client_id":"`+id+`","client_secret":"`+secret+`"}`)
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	return r.json(t)["access_token"].(string)
}

func (f *fixture) token(t *testing.T) string {
	return f.login(t, "fake-client-id", "fake-client-secret")
}

func wantCode(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if got := r.json(t)["code"]; got != code {
		t.Fatalf("code %v, want %s: %s", got, code, r.body)
	}
}

func TestAuthSessions(t *testing.T) {
	f := newFixture(t, nil)
	r := f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json",
		`{"grant_type":"client_credentials","client_id":"fake-client-id","client_secret":"fake-client-secret"}`)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(3600) || m["access_token"] == "" {
		t.Fatalf("token response %v", m)
	}
	// The access token is a JWT with a 1 h lifetime and namespaced permissions.
	parts := strings.Split(m["access_token"].(string), ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	if claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("lifetime: %v", claims)
	}
	perm := claims["https://boxnow.gr/"].(map[string]any)["permission"].(map[string]any)
	if perm["anyApmAsOrigin"] != true || perm["depotAsOrigin"] != true {
		t.Errorf("permissions: %v", perm)
	}

	wantCode(t, f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/x-www-form-urlencoded",
		"grant_type=client_credentials&client_id=fake-client-id&client_secret=fake-client-secret"), 400, "P400")
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json",
		`{"grant_type":"password","client_id":"fake-client-id","client_secret":"fake-client-secret"}`), 400, "P400")
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json", `{"grant_type":"client_credentials"}`), 400, "P400")
	if r := f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json",
		`{"grant_type":"client_credentials","client_id":"fake-client-id","client_secret":"wrong"}`); r.status != http.StatusUnauthorized {
		t.Errorf("bad secret: %d", r.status)
	}
	f.fake.SetAccountDisabled("fake-client-id", true)
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/auth-sessions", "", "application/json",
		`{"grant_type":"client_credentials","client_id":"fake-client-id","client_secret":"fake-client-secret"}`), 403, "X403")
	if f.fake.TokensIssued() != 1 {
		t.Errorf("TokensIssued = %d", f.fake.TokensIssued())
	}
}

func TestBearerTokenLifetime(t *testing.T) {
	f := newFixture(t, nil)
	if r := f.do(t, http.MethodGet, "/api/v1/origins", "", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.status)
	}
	if r := f.do(t, http.MethodGet, "/api/v1/origins", "not-a-jwt", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("garbage token: %d", r.status)
	}
	tok := f.token(t)
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusOK {
		t.Fatalf("valid token: %d", r.status)
	}
	f.clk.Advance(3599 * time.Second)
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d", r.status)
	}
	f.clk.Advance(time.Second)
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d", r.status)
	}
	tok = f.token(t)
	f.fake.RevokeTokens()
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked: %d", r.status)
	}
	tok = f.token(t)
	f.fake.SetAccountDisabled("fake-client-id", true)
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""), 403, "X403")
}

func TestLocations(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	count := func(path string) int {
		r := f.do(t, http.MethodGet, path, tok, "", "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		return len(r.json(t)["data"].([]any))
	}
	for path, want := range map[string]int{
		"/api/v1/origins":                                         3,
		"/api/v1/origins?locationType=warehouse":                  1,
		"/api/v1/origins?locationType=warehouse,depot":            2,
		"/api/v1/destinations":                                    3,
		"/api/v1/destinations?name=SYNTAGMA":                      1,
		"/api/v1/destinations?latlng=37.98,23.73&radius=10000":    2,
		"/api/v1/destinations?latlng=40.64,22.94":                 1,
		"/api/v1/destinations?limit=2":                            2,
		"/api/v1/destinations?locationType=apm&name=thessaloniki": 1,
	} {
		if got := count(path); got != want {
			t.Errorf("%s: %d locations, want %d", path, got, want)
		}
	}
	d := f.do(t, http.MethodGet, "/api/v1/destinations?name=syntagma", tok, "", "").json(t)["data"].([]any)[0].(map[string]any)
	if d["expectedDeliveryTime"] != "2022-01-13T09:42:33.000Z" || d["region"] != "el-GR" || d["type"] != "apm" {
		t.Errorf("destination %v", d)
	}
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/destinations?latlng=nowhere", tok, "", ""), 400, "P400")
}

// validRequest is a delivery request that passes every check.
func validRequest() map[string]any {
	return map[string]any{
		"orderNumber": "ORD-1", "paymentMode": "prepaid", "invoiceValue": "25.50", "amountToBeCollected": "0.00",
		"allowReturn": true,
		"origin":      map[string]any{"locationId": "1", "contactName": "Warehouse", "contactNumber": "+30 21 4 655 1234", "contactEmail": "wh@example.com"},
		"destination": map[string]any{"locationId": "4", "contactName": "Yiannis Papadopoulos", "contactNumber": "+30 69 1234 5678", "contactEmail": "y@example.com"},
		"items": []any{
			map[string]any{"id": "item-1", "name": "Smartphone", "value": "20.00", "weight": 1.6, "compartmentSize": 2},
			map[string]any{"id": "item-2", "name": "Case", "value": "5.50"},
		},
	}
}

func body(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func (f *fixture) create(t *testing.T, tok string, req map[string]any) response {
	t.Helper()
	return f.do(t, http.MethodPost, "/api/v1/delivery-requests", tok, "application/json", body(req))
}

func TestDeliveryRequestLabelsAndParcels(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	r := f.create(t, tok, validRequest())
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	parcels := m["parcels"].([]any)
	if m["id"] != "1000001" || len(parcels) != 2 || parcels[0].(map[string]any)["id"] != "9219700001" {
		t.Fatalf("create response %v", m)
	}
	id := parcels[0].(map[string]any)["id"].(string)

	r = f.do(t, http.MethodGet, "/api/v1/parcels/"+id+"/label.pdf", tok, "", "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-1.4")) ||
		!bytes.Contains(r.body, []byte("(Parcel "+id+")")) {
		t.Fatalf("pdf label: %d %v", r.status, r.header)
	}
	r = f.do(t, http.MethodGet, "/api/v1/parcels/"+id+"/label.zpl?dpi=300&width=100&printerModel=ZQ310", tok, "", "")
	if r.header.Get("Content-Type") != "x-application/zpl" || !bytes.HasPrefix(r.body, []byte("^XA^PW1181")) {
		t.Fatalf("zpl label: %v %s", r.header, r.body)
	}
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/parcels/"+id+"/label.zpl?dpi=150", tok, "", ""), 400, "P400")
	r = f.do(t, http.MethodGet, "/api/v1/delivery-requests/ORD-1/label.pdf", tok, "", "")
	if !bytes.Contains(r.body, []byte("/Count 2")) {
		t.Fatalf("order label: %s", r.body)
	}

	r = f.do(t, http.MethodPost, "/api/v1/labels:search", tok, "application/json", `{"orderNumbers":["ORD-1"],"paperSize":"A4","perPage":2}`)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.Contains(r.body, []byte("/Count 2")) {
		t.Fatalf("labels:search: %d %s", r.status, r.body)
	}
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/labels:search", tok, "application/json", `{"perPage":3}`), 400, "P400")
	if r := f.do(t, http.MethodPost, "/api/v1/labels:search", tok, "application/json", `{"orderNumbers":["NONE"]}`); r.status != http.StatusNotFound {
		t.Errorf("labels:search without hits: %d", r.status)
	}
	ld := f.do(t, http.MethodGet, "/api/v1/parcels/"+id+"/label", tok, "", "").json(t)["data"].(map[string]any)
	if ld["orderNumber"] != "ORD-1" || ld["parcel"].(map[string]any)["weight"] != "1.6 kg" || ld["delivery"].(map[string]any)["destinationPublicId"] != "4" {
		t.Errorf("label data %v", ld)
	}
	if r := f.do(t, http.MethodGet, "/api/v1/delivery-requests/ORD-1/label", tok, "", ""); len(r.json(t)["data"].([]any)) != 2 {
		t.Errorf("order label data %s", r.body)
	}

	r = f.do(t, http.MethodGet, "/api/v1/parcels?orderNumber=ORD-1", tok, "", "")
	data := r.json(t)["data"].([]any)
	p0 := data[0].(map[string]any)
	if len(data) != 2 || p0["state"] != "new" || p0["itemRefId"] != "item-1" || p0["weight"] != "1.6" ||
		p0["deliveryRequest"].(map[string]any)["orderNumber"] != "ORD-1" ||
		p0["parcelLabelUrl"] != f.srv.URL+"/api/v1/parcels/"+id+"/label.pdf" ||
		p0["events"].([]any)[0].(map[string]any)["type"] != "new" {
		t.Fatalf("parcel %v", p0)
	}

	// Update allowReturn.
	if r := f.do(t, http.MethodPut, "/api/v1/delivery-requests/ORD-1", tok, "application/json", `{"allowReturn":false}`); r.status != http.StatusOK || r.json(t)["id"] != "1000001" {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if p := f.do(t, http.MethodGet, "/api/v1/parcels?parcelId="+id, tok, "", "").json(t)["data"].([]any)[0].(map[string]any); p["allowReturn"] != false {
		t.Errorf("allowReturn not updated: %v", p)
	}
	if r := f.do(t, http.MethodPut, "/api/v1/delivery-requests/NOPE", tok, "application/json", `{}`); r.status != http.StatusNotFound {
		t.Errorf("update unknown: %d", r.status)
	}
}

func TestDeliveryRequestErrorCodes(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	limited := f.login(t, "limited", "limited-secret")
	if r := f.create(t, tok, validRequest()); r.status != http.StatusOK {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	set := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) {
			keys := strings.Split(path, ".")
			cur := m
			for _, k := range keys[:len(keys)-1] {
				cur = cur[k].(map[string]any)
			}
			if v == nil {
				delete(cur, keys[len(keys)-1])
			} else {
				cur[keys[len(keys)-1]] = v
			}
		}
	}
	cases := []struct {
		name  string
		token string
		mods  []func(map[string]any)
		code  string
	}{
		{"missing items", tok, []func(map[string]any){set("items", []any{})}, "P400"},
		{"missing contact name", tok, []func(map[string]any){set("destination.contactName", nil)}, "P400"},
		{"one decimal", tok, []func(map[string]any){set("invoiceValue", "25.5")}, "P400"},
		{"bad payment mode", tok, []func(map[string]any){set("paymentMode", "card")}, "P400"},
		{"local phone", tok, []func(map[string]any){set("destination.contactNumber", "2101234567")}, "P405"},
		{"bad country", tok, []func(map[string]any){set("destination.locationId", nil), set("destination.addressLine1", "Street 1"), set("destination.postalCode", "10557"), set("destination.country", "XX")}, "P407"},
		{"unknown origin", tok, []func(map[string]any){set("origin.locationId", "99")}, "P401"},
		{"origin is a destination", tok, []func(map[string]any){set("origin.locationId", "4")}, "P401"},
		{"unknown destination", tok, []func(map[string]any){set("destination.locationId", "1")}, "P402"},
		{"any-apm without permission", limited, []func(map[string]any){set("origin.locationId", "2"), set("items", []any{map[string]any{"value": "1.00", "compartmentSize": 1}})}, "P403"},
		{"compartment size 4", tok, []func(map[string]any){set("items", []any{map[string]any{"value": "1.00", "compartmentSize": 4}})}, "P406"},
		{"no size from an APM", tok, []func(map[string]any){set("origin.locationId", "2")}, "P406"},
		{"cod zero", tok, []func(map[string]any){set("paymentMode", "cod")}, "P408"},
		{"cod too high", tok, []func(map[string]any){set("paymentMode", "cod"), set("amountToBeCollected", "5000.01")}, "P408"},
		{"unknown partner", tok, []func(map[string]any){set("destination.deliveryPartnerId", "1")}, "P409"},
		{"order number reused", tok, nil, "P410"},
		{"cod not eligible", limited, []func(map[string]any){set("paymentMode", "cod"), set("amountToBeCollected", "10.00")}, "P411"},
		{"return to a depot", tok, []func(map[string]any){set("returnLocation", map[string]any{"locationId": "3"})}, "P413"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := validRequest()
			if c.code != "P410" {
				req["orderNumber"] = "X-" + c.name
			}
			for _, m := range c.mods {
				m(req)
			}
			r := f.create(t, c.token, req)
			wantCode(t, r, 400, c.code)
			if msg, _ := r.json(t)["message"].(string); msg == "" {
				t.Error("no message")
			}
		})
	}
	// The boundary values pass.
	ok := validRequest()
	ok["orderNumber"], ok["paymentMode"], ok["amountToBeCollected"] = "ORD-2", "cod", "5000.00"
	ok["returnLocation"] = map[string]any{"locationId": "1"}
	if r := f.create(t, tok, ok); r.status != http.StatusOK {
		t.Fatalf("cod 5000.00: %d %s", r.status, r.body)
	}
	// Another partner may reuse an order number.
	other := validRequest()
	other["items"] = []any{map[string]any{"value": "1.00"}}
	if r := f.create(t, limited, other); r.status != http.StatusOK {
		t.Fatalf("other partner, same order number: %d %s", r.status, r.body)
	}
	// Customer returns need the permission.
	ret := validRequest()
	ret["orderNumber"] = "RET-0"
	ret["items"] = []any{map[string]any{"value": "1.00"}}
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/delivery-requests:customerReturns", limited, "application/json", body(ret)), 400, "P412")
	ret = validRequest()
	ret["orderNumber"] = "RET-1"
	if r := f.do(t, http.MethodPost, "/api/v1/delivery-requests:customerReturns", tok, "application/json", body(ret)); r.status != http.StatusOK {
		t.Fatalf("customer return: %d %s", r.status, r.body)
	}
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/delivery-requests", tok, "application/json", "{"), 400, "P400")
}

func TestCancel(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	m := f.create(t, tok, validRequest()).json(t)
	p1 := m["parcels"].([]any)[0].(map[string]any)["id"].(string)
	p2 := m["parcels"].([]any)[1].(map[string]any)["id"].(string)
	for range 2 { // cancelling twice has no effect
		if r := f.do(t, http.MethodPost, "/api/v1/parcels/"+p1+":cancel", tok, "", ""); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
	}
	ps := f.fake.Parcels()
	if ps[0].State != "canceled" || strings.Join(ps[0].Events, ",") != "new,canceled" {
		t.Fatalf("after cancel: %+v", ps[0])
	}
	if err := f.fake.SetParcelState(p2, "delivered"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/parcels/"+p2+":cancel", tok, "", ""), 400, "P420")
	other := f.login(t, "limited", "limited-secret")
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/parcels/"+p2+":cancel", other, "", ""), 403, "P414")
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/parcels/"+p2+"/label.pdf", other, "", ""), 403, "P414")
	wantCode(t, f.do(t, http.MethodPost, "/api/v1/labels:search", other, "application/json", `{"parcelIds":["`+p2+`"]}`), 403, "P414")
	if r := f.do(t, http.MethodPost, "/api/v1/parcels/1:cancel", tok, "", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown parcel: %d", r.status)
	}
	r := f.do(t, http.MethodGet, "/api/v1/parcels?state=canceled", tok, "", "")
	if data := r.json(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != p1 {
		t.Errorf("state filter: %s", r.body)
	}
}

func TestParcelPagesAndCSVExport(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	for i := range 5 {
		req := validRequest()
		req["orderNumber"] = "ORD-" + string(rune('A'+i))
		req["items"] = []any{map[string]any{"value": "1.00"}}
		if r := f.create(t, tok, req); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
		f.clk.Advance(time.Minute)
	}
	var ids []string
	url := "/api/v1/parcels?limit=2"
	var csvURL string
	for pages := 0; url != ""; pages++ {
		r := f.do(t, http.MethodGet, url, tok, "", "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", url, r.status, r.body)
		}
		m := r.json(t)
		if m["count"] != float64(5) {
			t.Errorf("count %v", m["count"])
		}
		for _, p := range m["data"].([]any) {
			ids = append(ids, p.(map[string]any)["id"].(string))
		}
		pag := m["pagination"].(map[string]any)
		if pag["first"] == nil || pag["last"] == nil {
			t.Errorf("pagination %v", pag)
		}
		url = ""
		if n, ok := pag["next"].(string); ok {
			url = "/api/v1/parcels?limit=2&pageToken=" + n
		}
		csvURL = r.header.Get("X-export-url-csv")
	}
	if len(ids) != 5 || ids[0] != "9219700001" || ids[4] != "9219700005" {
		t.Fatalf("ids %v", ids)
	}
	from := t0.Add(90 * time.Second).UnixMilli()
	if r := f.do(t, http.MethodGet, "/api/v1/parcels?createdFrom="+itoa(from), tok, "", ""); len(r.json(t)["data"].([]any)) != 3 {
		t.Errorf("createdFrom: %s", r.body)
	}
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/parcels?limit=101", tok, "", ""), 400, "P400")
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/parcels?pageToken=%25%25", tok, "", ""), 400, "P400")

	r := f.do(t, http.MethodGet, csvURL, "", "", "") // the link carries its own authorization
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv" || strings.Count(string(r.body), "\n") != 6 ||
		!strings.HasPrefix(string(r.body), "id,state,order_number,destination_public_id") || !strings.Contains(string(r.body), "9219700003,new,ORD-C,4,") {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestInjectedErrorsAndRecording(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token(t)
	f.fake.InjectError(1, "P600")
	wantCode(t, f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""), 503, "P600")
	f.fake.InjectStatus(1, http.StatusBadGateway, http.Header{"Retry-After": {"1"}})
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusBadGateway || r.header.Get("Retry-After") != "1" {
		t.Fatalf("injected status: %d", r.status)
	}
	if r := f.do(t, http.MethodGet, "/api/v1/origins", tok, "", ""); r.status != http.StatusOK {
		t.Fatalf("after injections: %d", r.status)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 4 || reqs[0].Path != "/api/v1/auth-sessions" || !strings.Contains(string(reqs[0].Body), "client_credentials") ||
		reqs[1].Header.Get("Authorization") != "Bearer "+tok {
		t.Fatalf("recorded %+v", reqs)
	}
	if r := f.do(t, http.MethodGet, "/api/v1/nothing", tok, "", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", r.status)
	}
}
