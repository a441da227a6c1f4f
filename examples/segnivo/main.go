// Command segnivo shows the Segnivo messaging API client: it validates
// addresses, creates a mailing list with a contact and sends a
// transactional e-mail through the relay.
//
// With SEGNIVO_API_KEY set it talks to api.segnivo.com; otherwise it starts
// a local fake of the API and uses a demo key. The fake is served over TLS,
// like the real API (plain http is answered with a 301, and the client
// never sends the key over http).
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/apigen-go/apigen/generated/segnivo"
	fake "github.com/apigen-go/apigen/internal/fakes/segnivo"
	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

func main() {
	ctx := context.Background()
	serverURL := "" // the spec's server, https://api.segnivo.com/v1
	var opts []segnivo.Option
	creds, err := segnivo.CredentialsFromEnv()
	if err != nil {
		log.Printf("%v; using a local fake Segnivo API", err)
		srv := httptest.NewTLSServer(fake.New(fake.DefaultConfig())) // https on 127.0.0.1
		defer srv.Close()
		serverURL = srv.URL + "/v1"
		creds = segnivo.Credentials{APIKey: secret.New("fake-segnivo-key")}
		opts = append(opts, segnivo.WithHTTPClient(srv.Client())) // trusts the fake's test certificate
	}
	client, err := segnivo.New(serverURL, append(opts, segnivo.WithCredentials(creds))...)
	if err != nil {
		log.Fatal(err)
	}

	// 1. Which addresses can receive mail?
	v, err := client.ValidateEmails(ctx, &segnivo.EmailAddressVerificationRequest{
		Emails: []string{"jane.doe@gmail.com", "nobody@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range v.Verifications {
		fmt.Printf("%s: %s\n", r.Email, r.Status)
	}

	// 2. A mailing list with one contact.
	list, err := client.CreateMailingList(ctx, &segnivo.MailingListRequest{
		Name: "Newsletter", FromEmail: "news@segnivo.com", FromName: "Demo Shop",
		Contact: segnivo.ListContact{Email: "support@segnivo.com", Company: "Demo Shop Ltd"},
	})
	if err != nil {
		log.Fatal(err)
	}
	contact, err := client.AddContact(ctx, &segnivo.AddContactRequest{
		ListUID: list.ListUID.Value, Email: "jane.doe@gmail.com", FirstName: opt.Some("Jane"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("list %s has contact %s\n", list.ListUID.Value, contact.SubscriberUID.Value)

	// 3. A transactional e-mail through the relay.
	sent, err := client.RelaySend(ctx, &segnivo.RelayEmailRequest{
		Subject: "Your order 1042", FromEmail: "shop@segnivo.com", FromName: opt.Some("Demo Shop"),
		Recipients: []string{"jane.doe@gmail.com"}, Content: "<p>Thank you for your order.</p>",
		IsTransactional: opt.Some(true),
	})
	var apiErr *apierror.APIError
	if errors.As(err, &apiErr) {
		log.Fatalf("send refused: %d %s: %s", apiErr.StatusCode, apiErr.Code, apiErr.Message) // e.g. 403 credits_exhausted
	} else if err != nil {
		log.Fatal(err)
	}
	email, err := client.GetRelayEmail(ctx, sent.ID.Value)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("e-mail %s %q to %v: %s\n", email.ID, email.Subject.Value, email.Recipients, email.Status.Value)
}
