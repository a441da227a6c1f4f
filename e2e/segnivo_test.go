package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apigen-go/apigen/generated/segnivo"
	fake "github.com/apigen-go/apigen/internal/fakes/segnivo"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
)

// segnivoKey is the fake's default API key (fake.DefaultConfig).
const segnivoKey = "fake-segnivo-key"

var segnivoGood = segnivo.Credentials{APIKey: secret.New(segnivoKey)}

// segnivoWire is what one request looked like on the wire, as the server
// saw it.
type segnivoWire struct {
	Method, Path     string
	TLS              bool
	APIKey           string
	Accept           string
	ContentType      string
	ContentLength    int64
	TransferEncoding []string
	BodyLen          int
}

// segnivoTap wraps a handler and records every request's wire shape.
type segnivoTap struct {
	h    http.Handler
	mu   sync.Mutex
	seen []segnivoWire
}

func (tp *segnivoTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	tp.mu.Lock()
	tp.seen = append(tp.seen, segnivoWire{
		Method: r.Method, Path: r.URL.Path, TLS: r.TLS != nil,
		APIKey: r.Header.Get("X-API-KEY"), Accept: r.Header.Get("Accept"), ContentType: r.Header.Get("Content-Type"),
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, BodyLen: len(body),
	})
	tp.mu.Unlock()
	tp.h.ServeHTTP(w, r)
}

func (tp *segnivoTap) requests() []segnivoWire {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return slices.Clone(tp.seen)
}

