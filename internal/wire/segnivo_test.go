package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"

	ours "github.com/apigen-go/apigen/internal/wire/apigensegnivo"
	theirs "github.com/apigen-go/apigen/internal/wire/oapisegnivo"
	"github.com/apigen-go/apigen/runtime/opt"
	"github.com/apigen-go/apigen/runtime/secret"
)

// segnivoRespond answers every segnivo request with an object: all its
// operations return one.
func segnivoRespond(*http.Request) (int, string) {
	return http.StatusOK, `{"status":"success"}`
}

// TestWireSegnivo compares apigen's client for the segnivo provider spec
// with oapi-codegen's. Every operation requires the apiKeyAuth scheme
// (header X-API-KEY): apigen sends it from its credentials, oapi-codegen
// from a request editor, and the header is compared too.
func TestWireSegnivo(t *testing.T) {
	const key = "sk_live 123"
	type c = wireCase[*ours.Client, *theirs.Client]
	p := pair[*ours.Client, *theirs.Client]{
		ours: func(t *testing.T, url string) *ours.Client {
			c, err := ours.New(url, ours.WithoutRetry(), ours.WithoutCache(), ours.WithoutRateLimit(),
				ours.WithInsecureHTTP(), ours.WithCredentials(ours.Credentials{APIKey: secret.New(key)}))
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		theirs: func(t *testing.T, url string) *theirs.Client {
			c, err := theirs.NewClient(url, theirs.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
				req.Header.Set("X-API-KEY", key)
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
	}
	emails := []string{"a@example.com", "b+tag@example.org"}
	runWireCases(t, p, []string{"X-API-KEY"}, segnivoRespond, []c{
		{
			name: "GetContacts/query",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.GetContacts(ctx, &ours.GetContactsParams{Email: opt.Some("j.doe+news@example.com"), PerPage: opt.Some[int64](50), Page: opt.Some[int64](2)})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.GetContacts(ctx, &theirs.GetContactsParams{Email: ptr("j.doe+news@example.com"), PerPage: ptr(50), Page: ptr(2)})
			},
		},
		{
			name: "GetContacts/no-params",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.GetContacts(ctx, nil)
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.GetContacts(ctx, nil)
			},
		},
		{
			name: "GetContactsUID/escaped",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.GetContactsUID(ctx, "uid 1/2?")
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.GetContactsUid(ctx, "uid 1/2?")
			},
		},
		{
			name: "PostContacts/json-body",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PostContacts(ctx, &ours.AddContactRequest{Email: "j@example.com", FirstName: opt.Some("Jané"), ListUID: "list-1", Tag: opt.Some("vip")})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.PostContacts(ctx, theirs.AddContactRequest{Email: "j@example.com", FirstName: ptr("Jané"), ListUid: "list-1", Tag: ptr("vip")})
			},
		},
		{
			name: "PatchContactsUIDSubscribe/query-and-body",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PatchContactsUIDSubscribe(ctx, "c-1", &ours.PatchContactsUIDSubscribeParams{ListUID: opt.Some("l 1&2")}, map[string]json.RawMessage{})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.PatchContactsUidSubscribe(ctx, "c-1", &theirs.PatchContactsUidSubscribeParams{ListUid: ptr("l 1&2")}, map[string]any{})
			},
		},
		{
			// oapi-codegen leaves multipart bodies to the caller, who
			// writes the parts with mime/multipart in the spec's order.
			name: "PostRelayRaw/multipart",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PostRelayRaw(ctx, &ours.RelayRawEmailRequest{
					Message: opt.Some("From: a@example.com\r\nSubject: Hi\r\n\r\nBody"), SignDkim: opt.Some(false), TrackOpen: opt.Some(true),
				})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for _, f := range [][2]string{{"message", "From: a@example.com\r\nSubject: Hi\r\n\r\nBody"}, {"sign_dkim", "false"}, {"track_open", "true"}} {
					if err := mw.WriteField(f[0], f[1]); err != nil {
						return nil, err
					}
				}
				if err := mw.Close(); err != nil {
					return nil, err
				}
				return cl.PostRelayRawWithBody(ctx, mw.FormDataContentType(), &buf)
			},
		},
		{
			name: "GetRelayEmailsID/path-and-query",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.GetRelayEmailsID(ctx, "msg-9", &ours.GetRelayEmailsIDParams{Limit: opt.Some[int64](10)})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.GetRelayEmailsId(ctx, "msg-9", &theirs.GetRelayEmailsIdParams{Limit: ptr(10)})
			},
		},
		{
			name: "PatchListsUID/path-and-nested-body",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PatchListsUID(ctx, "list 7", &ours.MailingListRequest{
					Name: "News", FromName: "Shop", FromEmail: "shop@example.com",
					Contact: &ours.MailingListRequestContact{Company: opt.Some("ACME s.r.o."), Email: opt.Some("legal@example.com")},
				})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				body := theirs.MailingListRequest{Name: "News", FromName: "Shop", FromEmail: "shop@example.com"}
				body.Contact = &struct {
					Company *string `json:"company,omitempty"`
					Email   *string `json:"email,omitempty"`
				}{Company: ptr("ACME s.r.o."), Email: ptr("legal@example.com")}
				return cl.PatchListsUid(ctx, "list 7", body)
			},
		},
		{
			name: "PatchMessagesUID/required-fields",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PatchMessagesUID(ctx, "m-1", &ours.CampaignUpdateRequest{
					Name: "Spring", Subject: "Sale", FromName: "Shop", FromEmail: "shop@example.com", ReplyTo: "reply@example.com",
				})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.PatchMessagesUid(ctx, "m-1", theirs.CampaignUpdateRequest{
					Name: "Spring", Subject: "Sale", FromName: "Shop", FromEmail: "shop@example.com", ReplyTo: "reply@example.com",
				})
			},
		},
		{
			name: "PostValidateEmail/json-array-field",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PostValidateEmail(ctx, &ours.EmailAddressVerificationRequest{Emails: emails})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.PostValidateEmail(ctx, theirs.EmailAddressVerificationRequest{Emails: &emails})
			},
		},
		{
			name: "PostRelaySend/json-body",
			ours: func(ctx context.Context, cl *ours.Client) error {
				_, err := cl.PostRelaySend(ctx, &ours.RelayEmailRequest{
					Subject: opt.Some("Hi"), FromEmail: opt.Some("n@example.com"), Recipients: emails,
					Content: opt.Some("<b>x</b>"), ContentType: opt.Some(ours.RelayEmailRequestContentTypeHTML),
					CustomHeaders: map[string]json.RawMessage{"X-Tag": json.RawMessage(`"a"`)},
					DeliveryAt:    opt.Some[int64](1720000000), TrackOpen: opt.Some(false),
				})
				return err
			},
			theirs: func(ctx context.Context, cl *theirs.Client) (*http.Response, error) {
				return cl.PostRelaySend(ctx, theirs.RelayEmailRequest{
					Subject: ptr("Hi"), FromEmail: ptr("n@example.com"), Recipients: &emails,
					Content: ptr("<b>x</b>"), ContentType: ptr(theirs.Html),
					CustomHeaders: &map[string]any{"X-Tag": "a"},
					DeliveryAt:    ptr(1720000000), TrackOpen: ptr(false),
				})
			},
		},
	})
}
