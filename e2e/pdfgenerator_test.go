package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apigen-go/apigen/generated/pdfgenerator"
	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	fake "github.com/apigen-go/apigen/internal/fakes/pdfgenerator"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/datauri"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// The fake's default account (fake.DefaultConfig).
const (
	pdfgeneratorKey       = "fake-api-key"
	pdfgeneratorSecret    = "fake-api-secret"
	pdfgeneratorWorkspace = "demo@example.com"
	// pdfgeneratorTTL is the spec's jwt.ttl.
	pdfgeneratorTTL = 30 * time.Second
	// pdfgeneratorInvoice is the fake's invoice template, owned by the
	// master workspace; 20000 belongs to another organization.
	pdfgeneratorInvoice = 19375
)

var pdfgeneratorGood = pdfgenerator.Credentials{
	APIKey:    secret.New(pdfgeneratorKey),
	APISecret: secret.New(pdfgeneratorSecret),
	Workspace: pdfgeneratorWorkspace,
}

var pdfgeneratorT0 = time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC)

// pdfgeneratorSetup serves a fake for cfg over loopback HTTP and returns a
// client for creds.
func pdfgeneratorSetup(t *testing.T, cfg fake.Config, creds pdfgenerator.Credentials, opts ...pdfgenerator.Option) (*fake.Server, *pdfgenerator.Client) {
	t.Helper()
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	opts = append([]pdfgenerator.Option{pdfgenerator.WithCredentials(creds), pdfgenerator.WithInsecureHTTP()}, opts...)
	c, err := pdfgenerator.New(srv.URL+"/api/v4", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

// pdfgeneratorFakeClock returns a fake config and client options sharing
// one manual clock: the client's rate-limit waits and backoff advance it at
// once, and the fake sees the same time, so documented limits cost no real
// time.
func pdfgeneratorFakeClock() (*clock.Fake, fake.Config, pdfgenerator.Option) {
	clk := clock.NewFake(pdfgeneratorT0)
	cfg := fake.DefaultConfig()
	cfg.Clock = clk
	return clk, cfg, pdfgenerator.WithClock(clk)
}

// pdfgeneratorJWT checks that an Authorization header carries an HS256 JWT
// signed with secret (verified here independently of the fake) and returns
// its claims.
func pdfgeneratorJWT(t *testing.T, authz, key string) map[string]any {
	t.Helper()
	tok, ok := strings.CutPrefix(authz, "Bearer ")
	if !ok {
		t.Fatalf("Authorization %q is not a Bearer token", authz)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		t.Fatalf("signature is not HMAC-SHA256 of header.payload with the API secret")
	}
	var hdr map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatalf("header: %v", err)
	}
	if hdr["alg"] != "HS256" || hdr["typ"] != "JWT" {
		t.Fatalf("JWT header = %v, want alg HS256, typ JWT", hdr)
	}
	var claims map[string]any
	raw, _ = base64.RawURLEncoding.DecodeString(parts[1])
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return claims
}

// pdfgeneratorCheckClaims checks iss, sub and that exp is the request time
// plus the spec's short TTL (exp is whole seconds), i.e. that the token was
// signed for this very request. slack is the time allowed between signing
// and the fake receiving the request: 0 with a shared manual clock.
func pdfgeneratorCheckClaims(t *testing.T, r fakeutil.Request, slack time.Duration) int64 {
	t.Helper()
	c := pdfgeneratorJWT(t, r.Header.Get("Authorization"), pdfgeneratorSecret)
	if c["iss"] != pdfgeneratorKey || c["sub"] != pdfgeneratorWorkspace {
		t.Fatalf("iss %v sub %v, want the API key and the workspace", c["iss"], c["sub"])
	}
	n, ok := c["exp"].(json.Number)
	if !ok {
		t.Fatalf("exp claim missing or not a number: %v", c["exp"])
	}
	exp, err := n.Int64()
	if err != nil {
		t.Fatalf("exp %v: %v", n, err)
	}
	want := r.Time.Add(pdfgeneratorTTL)
	if d := want.Sub(time.Unix(exp, 0)); d < 0 || d >= time.Second+slack {
		t.Fatalf("exp %s for a request at %s: want the request time + %s (signed per request)",
			time.Unix(exp, 0).UTC(), r.Time.UTC(), pdfgeneratorTTL)
	}
	return exp
}

func TestPDFGenerator_FreshSignedJWTPerRequest(t *testing.T) {
	clk, cfg, withClock := pdfgeneratorFakeClock()
	cfg.MaxTokenLifetime = time.Minute // refuse long-lived tokens
	f, c := pdfgeneratorSetup(t, cfg, pdfgeneratorGood, withClock)
	ctx := context.Background()

	// Three calls at t0, t0+10s and t0+45s: each gets its own token whose
	// exp follows the request, so the third works although a token from t0
	// has expired by then.
	for _, step := range []time.Duration{0, 10 * time.Second, 35 * time.Second} {
		clk.Advance(step)
		ws, err := c.GetWorkspaces(ctx, nil)
		if err != nil {
			t.Fatalf("GetWorkspaces: %v", err)
		}
		if len(ws.Response) == 0 || ws.Response[0].Identifier != pdfgeneratorWorkspace {
			t.Fatalf("workspaces = %+v", ws.Response)
		}
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("fake saw %d requests, want 3", len(reqs))
	}
	var exps []int64
	for _, r := range reqs {
		exps = append(exps, pdfgeneratorCheckClaims(t, r, 0))
	}
	if exps[0] == exps[1] || exps[1] == exps[2] {
		t.Fatalf("exp claims %v: tokens were reused", exps)
	}
	if reqs[0].Header.Get("Authorization") == reqs[2].Header.Get("Authorization") {
		t.Fatal("the same token was sent twice")
	}

	// The first token, replayed now, is refused as expired: the fake really
	// checks exp, and the client's later calls passed because they were
	// signed anew.
	req, _ := http.NewRequest(http.MethodGet, "http://unused/api/v4/workspaces", nil)
	req.Header.Set("Authorization", reqs[0].Header.Get("Authorization"))
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), fake.MsgRequestExpired) {
		t.Fatalf("replayed old token: %d %s, want 401 %q", rec.Code, rec.Body, fake.MsgRequestExpired)
	}
}

