package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/productconfigurator"
	fake "github.com/apigen-go/apigen/internal/fakes/productconfigurator"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// productconfiguratorJWT returns a JWT-shaped integration token expiring
// at exp (the fake reads exp; it does not check the signature).
func productconfiguratorJWT(sub string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		enc(fmt.Appendf(nil, `{"sub":%q,"exp":%d}`, sub, exp.Unix())) + "." + enc([]byte("signature"))
}

// productconfiguratorSetup starts a fake accepting tokens and returns it
// with a client sending token.
func productconfiguratorSetup(t *testing.T, tokens []fake.Token, token string) (*fake.Server, *productconfigurator.Client) {
	t.Helper()
	f := fake.New(fake.Config{Tokens: tokens})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := productconfigurator.New(srv.URL,
		productconfigurator.WithCredentials(productconfigurator.Credentials{Token: secret.New(token)}),
		productconfigurator.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

// productconfiguratorStatus asserts err is an *APIError carrying the
// google.rpc.Status code (as a decimal string) and HTTP status.
func productconfiguratorStatus(t *testing.T, err error, httpStatus int, grpcCode int32) (*apierror.APIError, *productconfigurator.Status) {
	t.Helper()
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *apierror.APIError", err, err)
	}
	if ae.StatusCode != httpStatus || ae.Code != fmt.Sprint(grpcCode) || ae.Message == "" {
		t.Fatalf("APIError status %d code %q message %q, want %d, code %d and a message", ae.StatusCode, ae.Code, ae.Message, httpStatus, grpcCode)
	}
	st, ok := ae.Model.(*productconfigurator.Status)
	if !ok {
		t.Fatalf("Model = %T, want *productconfigurator.Status", ae.Model)
	}
	if code, _ := st.Code.Get(); code != grpcCode {
		t.Fatalf("Status.code = %d, want %d", code, grpcCode)
	}
	if msg, _ := st.Message.Get(); msg != ae.Message {
		t.Fatalf("Status.message %q != APIError.Message %q", msg, ae.Message)
	}
	return ae, st
}

func TestProductConfigurator_JWTBearerAndTenantPaths(t *testing.T) {
	jwt := productconfiguratorJWT("integration-acme", time.Now().Add(time.Hour))
	f, c := productconfiguratorSetup(t, []fake.Token{{Value: jwt, Tenants: []string{"acme", "acme-eu"}}}, jwt)
	ctx := context.Background()

	conf, err := c.CreateConfigurator(ctx, "acme", "bike-1", &productconfigurator.CreateConfiguratorRequest{Label: opt.Some("Bike")})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := conf.Status.Get(); st != productconfigurator.ConfiguratorStatusDraft {
		t.Fatalf("a new configurator has status %v, want DRAFT", conf.Status)
	}
	// The same token serves its second tenant, whose data is separate.
	if _, err := c.GetConfiguratorByStatus(ctx, "acme-eu", "bike-1", productconfigurator.GetConfiguratorByStatusStatusDraft); err == nil {
		t.Fatal("tenant acme-eu sees tenant acme's configurator")
	} else {
		productconfiguratorStatus(t, err, http.StatusNotFound, 5)
	}
	got, err := c.GetConfiguratorByStatus(ctx, "acme", "bike-1", productconfigurator.GetConfiguratorByStatusStatusDraft)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != conf.ID {
		t.Fatalf("got configurator %s, want %s", got.ID, conf.ID)
	}

	reqs := f.Requests()
	wantPaths := []string{"/v1/acme/product/bike-1/create", "/v1/acme-eu/product/bike-1/status/DRAFT", "/v1/acme/product/bike-1/status/DRAFT"}
	if len(reqs) != len(wantPaths) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantPaths))
	}
	for i, r := range reqs {
		if r.Path != wantPaths[i] {
			t.Fatalf("request %d path %q, want %q", i, r.Path, wantPaths[i])
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+jwt {
			t.Fatalf("request %d Authorization = %q, want Bearer and the JWT", i, got)
		}
	}

	// A tenant the token was not granted: 403 PERMISSION_DENIED.
	_, err = c.GetActiveConfigurator(ctx, "globex", "bike-1")
	productconfiguratorStatus(t, err, http.StatusForbidden, 7)

	// An expired integration JWT: 401 UNAUTHENTICATED, sent once (a
	// static token has nothing to refresh), and the token stays secret.
	expired := productconfiguratorJWT("integration-acme", time.Now().Add(-time.Minute))
	f2, c2 := productconfiguratorSetup(t, []fake.Token{{Value: expired}}, expired)
	_, err = c2.GetActiveConfigurator(ctx, "acme", "bike-1")
	ae, _ := productconfiguratorStatus(t, err, http.StatusUnauthorized, 16)
	if n := len(f2.Requests()); n != 1 {
		t.Fatalf("%d requests with an expired token, want 1", n)
	}
	if strings.Contains(ae.Error(), expired) {
		t.Fatal("the error text reveals the token")
	}
}

