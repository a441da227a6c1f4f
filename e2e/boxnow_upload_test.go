package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/generated/boxnow"
	fake "github.com/apigen-go/apigen/internal/fakes/boxnow"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/retry"
)

// boxnowCSV is a from-warehouse import of two orders (3 + 1 parcels).
// The header names the docs' columns (their example header also notes the
// defaults in parentheses, with a comma inside one of them, which no CSV
// reader can split as meant: it describes the columns, it is not a row).
const boxnowCSV = "from_location,destination_location,customer_phone_number,customer_email,customer_full_name,number_of_parcels,payment_mode,amount_to_be_collected,price_currency\n" +
	"1,4,+30 21 4 655 1234,someone@example.com,Yiannis Papadopoulos,3,cod,24.00,EUR\n" +
	"1,5,+30 69 1 234 5678,other@example.com,Maria Georgiou,,,,\n"

// TestBoxNowCSVImportUploadsTheFile sends the CSV import as the published
// spec says (multipart/form-data with a `type` part and a `file` part)
// from an *os.File wrapped in a File for its name and type: the fake
// parses the multipart body and must see the file's exact bytes, its
// filename and part Content-Type, and a Content-Length.
func TestBoxNowCSVImportUploadsTheFile(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	path := filepath.Join(t.TempDir(), "orders.csv")
	if err := os.WriteFile(path, []byte(boxnowCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	orders, err := env.c.CreateDeliveryRequestsFromCSV(context.Background(), nil, &boxnow.CreateDeliveryRequestsFromCSVRequest{
		Type:        boxnow.CreateDeliveryRequestsFromCSVRequestTypeFromWarehouse,
		File:        boxnow.File{Name: "orders.csv", ContentType: "text/csv", Body: f},
		AllowReturn: opt.Some(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 2 || len(orders[0].Parcels) != 3 || len(orders[1].Parcels) != 1 {
		t.Fatalf("orders = %+v, want 2 orders with 3 and 1 parcels", orders)
	}
	if p := orders[0].Parcels[0]; p.ID == "" || !strings.HasSuffix(p.LabelURL, "/api/v1/parcels/"+p.ID+"/label.pdf") {
		t.Errorf("parcel = %+v", p)
	}
	got := map[string]fake.Upload{}
	for _, u := range env.fake.Uploads() {
		got[u.Field] = u
	}
	file := got["file"]
	if string(file.Data) != boxnowCSV || file.Filename != "orders.csv" || file.ContentType != "text/csv" {
		t.Errorf("file part = %q (filename %q, type %q), want the CSV as orders.csv, text/csv", file.Data, file.Filename, file.ContentType)
	}
	if typ := got["type"]; string(typ.Data) != "from-warehouse" || typ.Filename != "" {
		t.Errorf("type part = %+v", typ)
	}
	if ar := got["allowReturn"]; string(ar.Data) != "false" {
		t.Errorf("allowReturn part = %q", ar.Data)
	}
	for _, r := range env.fake.Requests() {
		if strings.HasSuffix(r.Path, ":fromCsv") && r.ContentLength != int64(len(r.Body)) {
			t.Errorf("Content-Length = %d, body %d bytes: the size of a file is known", r.ContentLength, len(r.Body))
		}
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Errorf("the caller's file offset moved to %d", off)
	}
}

// TestBoxNowCSVImportRequiresTheFile: the file part is required, so a
// request without one fails before anything is sent.
func TestBoxNowCSVImportRequiresTheFile(t *testing.T) {
	env := boxnowSetup(t, time.Hour, nil)
	_, err := env.c.CreateDeliveryRequestsFromCSV(context.Background(), nil, &boxnow.CreateDeliveryRequestsFromCSVRequest{
		Type: boxnow.CreateDeliveryRequestsFromCSVRequestTypeFromWarehouse,
	})
	if err == nil || !strings.Contains(err.Error(), "file") {
		t.Fatalf("err = %v, want one naming the missing file", err)
	}
	if n := len(env.fake.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests", n)
	}
}

// onceReader can be read once: it hides every method but Read.
type onceReader struct{ r io.Reader }

func (o onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestBoxNowCSVImportRetryOnlyRereadableBodies follows CONTRACT §5 on
// upload bodies: a 503 with Retry-After proves the server did nothing, so
// a body that can be re-read is sent again, byte for byte; one that
// cannot (a plain stream, sent chunked) is sent once and the 503 returned.
func TestBoxNowCSVImportRetryOnlyRereadableBodies(t *testing.T) {
	cfg := fake.DefaultConfig()
	f := fake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := boxnow.New(srv.URL, boxnow.WithCredentials(boxnowCreds), boxnow.WithInsecureHTTP(),
		boxnow.WithRetry(retry.Policy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Fetch the token first, so that the injected 503 hits the upload.
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	imports := func() (n int, lengths []int64) {
		for _, r := range f.Requests() {
			if strings.HasSuffix(r.Path, ":fromCsv") {
				n++
				lengths = append(lengths, r.ContentLength)
			}
		}
		return n, lengths
	}
	unavailable := http.Header{"Retry-After": {"0"}}

	f.InjectStatus(1, http.StatusServiceUnavailable, unavailable)
	_, err = c.CreateDeliveryRequestsFromCSV(ctx, nil, &boxnow.CreateDeliveryRequestsFromCSVRequest{
		Type: boxnow.CreateDeliveryRequestsFromCSVRequestTypeFromWarehouse,
		File: boxnow.File{Name: "orders.csv", Body: strings.NewReader(boxnowCSV)},
	})
	if err != nil {
		t.Fatalf("re-readable body: %v", err)
	}
	if n, lengths := imports(); n != 2 || lengths[0] != lengths[1] || lengths[0] <= 0 {
		t.Fatalf("re-readable body: %d attempts with lengths %v, want 2 of the same known length", n, lengths)
	}
	// The fake reads the body of the attempt it answers with 503 too: both
	// attempts carried the whole file.
	if ups := f.Uploads(); len(ups) == 0 || string(ups[len(ups)-1].Data) == "" {
		t.Fatalf("uploads = %+v", ups)
	}
	for i, r := range f.Requests() {
		if strings.HasSuffix(r.Path, ":fromCsv") && !strings.Contains(string(r.Body), boxnowCSV) {
			t.Errorf("attempt %d did not carry the whole file", i)
		}
	}

	f.ResetRequests()
	f.InjectStatus(1, http.StatusServiceUnavailable, unavailable)
	_, err = c.CreateDeliveryRequestsFromCSV(ctx, nil, &boxnow.CreateDeliveryRequestsFromCSVRequest{
		Type: boxnow.CreateDeliveryRequestsFromCSVRequestTypeFromWarehouse,
		File: boxnow.File{Name: "orders.csv", Body: onceReader{strings.NewReader(boxnowCSV)}},
	})
	var apiErr *boxnow.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("one-shot body: err = %v, want the 503", err)
	}
	if n, lengths := imports(); n != 1 || lengths[0] != -1 {
		t.Fatalf("one-shot body: %d attempts with lengths %v, want 1, sent chunked", n, lengths)
	}
}
