package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/boxnow"
	fake "github.com/apigen-go/apigen/internal/fakes/boxnow"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/secret"
)

// boxnowEnv is a fake BOX NOW server on a fake clock with a client for it.
type boxnowEnv struct {
	fake *fake.Server
	clk  *clock.Fake
	url  string
	c    *boxnow.Client
}

const boxnowTokenPath = "/api/v1/auth-sessions"

var boxnowCreds = boxnow.Credentials{ClientID: "fake-client-id", ClientSecret: secret.New("fake-client-secret")}

// boxnowSetup starts the fake with a token lifetime of ttl (seconds, as the
// fake reports expires_in) and a client sharing its clock.
func boxnowSetup(t *testing.T, ttl time.Duration, mod func(*fake.Config)) *boxnowEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2022, 1, 12, 9, 42, 33, 0, time.UTC))
	cfg := fake.DefaultConfig()
	cfg.Clock = clk
	cfg.TokenTTL = ttl
	cfg.Clients = append(cfg.Clients,
		fake.Client{ID: "other-partner", Secret: "other-secret", Permissions: fake.AllPermissions(), CODEligible: true},
		fake.Client{ID: "no-cod", Secret: "no-cod-secret"}, // no permissions, no cod, no returns
	)
	if mod != nil {
		mod(&cfg)
	}
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &boxnowEnv{fake: f, clk: clk, url: srv.URL, c: boxnowClient(t, srv.URL, clk, boxnowCreds)}
}

