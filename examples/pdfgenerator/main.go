// Command pdfgenerator shows the PDF Generator API client: it lists the
// workspace's templates, merges data into the first one and saves the PDF,
// also printing it as the start of an RFC 2397 data: URI.
//
// With PDFGENERATOR_API_KEY, PDFGENERATOR_API_SECRET and
// PDFGENERATOR_WORKSPACE set it talks to us1.pdfgeneratorapi.com;
// otherwise it starts a local fake of the API and uses demo credentials.
// Every request is signed with its own short-lived JWT, and the client keeps
// to 2 requests per second and 60 per minute.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/apigen-go/apigen/generated/pdfgenerator"
	fake "github.com/apigen-go/apigen/internal/fakes/pdfgenerator"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/datauri"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	serverURL := "" // the spec's server, https://us1.pdfgeneratorapi.com/api/v4
	var opts []pdfgenerator.Option
	creds, err := pdfgenerator.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake PDF Generator API", err)
		srv := httptest.NewServer(fake.New(fake.DefaultConfig()))
		defer srv.Close()
		serverURL = srv.URL + "/api/v4"
		creds = pdfgenerator.Credentials{APIKey: secret.New("fake-api-key"), APISecret: secret.New("fake-api-secret"), Workspace: "demo@example.com"}
		opts = append(opts, pdfgenerator.WithInsecureHTTP()) // plain http on 127.0.0.1 only
	}
	client, err := pdfgenerator.New(serverURL, append(opts, pdfgenerator.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// 1. The templates this workspace can use, all pages.
	var first *pdfgenerator.Template
	for tpl, err := range client.GetTemplatesAll(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("template %d: %s %v\n", tpl.ID, tpl.Name, tpl.Tags)
		if first == nil {
			first = &tpl
		}
	}
	if first == nil {
		log.Fatal("no templates")
	}

	// 2. Merge data into it; {paymentDetails::buyerName} reads nested fields.
	data := json.RawMessage(`{"documentNumber": 1, "paymentDetails": {"method": "Credit Card", "buyerName": "John Smith"}}`)
	doc, err := client.GenerateDocument(ctx, &pdfgenerator.GenerateDocumentRequest{
		Template: pdfgenerator.TemplateParam{ID: first.ID, Data: data},
		Name:     opt.Some("invoice-1"),
		Testing:  opt.Some(true), // not counted against the monthly limit
	})
	var apiErr *apierror.APIError
	if errors.As(err, &apiErr) {
		log.Fatalf("generation refused: %d %s", apiErr.StatusCode, apiErr.Message)
	} else if err != nil {
		log.Fatal(err)
	}
	pdf, err := base64.StdEncoding.DecodeString(doc.Response.Value)
	if err != nil {
		log.Fatal(err)
	}
	meta := doc.Meta
	if meta == nil { // optional struct members are pointers: nil = absent
		meta = &pdfgenerator.DocumentMeta{}
	}
	path := filepath.Join(os.TempDir(), meta.Name.Or("document.pdf"))
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s (%s, %d bytes) saved to %s\n", meta.Name.Value, meta.ContentType.Value, len(pdf), path)

	// 3. The same document as a data: URI, e.g. to embed in HTML or JSON.
	uri := datauri.FromBytes(meta.ContentType.Or("application/pdf"), pdf).String()
	fmt.Printf("data URI: %.48s… (%d characters)\n", uri, len(uri))
}
