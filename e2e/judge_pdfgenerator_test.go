package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/pdfgenerator"
	judge "github.com/apigen-go/apigen/internal/judge/pdfgenerator"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestJudgePDFGenerator drives the generated client against the independent
// judge (internal/judge/pdfgenerator), written from the documentation only.
//
// Decisions where the docs are open:
//   - The error body is the v4 {"message": …} of the published document, and
//     its messages are the v4 spellings (property iss without quotes).
//   - "2 requests per second and 60 requests per minute" is enforced over any
//     second and any minute of arrival times (the strictest reading; a client
//     that meets it also meets fixed windows), with 20 ms of arrival jitter.
//   - Token reuse: the docs say a JWT "should be generated uniquely" for each
//     request but not that a reused one is refused, so the judge does not
//     refuse it; it does refuse an expired one, and flags an exp more than a
//     minute ahead ("a matter of seconds").
func TestJudgePDFGenerator(t *testing.T) {
	const key, sec, master = "ad54aaff89ffdfeff178bb8a8f359b29", "judge-secret", "demo.example@actualreports.com"
	var tpls []judge.Template
	for i := range 5 {
		tpls = append(tpls, judge.Template{ID: int64(19375 + i), Name: fmt.Sprintf("Invoice %d", i), Tags: []string{"invoice"}})
	}
	srv := judge.New(judge.Config{APIKey: key, APISecret: sec, Master: master, Templates: tpls})
	judged(t, srv)
	creds := pdfgenerator.Credentials{APIKey: secret.New(key), APISecret: secret.New(sec), Workspace: master}
	c, err := pdfgenerator.New(srv.URL+"/api/v4", pdfgenerator.WithCredentials(creds), pdfgenerator.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Pages of 2: three pages, and no request for a fourth.
	var ids []int64
	for tpl, err := range c.GetTemplatesAll(ctx, &pdfgenerator.GetTemplatesParams{PerPage: opt.Some[int64](2)}) {
		if err != nil {
			t.Fatalf("templates: %v", err)
		}
		ids = append(ids, tpl.ID)
	}
	if !slices.Equal(ids, []int64{19375, 19376, 19377, 19378, 19379}) {
		t.Errorf("templates %v", ids)
	}

	// Concurrent callers: the client knows 2/s, so no 429 at all.
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := c.GetWorkspace(ctx, fmt.Sprintf("ws-%d", i))
			if err != nil {
				t.Errorf("workspace %d: %v", i, err)
				return
			}
			if ws.Response == nil || ws.Response.Identifier != fmt.Sprintf("ws-%d", i) {
				t.Errorf("workspace %d: %+v", i, ws.Response)
			}
		}()
	}
	wg.Wait()

	// Documented refusals, verbatim, not retried.
	n := len(srv.Requests())
	err = c.DeleteWorkspace(ctx, master)
	wantAPIError(t, err, http.StatusForbidden, "deleteWorkspace", "", judge.MsgMaster)
	if got := len(srv.Requests()) - n; got != 1 {
		t.Errorf("the final 403 was sent %d times", got)
	}

	// A clock two minutes slow signs tokens that have already expired.
	slow, _ := pdfgenerator.New(srv.URL+"/api/v4", pdfgenerator.WithCredentials(creds), pdfgenerator.WithInsecureHTTP(),
		pdfgenerator.WithClock(clock.NewFake(time.Now().Add(-2*time.Minute))))
	_, err = slow.GetWorkspace(ctx, master)
	wantAPIError(t, err, http.StatusUnauthorized, "getWorkspace", "", judge.MsgExpired)

	bad := creds
	bad.APISecret = secret.New("wrong")
	wrong, _ := pdfgenerator.New(srv.URL+"/api/v4", pdfgenerator.WithCredentials(bad), pdfgenerator.WithInsecureHTTP())
	_, err = wrong.GetWorkspace(ctx, master)
	wantAPIError(t, err, http.StatusUnauthorized, "getWorkspace", "", judge.MsgSignature)

	if n := srv.Count(http.StatusTooManyRequests); n != 0 {
		t.Errorf("%d responses were 429 although the limits are published", n)
	}
}
