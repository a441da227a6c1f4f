// Package client is the part of every generated client that does not
// depend on its spec: the options, the server URL, and the middleware
// chain. A generated package re-exports the options and passes what its
// spec says (server template, limits, error envelope, auth) as an API.
//
// The chain, outermost first: the caller's middlewares, retry (each
// attempt goes through everything below it), logging (one record per
// attempt), rate limit (each attempt waits for a slot), auth (each attempt
// is signed after waiting, with a fresh token), User-Agent, ETag cache,
// gzip, and the base transport.
package client

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/apigen-go/apigen/runtime/apierror"
	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/headers"
	"github.com/apigen-go/apigen/runtime/httpcache"
	"github.com/apigen-go/apigen/runtime/logging"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/rest"
	"github.com/apigen-go/apigen/runtime/retry"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Config is what the options set.
type Config struct {
	HTTPClient *http.Client
	Middleware []transport.Middleware
	ServerVars map[string]string
	Logger     *slog.Logger
	// StrictDecoding: see WithStrictDecoding.
	StrictDecoding bool
	Limiter        ratelimit.Limiter
	NoLimit        bool
	Retry          retry.Policy
	NoRetry        bool
	NoCache        bool
	NoAuth         bool
	// Header is sent with every request; header parameters replace it.
	Header http.Header
	// Insecure allows credentials over plain http://.
	Insecure  bool
	Clock     clock.Clock
	UserAgent string
	// AuthServer replaces the host of token endpoints and of operations
	// with their own server.
	AuthServer *url.URL
	authErr    error

	// Credentials is the generated package's *Credentials.
	Credentials any
	Store       auth.TokenStore
	Scopes      []string
	RootCAs     *x509.CertPool

	// base is the transport under the chain, shared by token requests.
	base http.RoundTripper

	// MaxResponseBytes is rest.Client.MaxResponseBytes (0: its default).
	MaxResponseBytes int64
	// AttemptTimeout and Timeout, when their *Set flag is true, replace
	// DefaultAttemptTimeout and the computed default deadline; 0 is none.
	AttemptTimeout, Timeout       time.Duration
	AttemptTimeoutSet, TimeoutSet bool
}

// TokenHTTPClient sends the requests the runtime makes on its own (token,
// refresh and login calls): the caller's client (its Timeout, Jar and
// CheckRedirect) over the same base transport as the API, so WithRootCAs,
// the proxy and WithHTTPClient's transport apply to them too, without
// the API's chain.
func (c *Config) TokenHTTPClient() *http.Client {
	hc := &http.Client{}
	if c.HTTPClient != nil {
		*hc = *c.HTTPClient
	}
	if c.base != nil {
		hc.Transport = c.base
	}
	return hc
}

