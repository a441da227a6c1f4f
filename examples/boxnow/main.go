// Command boxnow shows the BOX NOW partner API client: it lists parcel
// lockers, creates a delivery request and saves the parcel's PDF label.
//
// With BOXNOW_CLIENT_ID and BOXNOW_CLIENT_SECRET set it talks to the
// sandbox (api-stage.boxnow.gr, or BOXNOW_API_URL); otherwise it starts a
// local fake of the API and uses demo credentials.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/apigen-go/apigen/generated/boxnow"
	fake "github.com/apigen-go/apigen/internal/fakes/boxnow"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	var opts []boxnow.Option
	serverURL := os.Getenv("BOXNOW_API_URL") // "" = the default host, with the variables below
	creds, err := boxnow.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake BOX NOW API", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL = srv.URL
		creds = boxnow.Credentials{ClientID: "fake-client-id", ClientSecret: secret.New("fake-client-secret")}
		opts = append(opts, boxnow.WithInsecureHTTP()) // plain http on 127.0.0.1 only
	}
	opts = append(opts, boxnow.WithCredentials(creds),
		boxnow.WithServerVariables(map[string]string{"environment": "stage", "country": "gr"}))
	client, err := boxnow.New(serverURL, opts...)
	if err != nil {
		log.Fatal(err)
	}

	// 1. Parcel lockers near Athens.
	dests, err := client.ListDestinations(ctx, &boxnow.ListDestinationsParams{
		Latlng: opt.Some("37.9755,23.7348"), Radius: opt.Some(int64(10000)),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range dests.Data {
		fmt.Printf("locker %s: %s, %s\n", d.ID, d.Name.Or("?"), d.AddressLine1.Or(""))
	}
	if len(dests.Data) == 0 {
		log.Fatal("no lockers found")
	}

	// 2. A delivery request from the warehouse to the first locker.
	order := fmt.Sprintf("DEMO-%d", time.Now().Unix())
	created, err := client.CreateDeliveryRequest(ctx, nil, &boxnow.DeliveryRequest{
		OrderNumber: order, PaymentMode: boxnow.PaymentModePrepaid,
		InvoiceValue: "25.50", AmountToBeCollected: "0.00",
		Origin: boxnow.LocationRef{LocationID: opt.Some("1"), ContactNumber: opt.Some("+30 21 4 655 1234"),
			ContactEmail: opt.Some("warehouse@example.gr"), ContactName: opt.Some("Warehouse")},
		Destination: boxnow.LocationRef{LocationID: opt.Some(dests.Data[0].ID), ContactNumber: opt.Some("+30 69 1 234 5678"),
			ContactEmail: opt.Some("customer@example.gr"), ContactName: opt.Some("Yiannis Papadopoulos")},
		Items: []boxnow.DeliveryItem{{Name: opt.Some("Smartphone"), Value: "25.50", CompartmentSize: opt.Some(int64(2))}},
	})
	var apiErr *apierror.APIError
	if errors.As(err, &apiErr) {
		log.Fatalf("BOX NOW refused the delivery request: %s (%s)", apiErr.Code, apiErr.Message) // e.g. P405, P410
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("order %s accepted as %s with %d parcel(s)\n", order, created.ID, len(created.Parcels))

	// 3. The PDF label of the parcel, streamed to a file.
	parcel := created.Parcels[0].ID
	label, err := client.GetParcelLabel(ctx, parcel, boxnow.LabelFileTypePDF, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer label.Body.Close()
	path := filepath.Join(os.TempDir(), "boxnow-label-"+parcel+".pdf")
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	n, err := io.Copy(f, label.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("label of parcel %s (%s, %d bytes) saved to %s\n", parcel, label.ContentType, n, path)
}