func TestPDFGenerator_WrongSecretIsRejectedOnce(t *testing.T) {
	_, cfg, withClock := pdfgeneratorFakeClock()
	bad := pdfgeneratorGood
	bad.APISecret = secret.New("not-the-secret")
	f, c := pdfgeneratorSetup(t, cfg, bad, withClock)

	_, err := c.GetTemplates(context.Background(), nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *apierror.APIError", err)
	}
	if ae.StatusCode != http.StatusUnauthorized || ae.Message != fake.MsgBadSignature {
		t.Fatalf("got %d %q, want 401 %q", ae.StatusCode, ae.Message, fake.MsgBadSignature)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Fatal("the error message leaks the secret")
	}
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("fake saw %d requests; a 401 with static credentials must not be retried", n)
	}
}

// pdfgeneratorDirect is an in-memory transport: it hands requests straight
// to the fake's handler (no sockets), so that the whole client runs inside a
// synctest bubble. It counts the statuses the fake answered.
type pdfgeneratorDirect struct {
	h        http.Handler
	mu       sync.Mutex
	statuses map[int]int
}

func (d *pdfgeneratorDirect) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RemoteAddr = "127.0.0.1:40000"
	r.RequestURI = req.URL.RequestURI()
	r.Host = req.URL.Host
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, r)
	if req.Body != nil {
		req.Body.Close()
	}
	resp := rec.Result()
	resp.Request = req
	d.mu.Lock()
	d.statuses[resp.StatusCode]++
	d.mu.Unlock()
	return resp, nil
}