// segnivoSetup serves a fake for cfg over TLS (the API is HTTPS-only) and
// returns it, the wire tap and a client for creds that trusts the test
// certificate. No WithInsecureHTTP: the key only ever travels over https.
func segnivoSetup(t *testing.T, cfg fake.Config, creds segnivo.Credentials, opts ...segnivo.Option) (*fake.Server, *segnivoTap, *segnivo.Client) {
	t.Helper()
	f := fake.New(cfg)
	tap := &segnivoTap{h: f}
	srv := httptest.NewTLSServer(tap)
	t.Cleanup(srv.Close)
	opts = append([]segnivo.Option{segnivo.WithCredentials(creds), segnivo.WithHTTPClient(srv.Client())}, opts...)
	c, err := segnivo.New(srv.URL+"/v1", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f, tap, c
}

// segnivoAPIError asserts err is an *apierror.APIError with status and code.
func segnivoAPIError(t *testing.T, err error, status int, code string) *apierror.APIError {
	t.Helper()
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *apierror.APIError", err)
	}
	if ae.StatusCode != status || ae.Code != code || ae.Message == "" {
		t.Fatalf("got %d code %q message %q, want %d %q with a message", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	return ae
}

func TestSegnivo_APIKeyHeaderAndJSONBodies(t *testing.T) {
	f, tap, c := segnivoSetup(t, fake.DefaultConfig(), segnivoGood)
	ctx := context.Background()

	list, err := c.CreateMailingList(ctx, &segnivo.MailingListRequest{
		Name: "Novinky – červenec", FromEmail: "news@segnivo.com", FromName: "Segnivo",
		Contact: segnivo.ListContact{Email: "support@segnivo.com", Company: "Segnivo Ltd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lid := list.ListUID.Value
	for i := range 5 {
		if _, err := c.AddContact(ctx, &segnivo.AddContactRequest{ListUID: lid, Email: fmt.Sprintf("p%d@gmail.com", i),
			FirstName: opt.Some("Jiří")}); err != nil {
			t.Fatal(err)
		}
	}
	// Paging: the published spec has per_page and page ("the offset for
	// the items", read as a page number from 1, see specs/segnivo.yaml)
	// and a bare array without metadata, so the walk ends at a short
	// page: five contacts in pages of two are pages 1, 2 and 3.
	f.ResetRequests()
	var emails []string
	for ct, err := range c.ListContactsAll(ctx, &segnivo.ListContactsParams{PerPage: opt.Some[int64](2)}) {
		if err != nil {
			t.Fatal(err)
		}
		if ct.FirstName.Value != "Jiří" || ct.ListUID.Value != lid {
			t.Fatalf("contact %+v", ct)
		}
		emails = append(emails, ct.Email)
	}
	if len(emails) != 5 {
		t.Fatalf("paged through %d contacts, want 5: %v", len(emails), emails)
	}
	if reqs := f.Requests(); len(reqs) != 3 {
		t.Fatalf("%d page requests for 5 contacts in pages of 2, want 3", len(reqs))
	} else {
		for i, r := range reqs {
			if q, _ := url.ParseQuery(r.Query); q.Get("page") != strconv.Itoa(i+1) || q.Get("per_page") != "2" {
				t.Errorf("page %d: query %q", i+1, r.Query)
			}
		}
	}

	// A campaign for the list.
	cmp, err := c.CreateCampaign(ctx, &segnivo.CampaignCreateRequest{MailListUID: lid, Name: "July", Subject: "Léto",
		FromEmail: "news@segnivo.com", FromName: "Segnivo"})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Attributes == nil {
		t.Fatalf("campaign %+v has no attributes", cmp)
	}
	got0, err := c.GetCampaign(ctx, cmp.Attributes.UID)
	if err != nil || got0.Subject.Value != "Léto" || got0.Statistics == nil || got0.Statistics.SubscriberCount.Value != 5 {
		t.Fatalf("GetCampaign: %+v, %v", got0, err)
	}

	// A subject with multi-byte characters arrives intact: Content-Length
	// counts bytes.
	subject := "Potvrzení objednávky ✓ – ñ"
	sent, err := c.RelaySend(ctx, &segnivo.RelayEmailRequest{
		Subject: subject, FromEmail: "shop@segnivo.com", Recipients: []string{"jane@gmail.com"},
		Content: "<p>Děkujeme</p>", IsTransactional: opt.Some(true),
	})
	if err != nil || sent.Status.Value != "success" {
		t.Fatalf("RelaySend: %+v, %v", sent, err)
	}
	got, err := c.GetRelayEmail(ctx, sent.ID.Value)
	if err != nil || got.Subject.Value != subject || !got.IsTransactional.Value {
		t.Fatalf("GetRelayEmail: %+v, %v", got, err)
	}
	v, err := c.ValidateEmails(ctx, &segnivo.EmailAddressVerificationRequest{Emails: []string{"ok@segnivo.com", "x@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Verifications) != 2 || v.Verifications[0].Status != segnivo.EmailVerificationStatusDeliverable ||
		v.Verifications[1].Status != segnivo.EmailVerificationStatusUndeliverable {
		t.Fatalf("verifications %+v", v.Verifications)
	}
	if len(f.SentEmails()) != 1 {
		t.Fatalf("fake sent %v", f.SentEmails())
	}

	seen := tap.requests()
	if len(seen) < 10 {
		t.Fatalf("tap saw %d requests", len(seen))
	}
	for _, w := range seen {
		if !w.TLS || w.APIKey != segnivoKey {
			t.Fatalf("%s %s: tls %v, X-API-KEY %q", w.Method, w.Path, w.TLS, w.APIKey)
		}
		if w.Accept != "application/json" {
			t.Fatalf("%s %s: Accept %q", w.Method, w.Path, w.Accept)
		}
		if w.Method == http.MethodPost {
			if w.ContentLength != int64(w.BodyLen) || w.BodyLen == 0 || len(w.TransferEncoding) != 0 {
				t.Fatalf("%s %s: Content-Length %d for %d bytes, Transfer-Encoding %v", w.Method, w.Path, w.ContentLength, w.BodyLen, w.TransferEncoding)
			}
			if !strings.HasPrefix(w.ContentType, "application/json") {
				t.Fatalf("%s %s: Content-Type %q", w.Method, w.Path, w.ContentType)
			}
		}
	}
}

func TestSegnivo_ErrorEnvelope(t *testing.T) {
	f, tap, c := segnivoSetup(t, fake.DefaultConfig(), segnivoGood)
	ctx := context.Background()

	// 401: a wrong key; static credentials are not retried.
	_, _, bad := segnivoSetup(t, fake.DefaultConfig(), segnivo.Credentials{APIKey: secret.New("wrong-key")})
	_, err := bad.ListMailingLists(ctx)
	ae := segnivoAPIError(t, err, http.StatusUnauthorized, "unauthorized")
	if strings.Contains(ae.Error(), "wrong-key") {
		t.Fatal("the error leaks the key")
	}

	// 422 with field errors, and the decoded model.
	_, err = c.CreateMailingList(ctx, &segnivo.MailingListRequest{
		Name: "News", FromEmail: "not-an-address", FromName: "Segnivo",
		Contact: segnivo.ListContact{Email: "support@segnivo.com", Company: "Segnivo Ltd"},
	})
	ae = segnivoAPIError(t, err, http.StatusUnprocessableEntity, "validation_failed")
	if len(ae.FieldErrors) != 1 || ae.FieldErrors[0].Field != "from_email" || ae.FieldErrors[0].Message == "" {
		t.Fatalf("FieldErrors %+v", ae.FieldErrors)
	}
	m, ok := ae.Model.(*segnivo.Error)
	if !ok || m.Error.Value != "validation_failed" || len(m.Errors["from_email"]) != 1 {
		t.Fatalf("Model %#v", ae.Model)
	}

	// 404.
	_, err = c.GetContact(ctx, "sub_999999")
	segnivoAPIError(t, err, http.StatusNotFound, "not_found")

	// 403: sending credits exhausted is final, sent once.
	f.SetCredits(1)
	before := len(tap.requests())
	_, err = c.RelaySend(ctx, &segnivo.RelayEmailRequest{Subject: "s", FromEmail: "shop@segnivo.com",
		Recipients: []string{"a@gmail.com", "b@gmail.com"}, Content: "c"})
	segnivoAPIError(t, err, http.StatusForbidden, "credits_exhausted")
	if n := len(tap.requests()) - before; n != 1 {
		t.Fatalf("the 403 was sent %d times", n)
	}
}

func TestSegnivo_TrafficSpike503(t *testing.T) {
	// A shared manual clock: backoff and Retry-After waits cost no real time.
	clk := clock.NewFake(time.Date(2024, 7, 9, 8, 0, 0, 0, time.UTC))
	cfg := fake.DefaultConfig()
	cfg.Clock = clk
	f, tap, c := segnivoSetup(t, cfg, segnivoGood, segnivo.WithClock(clk))
	ctx := context.Background()

	// An idempotent read is retried through a spike.
	f.InjectStatus(2, http.StatusServiceUnavailable, nil)
	if _, err := c.ListMailingLists(ctx); err != nil {
		t.Fatalf("GET through two 503s: %v", err)
	}
	if n := len(tap.requests()); n != 3 {
		t.Fatalf("%d requests, want 2 × 503 and the success", n)
	}

	// A send without Retry-After may have been processed: not retried.
	send := &segnivo.RelayEmailRequest{Subject: "s", FromEmail: "shop@segnivo.com", Recipients: []string{"a@gmail.com"}, Content: "c"}
	f.InjectStatus(1, http.StatusServiceUnavailable, nil)
	_, err := c.RelaySend(ctx, send)
	segnivoAPIError(t, err, http.StatusServiceUnavailable, "service_unavailable")
	if n := len(tap.requests()); n != 4 {
		t.Fatalf("%d requests: the 503'd send was retried", n-3)
	}
	// With Retry-After the server says it did nothing: retried after it.
	f.InjectStatus(1, http.StatusServiceUnavailable, http.Header{"Retry-After": {"30"}})
	start := clk.Now()
	if _, err := c.RelaySend(ctx, send); err != nil {
		t.Fatalf("send after 503 + Retry-After: %v", err)
	}
	if waited := clk.Now().Sub(start); waited < 30*time.Second {
		t.Fatalf("retried after %s, Retry-After said 30s", waited)
	}
	if n := len(f.SentEmails()); n != 1 {
		t.Fatalf("fake sent %d e-mails, want 1", n)
	}
}

func TestSegnivo_CredentialsNeverOverPlainHTTP(t *testing.T) {
	ctx := context.Background()

	// The same fake behind a TLS listener and a plain one; the plain one
	// answers 301 to the TLS one, as the provider does.
	var f *fake.Server
	tlsTap := &segnivoTap{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.ServeHTTP(w, r) })}
	tlsSrv := httptest.NewTLSServer(tlsTap)
	t.Cleanup(tlsSrv.Close)
	cfg := fake.DefaultConfig()
	cfg.HTTPSHost = tlsSrv.Listener.Addr().String()
	f = fake.New(cfg)
	plainTap := &segnivoTap{h: f}
	plainSrv := httptest.NewServer(plainTap)
	t.Cleanup(plainSrv.Close)

	// 1. An http:// server URL: the call fails before anything is sent.
	c, err := segnivo.New(plainSrv.URL+"/v1", segnivo.WithCredentials(segnivoGood), segnivo.WithHTTPClient(tlsSrv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListMailingLists(ctx)
	if !errors.Is(err, auth.ErrInsecureHTTP) {
		t.Fatalf("err = %v, want auth.ErrInsecureHTTP", err)
	}
	if n := len(plainTap.requests()) + len(tlsTap.requests()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}

	// 2. Even with plain http allowed (loopback tests only), the 301 to
	// https is not followed with the key: it stays with the origin it was
	// configured for.
	c, err = segnivo.New(plainSrv.URL+"/v1", segnivo.WithCredentials(segnivoGood), segnivo.WithHTTPClient(tlsSrv.Client()),
		segnivo.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListMailingLists(ctx)
	var ae *apierror.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *apierror.APIError (the key is not forwarded)", err)
	}
	plain := plainTap.requests()
	if len(plain) != 1 || plain[0].TLS {
		t.Fatalf("plain listener saw %+v", plain)
	}
	followed := tlsTap.requests()
	if ae.StatusCode != http.StatusMovedPermanently && len(followed) == 0 {
		t.Fatalf("got %d but the redirect never reached the https listener", ae.StatusCode)
	}
	for _, w := range followed {
		if w.APIKey != "" {
			t.Fatalf("the redirect carried X-API-KEY to %s", w.Path)
		}
	}

	// 3. https directly: works.
	c, err = segnivo.New(tlsSrv.URL+"/v1", segnivo.WithCredentials(segnivoGood), segnivo.WithHTTPClient(tlsSrv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListMailingLists(ctx); err != nil {
		t.Fatal(err)
	}
}

// segnivoDirect is an in-memory transport to the fake's handler (no
// sockets, the request marked as TLS), so that the whole client runs in a
// synctest bubble. It counts the statuses the fake answered.
type segnivoDirect struct {
	h        http.Handler
	mu       sync.Mutex
	statuses map[int]int
}

func (d *segnivoDirect) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RemoteAddr = "127.0.0.1:40000"
	r.RequestURI = req.URL.RequestURI()
	r.Host = req.URL.Host
	r.TLS = &tls.ConnectionState{}
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

func (d *segnivoDirect) count(status int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.statuses[status]
}

func TestSegnivo_HourlyBudgetPerEndpoint(t *testing.T) {
	// The documented 10 000 requests per hour per endpoint, unscaled, in
	// the fake and in the client (the spec's limiter), in a synctest bubble.
	synctest.Test(t, func(t *testing.T) {
		f := fake.New(fake.DefaultConfig())
		direct := &segnivoDirect{h: f, statuses: map[int]int{}}
		c, err := segnivo.New("", segnivo.WithCredentials(segnivoGood), segnivo.WithHTTPClient(&http.Client{Transport: direct}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()

		// A burst of 10 000 calls to one endpoint, from 20 goroutines.
		const workers, perWorker = 20, 500
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					if _, err := c.ListMailingLists(ctx); err != nil {
						t.Errorf("worker %d call %d: %v", w, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if n := direct.count(http.StatusOK); n != workers*perWorker {
			t.Fatalf("%d × 200 for %d calls", n, workers*perWorker)
		}

		// The budget is spent for the next hour: the 10 001st call fails at
		// once, unsent, instead of earning a 429.
		_, err = c.ListMailingLists(ctx)
		var qe *ratelimit.QuotaExhaustedError
		if !errors.As(err, &qe) {
			t.Fatalf("call 10 001: err = %v, want *ratelimit.QuotaExhaustedError", err)
		}
		if qe.ResetAt.Before(start.Add(time.Hour)) {
			t.Fatalf("ResetAt %s, want an hour after the burst", qe.ResetAt)
		}
		if n := len(f.Requests()); n != workers*perWorker {
			t.Fatalf("fake saw %d requests; the refused call was sent", n)
		}
		// Other endpoints keep their own budgets.
		if _, err := c.ListCampaigns(ctx); err != nil {
			t.Fatalf("another endpoint: %v", err)
		}

		// 30 s before the window ends, a call waits for its slot (within
		// maxWait) and goes out once the hour has passed.
		time.Sleep(time.Hour - 30*time.Second - time.Since(start))
		if _, err := c.ListMailingLists(ctx); err != nil {
			t.Fatalf("call after the hour: %v", err)
		}
		reqs := f.Requests()
		last := reqs[len(reqs)-1]
		if last.Path != "/v1/lists" || last.Time.Before(start.Add(time.Hour)) {
			t.Fatalf("last request %s at %s, want /v1/lists after %s", last.Path, last.Time, start.Add(time.Hour))
		}
		if n := direct.count(http.StatusTooManyRequests); n != 0 {
			t.Fatalf("%d responses were 429", n)
		}
	})
}

func TestSegnivo_RelayHasItsOwnLargerBudget(t *testing.T) {
	// Scaled 1:1000 in both fake and client: 10/h for most endpoints,
	// 1000/h for relay sending (documented: 10 000/h and 1 000 000/h).
	synctest.Test(t, func(t *testing.T) {
		cfg := fake.DefaultConfig()
		cfg.EndpointLimit, cfg.RelayLimit = 10, 1000
		f := fake.New(cfg)
		direct := &segnivoDirect{h: f, statuses: map[int]int{}}

		rl := segnivo.RateLimitConfig()
		rl.Windows[0].Limit /= 1000
		relay := rl.Operations["relaySend"]
		relay.Windows = []ratelimit.Window{{Limit: relay.Windows[0].Limit / 1000, Per: relay.Windows[0].Per}}
		rl.Operations["relaySend"] = relay
		lim, err := ratelimit.New(rl)
		if err != nil {
			t.Fatal(err)
		}
		c, err := segnivo.New("", segnivo.WithCredentials(segnivoGood),
			segnivo.WithHTTPClient(&http.Client{Transport: direct}), segnivo.WithRateLimiter(lim))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		send := &segnivo.RelayEmailRequest{Subject: "s", FromEmail: "shop@segnivo.com", Recipients: []string{"a@gmail.com"}, Content: "c"}

		var wg sync.WaitGroup
		for w := range 10 {
			wg.Go(func() {
				for i := range 100 {
					if _, err := c.RelaySend(ctx, send); err != nil {
						t.Errorf("sender %d, send %d: %v", w, i, err)
						return
					}
				}
			})
		}
		for i := range 10 {
			if _, err := c.ListMailingLists(ctx); err != nil {
				t.Fatalf("list %d: %v", i, err)
			}
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var qe *ratelimit.QuotaExhaustedError
		if _, err := c.ListMailingLists(ctx); !errors.As(err, &qe) {
			t.Fatalf("11th list: %v, want QuotaExhaustedError", err)
		}
		if _, err := c.RelaySend(ctx, send); !errors.As(err, &qe) {
			t.Fatalf("1001st send: %v, want QuotaExhaustedError", err)
		}
		if n := len(f.SentEmails()); n != 1000 {
			t.Fatalf("fake sent %d e-mails, want 1000", n)
		}
		if n := direct.count(http.StatusTooManyRequests); n != 0 {
			t.Fatalf("%d responses were 429", n)
		}
		if n := len(f.Requests()); n != 1010 {
			t.Fatalf("fake saw %d requests, want 1010", n)
		}
	})
}