func TestProductConfigurator_RPCStatusErrors(t *testing.T) {
	jwt := productconfiguratorJWT("integration", time.Now().Add(time.Hour))
	_, c := productconfiguratorSetup(t, []fake.Token{{Value: jwt}}, jwt)
	ctx := context.Background()

	// NOT_FOUND: no details.
	_, err := c.GetMatrix(ctx, "t1", "no-such-matrix")
	_, st := productconfiguratorStatus(t, err, http.StatusNotFound, 5)
	if len(st.Details) != 0 {
		t.Fatalf("details = %+v", st.Details)
	}

	// FAILED_PRECONDITION: a configurator without options cannot go ACTIVE.
	conf, err := c.CreateConfigurator(ctx, "t1", "p1", &productconfigurator.CreateConfiguratorRequest{Label: opt.Some("Empty")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateConfigurator(ctx, "t1", conf.ID, &productconfigurator.UpdateConfiguratorRequest{
		Payload:     productconfigurator.UpdateConfiguratorRequestPayload{Status: opt.Some(productconfigurator.ConfiguratorStatusActive)},
		PayloadMask: opt.Some("status"),
	})
	ae, _ := productconfiguratorStatus(t, err, http.StatusBadRequest, 9)
	if !strings.Contains(ae.Message, "ACTIVE") {
		t.Fatalf("message = %q", ae.Message)
	}

	// INVALID_ARGUMENT with a google.rpc.BadRequest detail: field errors.
	m, err := c.CreateMatrix(ctx, "t1", &productconfigurator.CreateMatrixRequest{
		ConfiguratorID: conf.ID, Label: opt.Some("Prices"),
		PriceType: &productconfigurator.PriceType{Currency: opt.Some("EUR")},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateProperty(ctx, "t1", &productconfigurator.CreatePropertyRequest{MatrixID: m.ID, PropertyValue: "twelve"})
	ae, st = productconfiguratorStatus(t, err, http.StatusBadRequest, 3)
	if len(ae.FieldErrors) != 1 || ae.FieldErrors[0].Field != "propertyValue" || ae.FieldErrors[0].Message == "" {
		t.Fatalf("FieldErrors = %+v, want one on propertyValue", ae.FieldErrors)
	}
	if len(st.Details) != 1 {
		t.Fatalf("details = %+v", st.Details)
	}
	if typ, _ := st.Details[0].Type.Get(); typ != "type.googleapis.com/google.rpc.BadRequest" {
		t.Fatalf("details[0].@type = %q", typ)
	}
	if fv := st.Details[0].FieldViolations; len(fv) != 1 || fv[0].Field.Value != "propertyValue" {
		t.Fatalf("fieldViolations = %+v", fv)
	}
}

func TestProductConfigurator_LifecycleAndPricing(t *testing.T) {
	jwt := productconfiguratorJWT("integration", time.Now().Add(time.Hour))
	f, c := productconfiguratorSetup(t, []fake.Token{{Value: jwt}}, jwt)
	ctx := context.Background()
	const tenant, product = "shop", "bike"
	label := func(en string) *productconfigurator.LocalizedText {
		return &productconfigurator.LocalizedText{Value: map[string]string{"en": en}}
	}

	conf, err := c.CreateConfigurator(ctx, tenant, product, &productconfigurator.CreateConfiguratorRequest{Label: opt.Some("Bike")})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := c.BulkCreateSteps(ctx, tenant, conf.ID, &productconfigurator.BulkCreateStepsRequest{
		Steps: []productconfigurator.StepInput{{Label: label("Frame"), Position: opt.Some("1")}, {Label: label("Extras"), Position: opt.Some("2")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps.Steps) != 2 {
		t.Fatalf("bulk created %d steps", len(steps.Steps))
	}
	frame, extras := steps.Steps[0].ID, steps.Steps[1].ID
	frameOpts, err := c.BulkCreateOptions(ctx, tenant, frame, &productconfigurator.BulkCreateOptionsRequest{
		Options: []productconfigurator.OptionInput{{Label: label("Steel")}, {Label: label("Carbon"), ExternalReferenceID: opt.Some("sku-carbon")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	steel, carbon := frameOpts.Options[0].ID, frameOpts.Options[1].ID
	aero, err := c.CreateOption(ctx, tenant, extras, &productconfigurator.OptionInput{Label: label("Aero wheels")})
	if err != nil {
		t.Fatal(err)
	}
	// Aero wheels only with a carbon frame.
	if _, err := c.CreateDependency(ctx, tenant, extras, &productconfigurator.CreateDependencyRequest{
		OptionIDs: []string{aero.ID},
		Condition: productconfigurator.Condition{Type: productconfigurator.DependencyTypeAnd, OptionIDs: []string{carbon}},
	}); err != nil {
		t.Fatal(err)
	}
	m, err := c.CreateMatrix(ctx, tenant, &productconfigurator.CreateMatrixRequest{
		ConfiguratorID: conf.ID, Label: opt.Some("Prices"),
		PriceType: &productconfigurator.PriceType{Currency: opt.Some("EUR")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []productconfigurator.CreatePropertyRequest{
		{MatrixID: m.ID, PropertyValue: "500", PropertyMode: opt.Some(productconfigurator.PropertyModeFixed)},
		{MatrixID: m.ID, OptionIDs: []string{carbon}, PropertyValue: "1200.50", PropertyMode: opt.Some(productconfigurator.PropertyModeFixed)},
		{MatrixID: m.ID, OptionIDs: []string{aero.ID}, PropertyValue: "99.25", PropertyMode: opt.Some(productconfigurator.PropertyModeIncremental)},
	} {
		if _, err := c.CreateProperty(ctx, tenant, &p); err != nil {
			t.Fatal(err)
		}
	}

	// DRAFT → ACTIVE.
	active, err := c.UpdateConfigurator(ctx, tenant, conf.ID, &productconfigurator.UpdateConfiguratorRequest{
		Payload:     productconfigurator.UpdateConfiguratorRequestPayload{Status: opt.Some(productconfigurator.ConfiguratorStatusActive)},
		PayloadMask: opt.Some("status"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if active.Status.Value != productconfigurator.ConfiguratorStatusActive {
		t.Fatalf("status = %v", active.Status)
	}

	avail, err := c.GetAvailableConfiguration(ctx, tenant, product)
	if err != nil {
		t.Fatal(err)
	}
	if len(avail.Steps) != 2 || avail.Steps[1].Options[0].Available.Value {
		t.Fatalf("with nothing selected the aero wheels must be unavailable: %+v", avail.Steps)
	}

	cfg, err := c.GetConfigurationFromSelections(ctx, tenant, product, &productconfigurator.SelectionsRequest{
		Selections: []productconfigurator.Selection{{StepID: frame, OptionIDs: []string{carbon}}, {StepID: extras, OptionIDs: []string{aero.ID}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Most specific FIXED cell (carbon, 1200.50) plus the INCREMENTAL aero cell (99.25).
	if cfg.Price == nil {
		t.Fatalf("configuration %+v has no price", cfg)
	}
	if units, micros := cfg.Price.Units.Value, cfg.Price.Micros.Value; units != "1299" || micros != 750000 {
		t.Fatalf("price = %s + %d micros, want 1299.75", units, micros)
	}

	// Aero wheels with a steel frame: the dependency refuses the selection.
	_, err = c.GetConfigurationFromSelections(ctx, tenant, product, &productconfigurator.SelectionsRequest{
		Selections: []productconfigurator.Selection{{StepID: frame, OptionIDs: []string{steel}}, {StepID: extras, OptionIDs: []string{aero.ID}}},
	})
	ae, _ := productconfiguratorStatus(t, err, http.StatusBadRequest, 3)
	if !slices.ContainsFunc(ae.FieldErrors, func(fe apierror.FieldError) bool { return fe.Field == "selections.optionIds" }) {
		t.Fatalf("FieldErrors = %+v", ae.FieldErrors)
	}

	// Paging through the product's configurators with page tokens.
	for range 2 {
		if _, err := c.CreateConfigurator(ctx, tenant, product, &productconfigurator.CreateConfiguratorRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	token := ""
	for range 5 {
		page, err := c.ListConfigurators(ctx, tenant, product, 2, &productconfigurator.ListConfiguratorsRequest{PageToken: opt.Some(token)})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range page.Configurators {
			ids = append(ids, x.ID)
		}
		if token = page.NextPageToken.Value; token == "" {
			break
		}
	}
	if len(ids) != 3 || ids[0] != conf.ID {
		t.Fatalf("paged configurators %v, want 3 starting with %s", ids, conf.ID)
	}
	// The iterator does the same, the page token in the request body: with
	// a page size of 1 that is three pages, each asking with the token
	// the previous one returned, until nextPageToken is empty.
	f.ResetRequests()
	var all []string
	for x, err := range c.ListConfiguratorsAll(ctx, tenant, product, 1, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, x.ID)
	}
	if strings.Join(all, ",") != strings.Join(ids, ",") {
		t.Fatalf("ListConfiguratorsAll yielded %v, want %v", all, ids)
	}
	var tokens []string
	for _, r := range f.Requests() {
		var body struct {
			PageToken string `json:"pageToken"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || !strings.HasSuffix(r.Path, "/page-size/1/configurators") {
			t.Fatalf("request %s %s: %v", r.Path, r.Body, err)
		}
		tokens = append(tokens, body.PageToken)
	}
	if len(tokens) != 3 || tokens[0] != "" || tokens[1] == "" || tokens[2] == "" || tokens[1] == tokens[2] {
		t.Fatalf("page tokens sent %q, want \"\" then two distinct tokens", tokens)
	}

	// "Deleted": the configurator and everything in it are gone.
	if _, err := c.DeleteConfigurator(ctx, tenant, conf.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMatrix(ctx, tenant, m.ID)
	productconfiguratorStatus(t, err, http.StatusNotFound, 5)
	for _, r := range f.Requests() {
		if !strings.HasPrefix(r.Path, "/v1/"+tenant+"/") {
			t.Fatalf("request outside the tenant: %s", r.Path)
		}
	}
}

func TestProductConfigurator_UnavailableIsRetried(t *testing.T) {
	jwt := productconfiguratorJWT("integration", time.Now().Add(time.Hour))
	f, c := productconfiguratorSetup(t, []fake.Token{{Value: jwt}}, jwt)
	ctx := context.Background()
	conf, err := c.CreateConfigurator(ctx, "t1", "p1", &productconfigurator.CreateConfiguratorRequest{})
	if err != nil {
		t.Fatal(err)
	}
	f.ResetRequests()
	f.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"0"}})
	got, err := c.GetConfiguratorByStatus(ctx, "t1", "p1", productconfigurator.GetConfiguratorByStatusStatusDraft)
	if err != nil {
		t.Fatalf("a GET after one 503 UNAVAILABLE: %v", err)
	}
	if got.ID != conf.ID || len(f.Requests()) != 2 {
		t.Fatalf("got %s after %d requests, want %s after 2", got.ID, len(f.Requests()), conf.ID)
	}

	// A create is not retried after a 503 that may have reached the server
	// (without Retry-After).
	f.ResetRequests()
	f.InjectStatus(1, http.StatusServiceUnavailable, nil)
	_, err = c.CreateConfigurator(ctx, "t1", "p1", &productconfigurator.CreateConfiguratorRequest{})
	productconfiguratorStatus(t, err, http.StatusServiceUnavailable, 14)
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("a create was sent %d times", n)
	}
}