// pdfgeneratorMaxInWindow returns the largest number of times that fall in
// one interval of length w, counted as the fake counts (a time older than
// now-w no longer counts).
func pdfgeneratorMaxInWindow(times []time.Time, w time.Duration) int {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best := 0
	j := 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func TestPDFGenerator_BurstKeepsTwoPerSecondAndSixtyPerMinute(t *testing.T) {
	// Under synctest the documented limits (2/s and 60/min, sliding, per
	// IP) are used unscaled, in the fake and in the client (the spec's own
	// limiter): 150 calls take minutes of bubble time and no real time.
	synctest.Test(t, func(t *testing.T) {
		f := fake.New(fake.DefaultConfig())
		direct := &pdfgeneratorDirect{h: f, statuses: map[int]int{}}
		c, err := pdfgenerator.New("https://us1.pdfgeneratorapi.com/api/v4",
			pdfgenerator.WithCredentials(pdfgeneratorGood),
			pdfgenerator.WithHTTPClient(&http.Client{Transport: direct}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()

		const workers, perWorker = 10, 15 // 150 calls
		var failed atomic.Int32
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					var err error
					if (w+i)%3 == 0 {
						_, err = c.GetTemplate(ctx, pdfgeneratorInvoice)
					} else {
						_, err = c.GetWorkspaces(ctx, nil)
					}
					if err != nil {
						failed.Add(1)
						t.Errorf("worker %d call %d: %v", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		if failed.Load() > 0 {
			t.FailNow()
		}

		reqs := f.Requests()
		if len(reqs) != workers*perWorker {
			t.Fatalf("fake saw %d requests for %d calls", len(reqs), workers*perWorker)
		}
		if n := direct.statuses[http.StatusTooManyRequests]; n != 0 {
			t.Fatalf("%d responses were 429", n)
		}
		if direct.statuses[http.StatusOK] != workers*perWorker {
			t.Fatalf("statuses %v, want %d × 200", direct.statuses, workers*perWorker)
		}
		var times []time.Time
		for _, r := range reqs {
			times = append(times, r.Time)
			pdfgeneratorCheckClaims(t, r, 0) // every request has its own, fresh JWT
		}
		if n := pdfgeneratorMaxInWindow(times, time.Second); n > 2 {
			t.Fatalf("%d requests within one second; the limit is 2", n)
		}
		if n := pdfgeneratorMaxInWindow(times, time.Minute); n > 60 {
			t.Fatalf("%d requests within one minute; the limit is 60", n)
		}
		// 150 requests at 60 per sliding minute need more than two minutes;
		// the limiter must not take much longer than its windows demand
		// (the conservative X-RateLimit-Remaining reading adds at most one
		// minute per exhausted budget).
		if elapsed < 2*time.Minute || elapsed > 5*time.Minute {
			t.Fatalf("150 calls took %s of bubble time, want between 2 and 5 minutes", elapsed)
		}
		t.Logf("150 calls in %s (bubble time), statuses %v", elapsed, direct.statuses)
	})
}

func TestPDFGenerator_RetryAfterIsWaitedOut(t *testing.T) {
	// Real time: the fake injects one 429 with "Retry-After: 1" into a
	// document generation (a POST: a 429 proves nothing was done, so any
	// method is retried).
	f, c := pdfgeneratorSetup(t, fake.DefaultConfig(), pdfgeneratorGood)
	f.InjectStatus(1, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}})

	begin := time.Now()
	doc, err := c.GenerateDocument(context.Background(), &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice, Data: json.RawMessage(`{"documentNumber": 7}`)},
		Output:   opt.Some(pdfgenerator.GenerateDocumentRequestOutputBase64),
	})
	if err != nil {
		t.Fatalf("GenerateDocument after a 429: %v", err)
	}
	if !doc.Response.Set || doc.Response.Value == "" {
		t.Fatal("no document in the response")
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("fake saw %d requests, want the 429 and one retry", len(reqs))
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < time.Second {
		t.Fatalf("retry came %s after the 429; Retry-After asked for 1s", gap)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Fatalf("call took %s", took)
	}
	if !bytes.Equal(reqs[0].Body, reqs[1].Body) || len(reqs[1].Body) == 0 {
		t.Fatalf("retry body %q differs from the first %q", reqs[1].Body, reqs[0].Body)
	}
	// The retry was signed again, after the wait.
	e0, e1 := pdfgeneratorCheckClaims(t, reqs[0], time.Second), pdfgeneratorCheckClaims(t, reqs[1], time.Second)
	if e1 <= e0 {
		t.Fatalf("retry exp %d not after the first attempt's %d: the token was not re-signed", e1, e0)
	}
}

func TestPDFGenerator_GenerateDocumentReturnsTheFile(t *testing.T) {
	_, cfg, withClock := pdfgeneratorFakeClock()
	f, c := pdfgeneratorSetup(t, cfg, pdfgeneratorGood, withClock)
	ctx := context.Background()
	data := json.RawMessage(`{"documentNumber":1,"paymentDetails":{"method":"Credit Card","buyerName":"John Smith"},"items":[{"id":1,"name":"Item one"}]}`)

	// output=base64 (the default): the document itself, base64 in JSON.
	doc, err := c.GenerateDocument(ctx, &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice, Data: data},
		Name:     opt.Some("Invoice 1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := base64.StdEncoding.DecodeString(doc.Response.Value)
	if err != nil {
		t.Fatalf("response is not base64: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%%EOF")) {
		t.Fatalf("decoded document is not a PDF: %.40q", pdf)
	}
	// Data fields such as {paymentDetails::buyerName} were merged.
	if !bytes.Contains(pdf, []byte("Buyer: John Smith")) || !bytes.Contains(pdf, []byte("Paid by: Credit Card")) {
		t.Fatal("the PDF does not show the merged data fields")
	}
	meta := doc.Meta
	if meta == nil {
		t.Fatalf("doc = %+v: no meta", doc)
	}
	if meta.ContentType.Value != "application/pdf" || meta.Encoding.Value != "base64" || meta.Name.Value != "Invoice 1.pdf" {
		t.Fatalf("meta = %+v", meta)
	}
	// As an RFC 2397 data URI, and back.
	uri := datauri.FromBytes(meta.ContentType.Value, pdf)
	s := uri.String()
	if !strings.HasPrefix(s, "data:application/pdf;base64,JVBERi0") {
		t.Fatalf("data URI starts %.40q", s)
	}
	back, err := datauri.Parse(s)
	if err != nil || !bytes.Equal(back.Data, pdf) || back.MediaType != "application/pdf" {
		t.Fatalf("data URI round trip: %v", err)
	}

	// output=file: the bytes themselves, streamed.
	dl, err := c.GenerateDocumentDownload(ctx, &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice, Data: data},
		Output:   opt.Some(pdfgenerator.GenerateDocumentRequestOutputFile),
		Name:     opt.Some("Invoice 2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	file, err := datauri.FromReader(dl.ContentType, dl.Body, 1<<20)
	dl.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if dl.ContentType != "application/pdf" || dl.Filename != "Invoice 2.pdf" || dl.Size != int64(len(file.Data)) {
		t.Fatalf("download: type %q, file %q, size %d for %d bytes", dl.ContentType, dl.Filename, dl.Size, len(file.Data))
	}
	if !bytes.HasPrefix(file.Data, []byte("%PDF-")) || !bytes.Contains(file.Data, []byte("Buyer: John Smith")) {
		t.Fatalf("output=file body is not the merged PDF: %.40q", file.Data)
	}
	if !strings.HasPrefix(file.String(), "data:application/pdf;base64,JVBERi0") {
		t.Fatalf("data URI of the file starts %.40q", file.String())
	}

	// format=html.
	html, err := c.GenerateDocument(ctx, &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice, Data: data},
		Format:   opt.Some(pdfgenerator.GenerateDocumentRequestFormatHTML),
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := base64.StdEncoding.DecodeString(html.Response.Value)
	if !bytes.Contains(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("John Smith")) || html.Meta == nil || html.Meta.ContentType.Value != "text/html" {
		t.Fatalf("html output: %.60q, meta %+v", page, html.Meta)
	}

	// output=url: a stored document, listed, fetched and deleted.
	stored, err := c.GenerateDocument(ctx, &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice, Data: data},
		Output:   opt.Some(pdfgenerator.GenerateDocumentRequestOutputURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored.Meta == nil {
		t.Fatalf("stored = %+v: no meta", stored)
	}
	id := stored.Meta.PublicID.Value
	if id == "" || !strings.HasPrefix(stored.Response.Value, "http") || !strings.Contains(stored.Response.Value, id) {
		t.Fatalf("url output: response %q, public id %q", stored.Response.Value, id)
	}
	var listed []string
	for d, err := range c.GetDocumentsAll(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, d.PublicID.Value)
	}
	if !slices.Equal(listed, []string{id}) {
		t.Fatalf("stored documents %v, want [%s]", listed, id)
	}
	one, err := c.GetDocument(ctx, id)
	if err != nil || one.Response == nil || one.Response.TemplateID.Value != pdfgeneratorInvoice {
		t.Fatalf("GetDocument: %+v, %v", one, err)
	}
	if err := c.DeleteDocument(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDocument(ctx, id)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Message != fake.MsgEntityNotFound {
		t.Fatalf("deleted document: %v", err)
	}
	if n := f.DocumentsGenerated(); n != 4 {
		t.Fatalf("fake counted %d generations, want 4", n)
	}
}

func TestPDFGenerator_ErrorsAndPaging(t *testing.T) {
	_, cfg, withClock := pdfgeneratorFakeClock()
	f, c := pdfgeneratorSetup(t, cfg, pdfgeneratorGood, withClock)
	ctx := context.Background()

	apiErr := func(t *testing.T, err error, status int, msg string) *apierror.APIError {
		t.Helper()
		var ae *apierror.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want *apierror.APIError", err)
		}
		if ae.StatusCode != status || ae.Message != msg {
			t.Fatalf("got %d %q, want %d %q", ae.StatusCode, ae.Message, status, msg)
		}
		return ae
	}

	// Workspaces: create three, page through all four with per_page=2.
	for _, id := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		ws, err := c.CreateWorkspace(ctx, &pdfgenerator.CreateWorkspaceRequest{Identifier: id})
		if err != nil || ws.Response == nil || ws.Response.Identifier != id {
			t.Fatalf("CreateWorkspace(%s): %+v, %v", id, ws, err)
		}
	}
	var ids []string
	for ws, err := range c.GetWorkspacesAll(ctx, &pdfgenerator.GetWorkspacesParams{PerPage: opt.Some[int64](2)}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ws.Identifier)
	}
	if want := []string{pdfgeneratorWorkspace, "a@example.com", "b@example.com", "c@example.com"}; !slices.Equal(ids, want) {
		t.Fatalf("workspaces %v, want %v", ids, want)
	}
	if err := c.DeleteWorkspace(ctx, "b@example.com"); err != nil {
		t.Fatal(err)
	}

	// 403: the master workspace cannot be deleted (the v4 body {"message"}),
	// with the decoded error model.
	ae := apiErr(t, c.DeleteWorkspace(ctx, pdfgeneratorWorkspace), http.StatusForbidden, fake.MsgDeleteMaster)
	if m, ok := ae.Model.(*pdfgenerator.Error); !ok || m.Message.Value != fake.MsgDeleteMaster {
		t.Fatalf("Model = %#v", ae.Model)
	}
	// 403 and 404 on templates.
	_, err := c.GetTemplate(ctx, 20000)
	apiErr(t, err, http.StatusForbidden, fake.MsgTemplateForeign)
	_, err = c.GetTemplate(ctx, 1)
	apiErr(t, err, http.StatusNotFound, fake.MsgEntityNotFound)
	// 422 with field errors.
	_, err = c.CreateWorkspace(ctx, &pdfgenerator.CreateWorkspaceRequest{Identifier: pdfgeneratorWorkspace})
	ae = apiErr(t, err, http.StatusUnprocessableEntity, fake.MsgIncorrectParam)
	if len(ae.FieldErrors) != 1 || ae.FieldErrors[0].Field != "identifier" || ae.FieldErrors[0].Message != "already exists" {
		t.Fatalf("FieldErrors = %+v", ae.FieldErrors)
	}

	// 402: a suspended account is final, never retried.
	f.SetSuspended(true)
	f.ResetRequests()
	_, err = c.GetTemplates(ctx, nil)
	apiErr(t, err, http.StatusPaymentRequired, fake.MsgSuspended)
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("402 was sent %d times", n)
	}
	f.SetSuspended(false)

	// 403: the monthly generation limit is final too.
	_, cfg2, withClock2 := pdfgeneratorFakeClock()
	cfg2.MonthlyDocumentLimit = 1
	f2, c2 := pdfgeneratorSetup(t, cfg2, pdfgeneratorGood, withClock2)
	gen := &pdfgenerator.GenerateDocumentRequest{Template: pdfgenerator.TemplateParam{ID: pdfgeneratorInvoice}}
	if _, err := c2.GenerateDocument(ctx, gen); err != nil {
		t.Fatal(err)
	}
	_, err = c2.GenerateDocument(ctx, gen)
	apiErr(t, err, http.StatusForbidden, fake.MsgMonthlyLimit)
	if n := len(f2.Requests()); n != 2 {
		t.Fatalf("fake saw %d generations requests, want 2 (no retry of the 403)", n)
	}

	// The v3 error body {"error": "…", "status": N} yields the same message.
	_, cfg3, withClock3 := pdfgeneratorFakeClock()
	cfg3.LegacyErrors = true
	_, c3 := pdfgeneratorSetup(t, cfg3, pdfgeneratorGood, withClock3)
	_, err = c3.GetTemplate(ctx, 20000)
	ae = apiErr(t, err, http.StatusForbidden, fake.MsgTemplateForeign)
	if m, ok := ae.Model.(*pdfgenerator.Error); !ok || m.Error.Value != fake.MsgTemplateForeign || m.Status.Value != 403 {
		t.Fatalf("legacy Model = %#v", ae.Model)
	}
}

// The API key identifies the account like a password would: it never
// prints, whatever verb formats the credentials.
func TestPDFGeneratorCredentialsNeverPrintTheKey(t *testing.T) {
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, pdfgeneratorGood); strings.Contains(s, pdfgeneratorKey) || strings.Contains(s, pdfgeneratorSecret) {
			t.Errorf("%s prints a secret: %s", verb, s)
		}
	}
}

