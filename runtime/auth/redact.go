package auth

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
)

// minRedacted is the shortest value redacted in responses: shorter ones are
// not credentials worth the name, and replacing every "ab" in an error
// body would garble it.
const minRedacted = 4

// maxRedactedBody is how much of an error body is read to redact it; the
// rest streams through untouched (apierror keeps 64 KiB), with room for a
// secret that straddles the cut.
const maxRedactedBody = 64<<10 + 4<<10

// credentialValues lists what authorize put on r2 that was not on req:
// header and query values that are not the Transport's fixed companion
// headers, the token after a scheme word, the password of Basic
// credentials, and every token tok carries.
func credentialValues(req, r2 *http.Request, companions http.Header, tok *Token) []string {
	var out []string
	add := func(v string) {
		if len(v) >= minRedacted {
			out = append(out, v)
		}
	}
	for k, vs := range r2.Header {
		if _, fixed := companions[k]; fixed {
			continue
		}
		old := req.Header[k]
		for i, v := range vs {
			if i < len(old) && old[i] == v {
				continue
			}
			add(v)
			if scheme, rest, ok := strings.Cut(v, " "); ok {
				add(rest)
				if strings.EqualFold(scheme, "Basic") {
					if raw, err := base64.StdEncoding.DecodeString(rest); err == nil {
						if _, pass, ok := strings.Cut(string(raw), ":"); ok {
							add(pass)
						}
					}
				}
			}
		}
	}
	if r2.URL.RawQuery != req.URL.RawQuery {
		before := req.URL.Query()
		for k, vs := range r2.URL.Query() {
			for i, v := range vs {
				if old := before[k]; i >= len(old) || old[i] != v {
					add(v)
				}
			}
		}
	}
	if tok != nil {
		add(tok.AccessToken.Reveal())
		add(tok.RefreshToken.Reveal())
		for _, v := range tok.Extra {
			add(v.Reveal())
		}
	}
	return out
}

// failed reports whether resp is not a success, whose body may echo the
// request's credentials.
func failed(resp *http.Response) bool {
	return resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299)
}

// redactResponse replaces the request's credentials in a non-2xx response
// (servers echo keys and tokens in 401 bodies and headers), so that
// APIError.Error(), its Body and Header, and logs above auth never show
// them. Successful responses are data and pass untouched.
func redactResponse(resp *http.Response, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for _, vs := range resp.Header {
		for i, v := range vs {
			vs[i] = redactAll(v, secrets)
		}
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxRedactedBody))
	red := redactAll(string(head), secrets)
	var tail io.Reader = resp.Body
	if err != nil {
		tail = errReader{err}
	}
	if len(red) != len(head) {
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	resp.Body = &redactedBody{Reader: io.MultiReader(strings.NewReader(red), tail), Closer: resp.Body}
}

type redactedBody struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type sentKey struct{}

// withSent marks r2, the request the Transport is about to send, with a
// way to list the credentials it carries (computed only when asked), so
// that code above the Transport can redact them from text it quotes.
func withSent(r2 *http.Request, secrets func() []string) *http.Request {
	return r2.WithContext(context.WithValue(r2.Context(), sentKey{}, secrets))
}

// RedactSent replaces in s the credentials the Transport sent on the
// request that produced resp, exactly as failed responses are redacted
// (redactResponse). It is for text quoted from a successful response, such
// as the excerpt of a 2xx body that failed to decode: successful bodies
// pass the Transport untouched, since they are data. Without a Transport
// below, s comes back unchanged.
func RedactSent(resp *http.Response, s string) string {
	if resp == nil || resp.Request == nil || s == "" {
		return s
	}
	if list, ok := resp.Request.Context().Value(sentKey{}).(func() []string); ok {
		return redactAll(s, list())
	}
	return s
}
