package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/boxnow"
	judge "github.com/apigen-go/apigen/internal/judge/boxnow"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TestJudgeBoxNow drives the generated client against the independent judge
// (internal/judge/boxnow), written from the documentation only.
//
// Decisions where the docs are open:
//   - The token lives 3 s here instead of the example's 3600 s, so that the
//     test sees an expiry; the client is told through expires_in, as the
//     published document says ("Number of seconds for which the access token
//     is valid"), so using a token after it is a violation, not a retry case.
//   - 401 has no documented body; the judge sends none.
func TestJudgeBoxNow(t *testing.T) {
	srv := judge.New(judge.Config{ClientID: "partner-1", ClientSecret: "s3cret", TokenLifetime: 3 * time.Second})
	judged(t, srv)
	creds := boxnow.Credentials{ClientID: "partner-1", ClientSecret: secret.New("s3cret")}
	c, err := boxnow.New(srv.URL, boxnow.WithCredentials(creds), boxnow.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	dst, err := c.ListDestinations(ctx, &boxnow.ListDestinationsParams{LocationType: []boxnow.LocationType{"apm", "any-apm"}})
	if err != nil {
		t.Fatalf("destinations: %v", err)
	}
	if len(dst.Data) != 2 || dst.Data[0].ID != "2" || dst.Data[0].Type != "apm" {
		t.Errorf("destinations %+v", dst.Data)
	}

	req := func(order string) *boxnow.DeliveryRequest {
		return &boxnow.DeliveryRequest{
			OrderNumber: order, InvoiceValue: "25.50", PaymentMode: boxnow.PaymentModePrepaid, AmountToBeCollected: "0.00",
			Origin:      boxnow.LocationRef{LocationID: opt.Some("2")},
			Destination: boxnow.LocationRef{LocationID: opt.Some("9"), ContactName: opt.Some("John Smith")},
			Items:       []boxnow.DeliveryItem{{Value: "3.45"}},
		}
	}
	created, err := c.CreateDeliveryRequest(ctx, nil, req("A1"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.ID != "ord-A1" || len(created.Parcels) != 1 {
		t.Fatalf("created %+v", created)
	}
	// P410 is permanent ("already created"): one 400, not retried.
	_, err = c.CreateDeliveryRequest(ctx, nil, req("A1"))
	wantAPIError(t, err, http.StatusBadRequest, "createDeliveryRequest", "P410", "Order number conflict")
	if n := srv.Count(http.StatusBadRequest); n != 1 {
		t.Errorf("P410 answered %d times; it must not be retried", n)
	}

	// Past expires_in, concurrent callers share one new session.
	time.Sleep(3100 * time.Millisecond)
	before := srv.Sessions()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListDestinations(ctx, nil); err != nil {
				t.Errorf("destinations after expiry: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := srv.Sessions() - before; n != 1 {
		t.Errorf("%d new sessions after expiry; want exactly 1 shared by the callers", n)
	}

	if err := c.CancelParcel(ctx, created.Parcels[0].ID, nil); err != nil {
		t.Errorf("cancel: %v", err)
	}
	err = c.CancelParcel(ctx, "0000000404", nil)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || ae.Operation != "cancelParcel" || !strings.Contains(err.Error(), "cancelParcel") || !strings.Contains(err.Error(), "404") {
		t.Errorf("cancel unknown parcel: %v", err)
	}

	// Wrong secret: the session is refused with 401 and the call fails.
	bad, _ := boxnow.New(srv.URL, boxnow.WithCredentials(boxnow.Credentials{ClientID: "partner-1", ClientSecret: secret.New("nope")}), boxnow.WithInsecureHTTP())
	if _, err := bad.ListDestinations(ctx, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong secret: %v", err)
	}
}
