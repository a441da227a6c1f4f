package logging

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/apigen-go/apigen/runtime/secret"
)

// IsSensitive reports whether a header or query parameter called name is
// likely to carry a credential, so that its value must never be logged or
// shared between users.
//
// The test is by name, not by value, because values cannot be recognised
// reliably. It is deliberately generous: a false positive only hides a value
// from a log line, a false negative leaks a credential. The name is compared
// case-insensitively with '-', '_', '.' and camel case as word breaks:
//
//   - anything containing token, secret, passw(ord|d), apikey, signature,
//     credential, authoriz(ation|e), authentication, cookie, session,
//     privatekey or jwt (Authorization, Proxy-Authorization, Cookie,
//     Set-Cookie, access_token, refresh_token, id_token, x-id-token,
//     client_secret, X-Amz-Security-Token, ...);
//   - any name with a whole word key, auth, sig, pwd, pass or otp
//     (X-Api-Key, api_key, apiKey, key, X-Auth-User, sig, ...).
//
// Idempotency-Key is the one exception: it is a replay guard, not a
// credential, and seeing it in logs is what makes retries debuggable.
func IsSensitive(name string) bool {
	var buf [96]byte
	compact := buf[:0]
	if len(name) > len(buf) {
		compact = make([]byte, 0, len(name))
	}
	sensitiveWord := false
	wordStart := 0
	prevLower := false
	endWord := func() {
		if w := string(compact[wordStart:]); w != "" {
			switch w {
			case "key", "auth", "sig", "pwd", "pass", "otp":
				sensitiveWord = true
			}
		}
		wordStart = len(compact)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			compact = append(compact, c)
			prevLower = true
		case 'A' <= c && c <= 'Z':
			if prevLower {
				endWord()
			}
			compact = append(compact, c+('a'-'A'))
			prevLower = false
		default:
			endWord()
			prevLower = false
		}
	}
	endWord()
	s := string(compact)
	if strings.HasSuffix(s, "idempotencykey") {
		return false
	}
	if sensitiveWord {
		return true
	}
	for _, sub := range sensitiveSubstrings {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

var sensitiveSubstrings = []string{
	"token", "secret", "passw", "apikey", "signature", "credential",
	"authoriz", "authentication", "cookie", "session", "privatekey", "jwt",
}

// RedactHeader returns a copy of h in which every value of a sensitive
// header (see IsSensitive) is replaced by "[REDACTED]". For Authorization
// and Proxy-Authorization the scheme word is kept ("Bearer [REDACTED]"),
// because which scheme was sent is often the whole answer to an auth bug
// and is not itself secret. h is not modified; a nil h gives nil.
func RedactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		if !IsSensitive(name) {
			out[name] = append([]string(nil), values...)
			continue
		}
		red := make([]string, len(values))
		for i, v := range values {
			red[i] = redactValue(name, v)
		}
		out[name] = red
	}
	return out
}

// redactValue hides a sensitive header value, keeping an auth scheme.
func redactValue(name, v string) string {
	if isAuthorization(name) {
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && isSchemeWord(scheme) {
			return scheme + " " + secret.Redacted
		}
	}
	return secret.Redacted
}

func isAuthorization(name string) bool {
	return strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") ||
		strings.EqualFold(name, "Authentication")
}

// isSchemeWord reports whether s looks like an auth scheme (Basic, Bearer,
// Digest, AWS4-HMAC-SHA256, ...) rather than part of a credential.
func isSchemeWord(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// RedactURL renders u for a log line: the userinfo becomes "[REDACTED]",
// the value of every sensitive query parameter (see IsSensitive) becomes
// "[REDACTED]", and the fragment, which is never sent to the server, is
// dropped. Parameter order and all other values are kept as written.
// Both '&' and ';' count as separators here, because some servers split on
// ';' and a credential hidden behind one must not slip through.
// Path segments are not redacted: apigen never puts credentials in paths.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := *u
	v.Fragment, v.RawFragment = "", ""
	v.RawQuery = redactQuery(u.RawQuery)
	if u.User == nil {
		return v.String()
	}
	const placeholder = "REDACTED"
	v.User = url.User(placeholder)
	return strings.Replace(v.String(), placeholder+"@", secret.Redacted+"@", 1)
}

func redactQuery(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	for len(q) > 0 {
		part := q
		sep := ""
		if i := strings.IndexAny(q, "&;"); i >= 0 {
			part, sep, q = q[:i], q[i:i+1], q[i+1:]
		} else {
			q = ""
		}
		key, _, hasValue := strings.Cut(part, "=")
		if hasValue && IsSensitive(unescapeQuery(key)) {
			b.WriteString(key)
			b.WriteString("=" + secret.Redacted)
		} else {
			b.WriteString(part)
		}
		b.WriteString(sep)
	}
	return b.String()
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// minScrubLen is the shortest secret value scrubbed from free text such as
// error messages. Shorter values carry no entropy worth hiding and would
// shred the message ("a" matches everywhere); header and query redaction,
// which works by name, has no such limit.
const minScrubLen = 4

// redactError returns err's message with every credential carried by req
// replaced by "[REDACTED]". Error strings are free text: *url.Error, for one,
// embeds the whole request URL, so redaction by name is not enough here and
// the known secret values are scrubbed wherever they appear.
func redactError(req *http.Request, err error) string {
	return scrub(err.Error(), secretValues(req))
}

// secretValues lists the credential values req carries, longest first so
// that "Bearer abc" is replaced before "abc".
func secretValues(req *http.Request) []string {
	var vals []string
	add := func(v string) {
		if len(v) >= minScrubLen {
			vals = append(vals, v)
		}
	}
	for name, values := range req.Header {
		if !IsSensitive(name) {
			continue
		}
		for _, v := range values {
			add(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				add(strings.TrimSpace(cred))
			}
		}
	}
	if u := req.URL; u != nil {
		if u.User != nil {
			add(u.User.Username())
			add(url.QueryEscape(u.User.Username()))
			if p, ok := u.User.Password(); ok {
				add(p)
				add(url.QueryEscape(p))
			}
		}
		for _, part := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
			key, value, ok := strings.Cut(part, "=")
			if ok && IsSensitive(unescapeQuery(key)) {
				add(value)
				add(unescapeQuery(value))
			}
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	return vals
}

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, secret.Redacted)
	}
	return s
}