// baseTransport returns the transport at the bottom of every chain: the
// caller's (nil: a clone of http.DefaultTransport when CAs must be set),
// trusting RootCAs when given.
func baseTransport(rt http.RoundTripper, roots *x509.CertPool) (http.RoundTripper, error) {
	if roots == nil {
		return rt, nil
	}
	switch t := rt.(type) {
	case nil:
		c := http.DefaultTransport.(*http.Transport).Clone()
		c.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		return c, nil
	case *http.Transport:
		c := t.Clone()
		if c.TLSClientConfig == nil {
			c.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		c.TLSClientConfig.RootCAs = roots
		return c, nil
	}
	return nil, fmt.Errorf("WithRootCAs cannot reach the TLS config of WithHTTPClient's %T transport: set the CAs in that transport instead", rt)
}

// Option configures a client.
type Option interface{ Apply(*Config) }

// OptionFunc adapts a function to Option.
type OptionFunc func(*Config)

// Apply implements Option.
func (f OptionFunc) Apply(c *Config) { f(c) }

// WithHTTPClient: see the generated package's option of that name.
func WithHTTPClient(hc *http.Client) Option { return OptionFunc(func(c *Config) { c.HTTPClient = hc }) }

// WithMiddleware adds middlewares around the chain, the first outermost.
func WithMiddleware(m ...transport.Middleware) Option {
	return OptionFunc(func(c *Config) { c.Middleware = append(c.Middleware, m...) })
}

// WithServerVariables fills the server URL template.
func WithServerVariables(vars map[string]string) Option {
	return OptionFunc(func(c *Config) { c.ServerVars = vars })
}

// WithLogger logs one record per attempt at Info.
func WithLogger(l *slog.Logger) Option { return OptionFunc(func(c *Config) { c.Logger = l }) }

// WithStrictDecoding makes a response value that decoding would tolerate
// (left zero and reported) an error of the call.
func WithStrictDecoding() Option { return OptionFunc(func(c *Config) { c.StrictDecoding = true }) }

// WithRetry replaces the default retry policy.
func WithRetry(p retry.Policy) Option { return OptionFunc(func(c *Config) { c.Retry = p }) }

// WithoutRetry sends every request once.
func WithoutRetry() Option { return OptionFunc(func(c *Config) { c.NoRetry = true }) }

// WithRateLimiter replaces the limiter built from the spec's limits.
func WithRateLimiter(l ratelimit.Limiter) Option {
	return OptionFunc(func(c *Config) { c.Limiter = l })
}

// WithoutRateLimit turns client-side rate limiting off.
func WithoutRateLimit() Option { return OptionFunc(func(c *Config) { c.NoLimit = true }) }

// WithoutCache turns the ETag cache off.
func WithoutCache() Option { return OptionFunc(func(c *Config) { c.NoCache = true }) }

// WithDefaultHeader sends name: value with every request, in place of
// the spec's default of a header parameter of that name; a call's own
// parameter or WithHeader still wins.
func WithDefaultHeader(name, value string) Option {
	return OptionFunc(func(c *Config) {
		if c.Header == nil {
			c.Header = http.Header{}
		}
		c.Header.Set(name, value)
	})
}

// WithoutAuth leaves authentication to the caller (a middleware, a
// proxy): no credentials are applied and none are required.
func WithoutAuth() Option { return OptionFunc(func(c *Config) { c.NoAuth = true }) }

// WithInsecureHTTP allows credentials over plain http://.
func WithInsecureHTTP() Option { return OptionFunc(func(c *Config) { c.Insecure = true }) }

// WithClock sets the clock of expiry, windows and backoff.
func WithClock(cl clock.Clock) Option { return OptionFunc(func(c *Config) { c.Clock = cl }) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return OptionFunc(func(c *Config) { c.UserAgent = ua }) }

// WithAuthServer moves token endpoints and operations with their own
// server to base, keeping their paths.
func WithAuthServer(base string) Option {
	return OptionFunc(func(c *Config) {
		u, err := url.Parse(base)
		if err == nil && (u.Scheme == "" || u.Host == "") {
			err = fmt.Errorf("auth server URL %q is not absolute", base)
		}
		c.AuthServer, c.authErr = u, err
	})
}

// WithTokenStore keeps tokens in s.
func WithTokenStore(s auth.TokenStore) Option { return OptionFunc(func(c *Config) { c.Store = s }) }

// ScopesOr returns the scopes WithScopes set, else defaults (the spec's).
func (c *Config) ScopesOr(defaults ...string) []string {
	if c.Scopes != nil {
		return c.Scopes
	}
	return defaults
}

// WithScopes sets the OAuth2 scopes requested.
func WithScopes(scopes ...string) Option { return OptionFunc(func(c *Config) { c.Scopes = scopes }) }

// WithRootCAs sets the CAs that verify the server: the default transport
// trusts them (a private CA, a local test server), and so does mutual TLS.
func WithRootCAs(pool *x509.CertPool) Option { return OptionFunc(func(c *Config) { c.RootCAs = pool }) }

// WithMaxResponseBytes bounds a decoded (gzip-decompressed) response body;
// a longer one fails with *rest.ResponseTooLargeError. 0 keeps the default
// (rest.DefaultMaxResponseBytes, 64 MiB), a negative n removes the limit.
// Downloads stream and are never limited.
func WithMaxResponseBytes(n int64) Option {
	return OptionFunc(func(c *Config) { c.MaxResponseBytes = n })
}

// WithAttemptTimeout bounds each attempt from connecting to the response
// headers (default DefaultAttemptTimeout); it never cuts a body being read
// or a download. 0 means no attempt timeout.
func WithAttemptTimeout(d time.Duration) Option {
	return OptionFunc(func(c *Config) { c.AttemptTimeout, c.AttemptTimeoutSet = d, true })
}

// WithDefaultTimeout is the deadline of a call whose context has none and
// that has no rest.WithTimeout: the whole call, retries and reading the
// body included; for a download, until its response headers. The default
// is the limiter's longest wait plus retry's MaxElapsed plus one attempt
// timeout (3m30s with the defaults). 0 means no default deadline.
func WithDefaultTimeout(d time.Duration) Option {
	return OptionFunc(func(c *Config) { c.Timeout, c.TimeoutSet = d, true })
}

// API is what a generated package's spec says.
type API struct {
	// Name is the package name, used in errors.
	Name string
	// ServerTemplate is the first server URL as the spec writes it, and
	// ServerDefaults the defaults of its variables.
	ServerTemplate string
	ServerDefaults map[string]string
	// Servers are the URL templates of every server the spec lists for
	// the API: a URL given to New that matches none (a test server, a
	// proxy) takes operation servers and token endpoints with it.
	Servers   []string
	RateLimit ratelimit.Config
	Envelope  *apierror.Envelope
	// Auth returns the auth middleware for the configured credentials
	// (Credentials may be nil: the middleware then refuses operations
	// that need credentials) and the base transport (wrapped for mutual
	// TLS); resolve maps a URL of the spec (a token endpoint) to
	// the one to call.
	Auth func(cfg *Config, base http.RoundTripper, resolve func(string) string) (transport.Middleware, http.RoundTripper, error)
}

// New applies opts and returns the REST client for serverURL ("" means
// the API's server template with WithServerVariables and the defaults).
func New(api API, serverURL string, opts []Option) (rest.Client, error) {
	var cfg Config
	for _, o := range opts {
		if o != nil {
			o.Apply(&cfg)
		}
	}
	// A URL the spec does not list is a test server or a proxy: the
	// operations with their own server and the token endpoints go there
	// too (keeping their paths), so that no other host is dialled.
	follow := serverURL != "" && !listed(api.Servers, serverURL)
	if serverURL == "" {
		serverURL = ExpandServer(api.ServerTemplate, api.ServerDefaults, cfg.ServerVars)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return rest.Client{}, fmt.Errorf("%s: server URL: %w", api.Name, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return rest.Client{}, fmt.Errorf("%s: server URL %q is not absolute; pass the full URL to New", api.Name, serverURL)
	}
	if cfg.authErr != nil {
		return rest.Client{}, fmt.Errorf("%s: %w", api.Name, cfg.authErr)
	}
	if follow && cfg.AuthServer == nil {
		cfg.AuthServer = &url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User}
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	if cfg.base, err = baseTransport(hc.Transport, cfg.RootCAs); err != nil {
		return rest.Client{}, fmt.Errorf("%s: %w", api.Name, err)
	}
	hc.CheckRedirect = redirectPolicy(hc.CheckRedirect)
	chain, err := cfg.chain(api, cfg.base, u)
	if err != nil {
		return rest.Client{}, fmt.Errorf("%s: %w", api.Name, err)
	}
	hc.Transport = chain
	for k, vs := range cfg.Header {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return rest.Client{}, fmt.Errorf("%s: default header %s has an invalid value", api.Name, k)
			}
		}
	}
	rc := rest.Client{BaseURL: u, HTTP: hc, Envelope: api.Envelope, Header: cfg.Header,
		MaxResponseBytes: cfg.MaxResponseBytes, StrictDecoding: cfg.StrictDecoding, Logger: cfg.Logger}
	rc.Timeout = cfg.Timeout
	if !cfg.TimeoutSet {
		rc.Timeout = cfg.defaultTimeout(api, cfg.attemptTimeout())
	}
	if cfg.AuthServer != nil {
		rc.OperationServer = func(s string) (*url.URL, error) { return cfg.rebase(u, s) }
	}
	return rc, nil
}