func boxnowClient(t *testing.T, url string, clk *clock.Fake, creds boxnow.Credentials) *boxnow.Client {
	t.Helper()
	c, err := boxnow.New(url, boxnow.WithCredentials(creds), boxnow.WithInsecureHTTP(), boxnow.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// boxnowAPIRequests splits the fake's requests into token requests and the rest.
func boxnowAPIRequests(f *fake.Server) (tokens, api []string) {
	for _, r := range f.Requests() {
		if r.Path == boxnowTokenPath {
			tokens = append(tokens, string(r.Body))
			continue
		}
		api = append(api, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	return tokens, api
}

// boxnowOrder is a valid prepaid delivery request from the warehouse to an APM.
func boxnowOrder(orderNumber, destination string, items int) *boxnow.DeliveryRequest {
	req := &boxnow.DeliveryRequest{
		OrderNumber:         orderNumber,
		PaymentMode:         boxnow.PaymentModePrepaid,
		InvoiceValue:        "25.50",
		AmountToBeCollected: "0.00",
		AllowReturn:         opt.Some(true),
		Origin: boxnow.LocationRef{
			LocationID:    opt.Some("1"),
			ContactNumber: opt.Some("+30 21 4 655 1234"),
			ContactEmail:  opt.Some("warehouse@example.gr"),
			ContactName:   opt.Some("Partner warehouse"),
		},
		Destination: boxnow.LocationRef{
			LocationID:    opt.Some(destination),
			ContactNumber: opt.Some("+30 69 1 234 5678"),
			ContactEmail:  opt.Some("yiannis@example.gr"),
			ContactName:   opt.Some("Yiannis Papadopoulos"),
		},
	}
	for i := range items {
		req.Items = append(req.Items, boxnow.DeliveryItem{
			ID: opt.Some("item-" + string(rune('a'+i))), Name: opt.Some("Smartphone"),
			Value: "12.75", Weight: opt.Some(0.4), CompartmentSize: opt.Some(int64(2)),
		})
	}
	return req
}

func TestBoxNow_TokenFetchedOnceCachedAndRefreshedBeforeExpiry(t *testing.T) {
	const ttl = 10 * time.Second // scaled down from the documented 3600 s
	env := boxnowSetup(t, ttl, nil)
	ctx := context.Background()

	// Concurrent first calls share one token request (single flight).
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.c.ListDestinations(ctx, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := env.c.ListOrigins(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := env.fake.TokensIssued(); n != 1 {
		t.Fatalf("%d token requests for 11 calls; want 1 (cached)", n)
	}

	// The token request is the JSON client credentials grant of /auth-sessions.
	var tokReq fakeRequest
	for _, r := range env.fake.Requests() {
		if r.Path == boxnowTokenPath {
			tokReq = fakeRequest{method: r.Method, ctype: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"), body: r.Body}
			break
		}
	}
	if tokReq.method != http.MethodPost || !strings.HasPrefix(tokReq.ctype, "application/json") || tokReq.auth != "" {
		t.Fatalf("token request: %s, Content-Type %q, Authorization %q", tokReq.method, tokReq.ctype, tokReq.auth)
	}
	var body map[string]any
	if err := json.Unmarshal(tokReq.body, &body); err != nil {
		t.Fatalf("token request body %q is not JSON: %v", tokReq.body, err)
	}
	if body["grant_type"] != "client_credentials" || body["client_id"] != "fake-client-id" || body["client_secret"] != "fake-client-secret" {
		t.Fatalf("token request body = %v", body)
	}
	_, api := boxnowAPIRequests(env.fake)
	first := api[0]
	for i, tok := range api {
		if tok == "" || tok != first {
			t.Fatalf("API request %d sent token %q, want the cached %q", i, tok, first)
		}
	}

	// Well inside the lifetime: still the cached token.
	env.clk.Advance(7 * time.Second)
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := env.fake.TokensIssued(); n != 1 {
		t.Fatalf("token fetched again %d times 7 s into a 10 s lifetime", n-1)
	}

	// 9.5 s in: the server would still accept the old token for 0.5 s, but
	// the client renews it ahead of expiry, so no request ever gets a 401.
	env.clk.Advance(2500 * time.Millisecond)
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := env.fake.TokensIssued(); n != 2 {
		t.Fatalf("tokens issued = %d at 9.5 s of a 10 s lifetime; want 2 (renewed before expiry)", n)
	}
	_, api = boxnowAPIRequests(env.fake)
	if len(api) != 13 {
		t.Fatalf("%d API requests for 13 calls: a token was refused and replayed", len(api))
	}
	if last := api[len(api)-1]; last == first || last == "" {
		t.Fatalf("the call after renewal sent %q; want the new token", last)
	}

	// And past the first token's expiry nothing goes wrong either.
	env.clk.Advance(5 * time.Second)
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := env.fake.TokensIssued(); n != 2 {
		t.Fatalf("tokens issued = %d; the second token is still fresh", n)
	}
}

type fakeRequest struct {
	method, ctype, auth string
	body                []byte
}

func TestBoxNow_RevokedTokenCostsOneRefreshAndOneReplay(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	ctx := context.Background()
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	env.fake.RevokeTokens()
	env.fake.ResetRequests()
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	tokens, api := boxnowAPIRequests(env.fake)
	if len(tokens) != 1 || len(api) != 2 {
		t.Fatalf("after a 401: %d token requests and %d API requests; want 1 and 2 (one refresh, one replay)", len(tokens), len(api))
	}
	if api[0] == api[1] {
		t.Fatal("the replay reused the rejected token")
	}

}

func TestBoxNow_WrongClientSecretIsOneTokenRequest(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	bad := boxnowClient(t, env.url, env.clk, boxnow.Credentials{ClientID: "fake-client-id", ClientSecret: secret.New("s3cr3t-wrong")})
	_, err := bad.ListDestinations(context.Background(), nil)
	var re *auth.RetrieveError
	if !errors.As(err, &re) || re.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong client secret: err = %v, want *auth.RetrieveError 401", err)
	}
	if strings.Contains(err.Error(), "s3cr3t-wrong") {
		t.Fatalf("error leaks the secret: %v", err)
	}
	// A refused grant fails the same way every time: it is not retried,
	// and the API is never called without a token.
	if tokens, api := boxnowAPIRequests(env.fake); len(tokens) != 1 || len(api) != 0 {
		t.Fatalf("wrong secret: %d token requests, %d API requests; want 1 and 0", len(tokens), len(api))
	}
}

func TestBoxNow_DestinationsDeliveryRequestLabelParcels(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	ctx := context.Background()

	// 1. Destinations: APMs, filtered by name.
	dests, err := env.c.ListDestinations(ctx, &boxnow.ListDestinationsParams{Name: opt.Some("syntagma"), LocationType: []boxnow.LocationType{boxnow.LocationTypeApm}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dests.Data) != 1 || dests.Data[0].Type != boxnow.LocationTypeApm {
		t.Fatalf("destinations named syntagma: %+v", dests.Data)
	}
	dest := dests.Data[0]
	if _, ok := dest.ExpectedDeliveryTime.Get(); !ok {
		t.Fatal("destination without expectedDeliveryTime")
	}

	// 2. A delivery request with two items: two parcels.
	created, err := env.c.CreateDeliveryRequest(ctx, nil, boxnowOrder("ORD-1001", dest.ID, 2))
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || len(created.Parcels) != 2 {
		t.Fatalf("created %+v; want an order id and 2 parcels", created)
	}
	fakeParcels := env.fake.Parcels()
	if len(fakeParcels) != 2 || fakeParcels[0].OrderNumber != "ORD-1001" || fakeParcels[0].ID != created.Parcels[0].ID {
		t.Fatalf("fake holds %+v", fakeParcels)
	}

	// 3. The PDF label of each parcel, streamed.
	for _, p := range created.Parcels {
		dl, err := env.c.GetParcelLabel(ctx, p.ID, boxnow.LabelFileTypePDF, nil)
		if err != nil {
			t.Fatal(err)
		}
		if dl.ContentType != "application/pdf" {
			t.Fatalf("label Content-Type %q", dl.ContentType)
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, dl.Body)
		dl.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		pdf := buf.Bytes()
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%%EOF")) {
			t.Fatalf("label is not a PDF: %q…", pdf[:min(len(pdf), 20)])
		}
		if !bytes.Contains(pdf, []byte("Parcel "+p.ID)) {
			t.Fatalf("label of %s does not name the parcel", p.ID)
		}
		if dl.Size >= 0 && dl.Size != n {
			t.Fatalf("Size %d, read %d bytes", dl.Size, n)
		}
	}
	last := env.fake.Requests()[len(env.fake.Requests())-1]
	if last.Path != "/api/v1/parcels/"+created.Parcels[1].ID+"/label.pdf" {
		t.Fatalf("label request path %q", last.Path)
	}

	// ZPL labels of the whole order, with the ZPL parameters.
	zpl, err := env.c.GetOrderLabels(ctx, "ORD-1001", boxnow.LabelFileTypeZpl, &boxnow.GetOrderLabelsParams{Dpi: opt.Some(boxnow.GetOrderLabelsDpi300), Width: opt.Some(int64(100))})
	if err != nil {
		t.Fatal(err)
	}
	zb, _ := io.ReadAll(zpl.Body)
	zpl.Body.Close()
	if zpl.ContentType != "x-application/zpl" || bytes.Count(zb, []byte("^XA")) != 2 {
		t.Fatalf("order ZPL labels: %q, %d labels", zpl.ContentType, bytes.Count(zb, []byte("^XA")))
	}

	// 4. Parcels: filter by order, and page through all of them.
	if _, err := env.c.CreateDeliveryRequest(ctx, nil, boxnowOrder("ORD-1002", dest.ID, 3)); err != nil {
		t.Fatal(err)
	}
	page, err := env.c.ListParcels(ctx, &boxnow.ListParcelsParams{OrderNumber: opt.Some("ORD-1001")})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[0].State != boxnow.ParcelStateNew {
		t.Fatalf("parcels of ORD-1001: %+v", page.Data)
	}
	if url, _ := page.Data[0].ParcelLabelURL.Get(); !strings.HasSuffix(url, "/api/v1/parcels/"+page.Data[0].ID+"/label.pdf") {
		t.Fatalf("parcelLabelUrl %q", url)
	}
	env.fake.ResetRequests()
	var ids []string
	for p, err := range env.c.ListParcelsAll(ctx, &boxnow.ListParcelsParams{Limit: opt.Some(int64(2))}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if len(ids) != 5 {
		t.Fatalf("iterated %d parcels, want 5", len(ids))
	}
	if n := len(env.fake.Requests()); n != 3 {
		t.Fatalf("%d page requests for 5 parcels in pages of 2; want 3", n)
	}

	// Modify the delivery request, cancel a parcel.
	if _, err := env.c.UpdateDeliveryRequest(ctx, "ORD-1001", nil, &boxnow.DeliveryRequestUpdate{AllowReturn: opt.Some(false)}); err != nil {
		t.Fatal(err)
	}
	if err := env.c.CancelParcel(ctx, created.Parcels[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	page, err = env.c.ListParcels(ctx, &boxnow.ListParcelsParams{State: []boxnow.ParcelState{boxnow.ParcelStateCanceled}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != created.Parcels[0].ID || page.Data[0].AllowReturn.Or(true) {
		t.Fatalf("canceled parcels: %+v", page.Data)
	}
}

// boxnowWantCode asserts err is an *apierror.APIError with status and code,
// whose decoded model carries the same code.
func boxnowWantCode(t *testing.T, err error, status int, code boxnow.ErrorCode) *apierror.APIError {
	t.Helper()
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *apierror.APIError %s", err, err, code)
	}
	if ae.StatusCode != status || ae.Code != string(code) {
		t.Fatalf("APIError status %d code %q (%s); want %d %s", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	m, ok := ae.Model.(*boxnow.Error)
	if !ok {
		t.Fatalf("Model = %T, want *boxnow.Error", ae.Model)
	}
	if got, _ := m.Code.Get(); got != code || !got.IsKnown() {
		t.Fatalf("Model.Code = %q, want %s", got, code)
	}
	if ae.Message == "" {
		t.Fatalf("%s without message", code)
	}
	return ae
}

func TestBoxNow_ErrorCodesAreTypedAPIErrors(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	ctx := context.Background()
	other := boxnowClient(t, env.url, env.clk, boxnow.Credentials{ClientID: "other-partner", ClientSecret: secret.New("other-secret")})
	noCOD := boxnowClient(t, env.url, env.clk, boxnow.Credentials{ClientID: "no-cod", ClientSecret: secret.New("no-cod-secret")})

	cases := []struct {
		name   string
		client *boxnow.Client
		mod    func(*boxnow.DeliveryRequest)
		code   boxnow.ErrorCode
	}{
		{"bad money", env.c, func(r *boxnow.DeliveryRequest) { r.InvoiceValue = "25.5" }, boxnow.ErrorCodeP400},
		{"unknown origin", env.c, func(r *boxnow.DeliveryRequest) { r.Origin.LocationID = opt.Some("999") }, boxnow.ErrorCodeP401},
		{"unknown destination", env.c, func(r *boxnow.DeliveryRequest) { r.Destination.LocationID = opt.Some("999") }, boxnow.ErrorCodeP402},
		{"phone", env.c, func(r *boxnow.DeliveryRequest) { r.Destination.ContactNumber = opt.Some("6912345678") }, boxnow.ErrorCodeP405},
		{"compartment", env.c, func(r *boxnow.DeliveryRequest) { r.Items[0].CompartmentSize = opt.Some(int64(4)) }, boxnow.ErrorCodeP406},
		{"country", env.c, func(r *boxnow.DeliveryRequest) {
			r.Destination = boxnow.LocationRef{ContactNumber: r.Destination.ContactNumber, ContactEmail: r.Destination.ContactEmail,
				ContactName: r.Destination.ContactName, AddressLine1: opt.Some("Egnatia 1"), PostalCode: opt.Some("54623"), Country: opt.Some("GRC")}
		}, boxnow.ErrorCodeP407},
		{"cod amount", env.c, func(r *boxnow.DeliveryRequest) {
			r.PaymentMode, r.AmountToBeCollected = boxnow.PaymentModeCod, "5000.01"
		}, boxnow.ErrorCodeP408},
		{"delivery partner", env.c, func(r *boxnow.DeliveryRequest) { r.Origin.DeliveryPartnerID = opt.Some("1") }, boxnow.ErrorCodeP409},
		{"cod not eligible", noCOD, func(r *boxnow.DeliveryRequest) {
			r.PaymentMode, r.AmountToBeCollected = boxnow.PaymentModeCod, "20.00"
		}, boxnow.ErrorCodeP411},
		{"any-apm origin not permitted", noCOD, func(r *boxnow.DeliveryRequest) { r.Origin.LocationID = opt.Some("2") }, boxnow.ErrorCodeP403},
		{"return location", env.c, func(r *boxnow.DeliveryRequest) {
			r.ReturnLocation = &boxnow.LocationRef{LocationID: opt.Some("3")}
		}, boxnow.ErrorCodeP413},
	}
	for i, tc := range cases {
		req := boxnowOrder("ERR-"+tc.name, "4", 1)
		tc.mod(req)
		_, err := tc.client.CreateDeliveryRequest(ctx, nil, req)
		t.Logf("case %d %s", i, tc.name)
		boxnowWantCode(t, err, http.StatusBadRequest, tc.code)
	}
	// P412: customer returns not allowed for this partner.
	_, err := noCOD.CreateCustomerReturn(ctx, nil, boxnowOrder("RET-1", "4", 1))
	boxnowWantCode(t, err, http.StatusBadRequest, boxnow.ErrorCodeP412)
	if n := len(env.fake.Parcels()); n != 0 {
		t.Fatalf("rejected requests created %d parcels", n)
	}

	// P410: the order number was used; the request is sent once.
	created, err := env.c.CreateDeliveryRequest(ctx, nil, boxnowOrder("ORD-7", "4", 1))
	if err != nil {
		t.Fatal(err)
	}
	env.fake.ResetRequests()
	_, err = env.c.CreateDeliveryRequest(ctx, nil, boxnowOrder("ORD-7", "5", 1))
	boxnowWantCode(t, err, http.StatusBadRequest, boxnow.ErrorCodeP410)
	if n := len(env.fake.Requests()); n != 1 {
		t.Fatalf("P410 sent %d times; permanent errors are not retried", n)
	}

	// P420: a delivered parcel cannot be cancelled.
	parcel := created.Parcels[0].ID
	if err := env.fake.SetParcelState(parcel, "delivered"); err != nil {
		t.Fatal(err)
	}
	boxnowWantCode(t, env.c.CancelParcel(ctx, parcel, nil), http.StatusBadRequest, boxnow.ErrorCodeP420)

	// P414 (403): another partner's parcel.
	_, err = other.GetParcelLabel(ctx, parcel, boxnow.LabelFileTypePDF, nil)
	boxnowWantCode(t, err, http.StatusForbidden, boxnow.ErrorCodeP414)

	// P600 (503) on a GET: transient, retried, the call succeeds.
	env.fake.ResetRequests()
	env.fake.InjectError(1, "P600")
	if _, err := env.c.ListDestinations(ctx, nil); err != nil {
		t.Fatalf("GET after one P600: %v", err)
	}
	if n := len(env.fake.Requests()); n != 2 {
		t.Fatalf("GET with one P600: %d requests, want 2", n)
	}

	// P610 (503) on the delivery request POST, which may have reached the
	// server: surfaced, not retried.
	env.fake.ResetRequests()
	env.fake.InjectError(1, "P610")
	_, err = env.c.CreateDeliveryRequest(ctx, nil, boxnowOrder("ORD-8", "4", 1))
	boxnowWantCode(t, err, http.StatusServiceUnavailable, boxnow.ErrorCodeP610)
	if n := len(env.fake.Requests()); n != 1 {
		t.Fatalf("POST with P610: %d requests, want 1 (not idempotent)", n)
	}

	// P600 persisting on a GET: every attempt fails, and the retries give
	// up with the typed error.
	env.fake.ResetRequests()
	env.fake.InjectError(retry.DefaultMaxAttempts, "P600")
	_, err = env.c.ListOrigins(ctx, nil)
	boxnowWantCode(t, err, http.StatusServiceUnavailable, boxnow.ErrorCodeP600)
	if n := len(env.fake.Requests()); n != retry.DefaultMaxAttempts {
		t.Fatalf("GET with persistent P600: %d requests, want %d", n, retry.DefaultMaxAttempts)
	}

	// X403 (403): the account was disabled.
	env.fake.SetAccountDisabled("fake-client-id", true)
	_, err = env.c.ListParcels(ctx, nil)
	boxnowWantCode(t, err, http.StatusForbidden, boxnow.ErrorCodeX403)
}