// Paging as the published spec has it: page from 1, per_page, and a meta
// object {current_page, last_page, per_page}. Five workspaces in pages of
// two are three pages; the walk stops at the third, the last_page.
func TestPDFGenerator_WorkspacesWalkThreePages(t *testing.T) {
	_, cfg, withClock := pdfgeneratorFakeClock()
	f, c := pdfgeneratorSetup(t, cfg, pdfgeneratorGood, withClock)
	ctx := context.Background()
	for _, id := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		if _, err := c.CreateWorkspace(ctx, &pdfgenerator.CreateWorkspaceRequest{Identifier: id}); err != nil {
			t.Fatal(err)
		}
	}
	f.ResetRequests()
	var ids []string
	for ws, err := range c.GetWorkspacesAll(ctx, &pdfgenerator.GetWorkspacesParams{PerPage: opt.Some[int64](2)}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ws.Identifier)
	}
	if want := []string{pdfgeneratorWorkspace, "a@example.com", "b@example.com", "c@example.com", "d@example.com"}; !slices.Equal(ids, want) {
		t.Fatalf("workspaces %v, want %v", ids, want)
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d page requests for 5 workspaces in pages of 2, want 3", len(reqs))
	}
	for i, r := range reqs {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("page") != strconv.Itoa(i+1) || q.Get("per_page") != "2" {
			t.Errorf("page %d: query %q", i+1, r.Query)
		}
	}
	last, err := c.GetWorkspaces(ctx, &pdfgenerator.GetWorkspacesParams{Page: opt.Some[int64](3), PerPage: opt.Some[int64](2)})
	if err != nil {
		t.Fatal(err)
	}
	if m := last.Meta; m == nil || m.CurrentPage.Or(0) != 3 || m.LastPage.Or(0) != 3 || m.PerPage.Or(0) != 2 || len(last.Response) != 1 {
		t.Errorf("page 3: meta %+v, %d items", last.Meta, len(last.Response))
	}
	// A full last page: meta.last_page ends the walk there, with no
	// request for the empty page after it.
	f.ResetRequests()
	n := 0
	for _, err := range c.GetWorkspacesAll(ctx, &pdfgenerator.GetWorkspacesParams{PerPage: opt.Some[int64](5)}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if reqs := f.Requests(); n != 5 || len(reqs) != 1 {
		t.Errorf("per_page 5: %d workspaces in %d requests, want 5 in 1", n, len(reqs))
	}
}