func (cfg *Config) chain(api API, base http.RoundTripper, server *url.URL) (http.RoundTripper, error) {
	cfg.Clock = clock.Or(cfg.Clock)
	mws := append([]transport.Middleware(nil), cfg.Middleware...)
	if !cfg.NoRetry {
		p := cfg.Retry
		if p.Clock == nil {
			p.Clock = cfg.Clock
		}
		mws = append(mws, retry.Middleware(p))
	}
	if cfg.Logger != nil {
		mws = append(mws, logging.Middleware(cfg.Logger, slog.LevelInfo))
	}
	if !cfg.NoLimit {
		l := cfg.Limiter
		if l == nil {
			// Even without documented limits the limiter turns a 429 into
			// one cooldown for every caller, not one timer each.
			rc := api.RateLimit
			rc.Clock = cfg.Clock
			local, err := ratelimit.New(rc)
			if err != nil {
				return nil, err
			}
			l = local
		}
		mws = append(mws, ratelimit.Middleware(l))
	}
	if api.Auth != nil && !cfg.NoAuth { // also without credentials: operations that need them fail before sending
		resolve := func(ref string) string {
			u, err := cfg.rebase(server, ref)
			if err != nil {
				return ref
			}
			return u.String()
		}
		mw, b, err := api.Auth(cfg, base, resolve)
		if err != nil {
			return nil, err
		}
		base = b
		if mw != nil {
			mws = append(mws, mw)
		}
	}
	if cfg.UserAgent != "" {
		mws = append(mws, headers.UserAgent(cfg.UserAgent))
	}
	if !cfg.NoCache {
		mws = append(mws, httpcache.ETag(&httpcache.Cache{}))
	}
	mws = append(mws, httpcache.Gzip())
	if d := cfg.attemptTimeout(); d > 0 {
		mws = append(mws, AttemptTimeout(d))
	}
	return transport.Chain(base, mws...), nil
}

func (cfg *Config) attemptTimeout() time.Duration {
	if cfg.AttemptTimeoutSet {
		return cfg.AttemptTimeout
	}
	return DefaultAttemptTimeout
}

// rebase resolves a URL of the spec (an auth endpoint, an operation's own
// server) against the API server, then moves it to WithAuthServer's.
func (cfg *Config) rebase(server *url.URL, ref string) (*url.URL, error) {
	u, err := server.Parse(ref)
	if err != nil || cfg.AuthServer == nil {
		return u, err
	}
	b := *cfg.AuthServer
	b.Path = strings.TrimSuffix(b.Path, "/") + u.Path
	b.RawPath, b.RawQuery = "", u.RawQuery
	return &b, nil
}

// listed reports whether u is one of the servers (URL templates whose
// variables match any text without a slash), ignoring a trailing slash.
func listed(servers []string, u string) bool {
	u = strings.TrimSuffix(u, "/")
	for _, s := range servers {
		var pat strings.Builder
		pat.WriteString("(?i)^")
		for rest := strings.TrimSuffix(s, "/"); rest != ""; {
			i := strings.IndexByte(rest, '{')
			j := strings.IndexByte(rest, '}')
			if i < 0 || j < i {
				pat.WriteString(regexp.QuoteMeta(rest))
				break
			}
			pat.WriteString(regexp.QuoteMeta(rest[:i]) + "[^/]*")
			rest = rest[j+1:]
		}
		pat.WriteString("$")
		if re, err := regexp.Compile(pat.String()); err == nil && re.MatchString(u) {
			return true
		}
	}
	return false
}

// ExpandServer fills a server URL template's {variables} from vars, else
// from defaults.
func ExpandServer(template string, defaults, vars map[string]string) string {
	s := template
	for name, def := range defaults {
		v, ok := vars[name]
		if !ok {
			v = def
		}
		s = strings.ReplaceAll(s, "{"+name+"}", v)
	}
	return s
}
