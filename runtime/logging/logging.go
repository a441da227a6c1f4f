// Package logging writes one structured log record per HTTP attempt, with
// every credential redacted, and exports the redaction helpers so that other
// runtime packages (errors, caches) hide the same things the same way.
//
// A record carries the method, the operation's path template (so that log
// lines group by endpoint instead of by resource id), the operation id, the
// redacted URL, status, attempt number, durations, bytes in and out, and
// connection timings from net/http/httptrace. Bodies are never logged:
// they hold personal data and binary documents, and no redaction by name
// can make them safe.
//
// Place the middleware inside the retry middleware, so that every attempt is
// its own record numbered by the retry package through WithAttempt. Placed
// outside, it logs one record per call.
package logging

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Message is the message of every record, so that log pipelines can select
// HTTP records with one equality test.
const Message = "http request"

type attemptKey struct{}

// WithAttempt returns a context recording that the request is attempt n
// (1 for the first try). The retry middleware sets it on each attempt's
// request; it lives here rather than in retry so that neither package needs
// the other to compile and any retry implementation can number attempts.
func WithAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// AttemptFrom returns the attempt number set by WithAttempt, or 0 when none
// was set.
func AttemptFrom(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

// Transport is an http.RoundTripper that logs each request it sends.
//
// One record is written per request, when the response body has been read
// to the end or closed, whichever comes first, so that the record can state
// how many bytes arrived and how long the whole exchange took. A response
// whose body is never closed is therefore never logged (and leaks its
// connection anyway). Responses without a body (http.NoBody, 101 Switching
// Protocols) and failed round trips are logged at once.
//
// Records are written at Level; a transport error, a failed body read or a
// 5xx status raises the record to at least slog.LevelWarn. When the logger is not enabled at
// Level, Transport does no tracing and no allocation and only measures the
// time to headers, so that it can still report failures at slog.LevelWarn
// if that level is enabled (such records lack bytes_in and the trace
// group). A Transport is safe for concurrent use.
type Transport struct {
	// Logger receives the records; nil means slog.Default().
	Logger *slog.Logger
	// Level is the level of records of successful attempts.
	Level slog.Level
	// Headers adds the request and response headers, redacted with
	// RedactHeader, as the groups "request_headers" and "response_headers".
	Headers bool
	// Clock measures durations; nil means clock.Real.
	Clock clock.Clock
	// Base sends the request; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// Middleware returns a transport.Middleware logging to logger at level.
func Middleware(logger *slog.Logger, level slog.Level) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &Transport{Logger: logger, Level: level, Base: next}
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	logger := t.Logger
	if logger == nil {
		logger = slog.Default()
	}
	clk := clock.Or(t.Clock)
	ctx := req.Context()
	if !logger.Enabled(ctx, t.Level) {
		failLevel := max(t.Level, slog.LevelWarn)
		if !logger.Enabled(ctx, failLevel) {
			return base.RoundTrip(req)
		}
		start := clk.Now()
		resp, err := base.RoundTrip(req)
		if err != nil || (resp != nil && resp.StatusCode >= 500) {
			end := clk.Now()
			rec := &record{t: t, logger: logger, clk: clk, req: req, start: start, headersAt: end, resp: resp, err: err}
			rec.emit(end)
		}
		return resp, err
	}

	rec := &record{t: t, logger: logger, clk: clk, req: req, start: clk.Now()}
	rec.trace.clk = clk
	out := req.WithContext(httptrace.WithClientTrace(ctx, rec.trace.clientTrace()))
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= 0 {
		// Unknown length: count what the transport actually reads.
		rec.countOut = true
		out.Body = &countingBody{ReadCloser: req.Body, n: &rec.bytesOut}
	}
	resp, err := base.RoundTrip(out)
	rec.headersAt = clk.Now()
	rec.resp, rec.err = resp, err
	rec.hasBody = err == nil && resp != nil && resp.Body == http.NoBody
	if err != nil || resp == nil || resp.Body == nil || resp.Body == http.NoBody ||
		resp.StatusCode == http.StatusSwitchingProtocols {
		rec.emit(rec.headersAt)
		return resp, err
	}
	resp.Body = &loggedBody{body: resp.Body, rec: rec}
	return resp, nil
}

// record collects one attempt's facts until it is emitted. Exactly one
// goroutine emits it (the round trip or whoever finishes the body first),
// so only the request byte count, which the transport may still update,
// and the trace, written by httptrace hooks, need synchronisation.
type record struct {
	t         *Transport
	logger    *slog.Logger
	clk       clock.Clock
	req       *http.Request
	start     time.Time
	headersAt time.Time
	resp      *http.Response
	err       error
	countOut  bool
	bytesOut  atomic.Int64
	trace     timings

	// Set by loggedBody just before it emits.
	hasBody bool
	bytesIn int64
	bodyErr error // a non-EOF error reading the response body
}

func (r *record) emit(end time.Time) {
	req := r.req
	ctx := req.Context()
	level := r.t.Level
	if r.err != nil || r.bodyErr != nil || (r.resp != nil && r.resp.StatusCode >= 500) {
		level = max(level, slog.LevelWarn)
	}
	path := ""
	if req.URL != nil {
		path = req.URL.Path
	}
	attrs := make([]slog.Attr, 0, 16)
	op := transport.OperationFrom(ctx)
	if op != nil && op.PathTemplate != "" {
		path = op.PathTemplate
	}
	attrs = append(attrs, slog.String("method", req.Method), slog.String("path", path))
	if op != nil && op.ID != "" {
		attrs = append(attrs, slog.String("operation", op.ID))
	}
	attrs = append(attrs, slog.String("url", RedactURL(req.URL)), slog.Int("attempt", max(AttemptFrom(ctx), 1)))
	if r.resp != nil {
		attrs = append(attrs, slog.Int("status", r.resp.StatusCode))
	}
	attrs = append(attrs,
		slog.Duration("duration", end.Sub(r.start)),
		slog.Duration("time_to_headers", r.headersAt.Sub(r.start)),
	)
	switch {
	case r.countOut:
		attrs = append(attrs, slog.Int64("bytes_out", r.bytesOut.Load()))
	case req.Body == nil || req.Body == http.NoBody:
		attrs = append(attrs, slog.Int64("bytes_out", 0))
	case req.ContentLength > 0:
		attrs = append(attrs, slog.Int64("bytes_out", req.ContentLength))
	}
	if r.hasBody {
		attrs = append(attrs, slog.Int64("bytes_in", r.bytesIn))
	}
	if err := r.err; err != nil {
		attrs = append(attrs, slog.String("error", redactError(req, err)))
	} else if err := r.bodyErr; err != nil {
		attrs = append(attrs, slog.String("error", redactError(req, err)))
	}
	if tr := r.trace.attrs(r.start); len(tr) > 0 {
		attrs = append(attrs, slog.Attr{Key: "trace", Value: slog.GroupValue(tr...)})
	}
	if r.t.Headers {
		attrs = append(attrs, headerAttr("request_headers", req.Header))
		if r.resp != nil {
			attrs = append(attrs, headerAttr("response_headers", r.resp.Header))
		}
	}
	r.logger.LogAttrs(ctx, level, Message, attrs...)
}

// headerAttr renders h, redacted, as a group with one attribute per header
// in sorted order, values joined with ", " as HTTP does on the wire.
func headerAttr(key string, h http.Header) slog.Attr {
	h = RedactHeader(h)
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	attrs := make([]slog.Attr, len(names))
	for i, name := range names {
		attrs[i] = slog.String(name, strings.Join(h[name], ", "))
	}
	return slog.Attr{Key: key, Value: slog.GroupValue(attrs...)}
}

// countingBody counts the request bytes the transport reads.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// loggedBody counts response bytes and emits the record at the first error
// (io.EOF included) or at Close, whichever comes first. Close may race a
// Read on another goroutine (it is how callers abort a download), so the
// count and the done flag share a mutex.
type loggedBody struct {
	body io.ReadCloser
	rec  *record

	mu   sync.Mutex
	n    int64
	done bool
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.mu.Lock()
	b.n += int64(n)
	finish := err != nil && !b.done
	b.done = b.done || finish
	total := b.n
	b.mu.Unlock()
	if finish {
		if err != io.EOF {
			b.rec.bodyErr = err
		}
		b.finish(total)
	}
	return n, err
}

func (b *loggedBody) Close() error {
	err := b.body.Close()
	b.mu.Lock()
	finish := !b.done
	b.done = true
	total := b.n
	b.mu.Unlock()
	if finish {
		b.finish(total)
	}
	return err
}

func (b *loggedBody) finish(total int64) {
	b.rec.hasBody, b.rec.bytesIn = true, total
	b.rec.emit(b.rec.clk.Now())
}

// timings gathers httptrace events. Hooks may run on other goroutines
// (parallel dials race each other), hence the mutex.
type timings struct {
	clk clock.Clock
	mu  sync.Mutex

	dnsStart, dnsDone         time.Time
	connectStart, connectDone time.Time
	tlsStart, tlsDone         time.Time
	firstByte                 time.Time
	gotConn, reused           bool

	ct httptrace.ClientTrace // the hooks, allocated with the record
}

func (tm *timings) clientTrace() *httptrace.ClientTrace {
	now := func(dst *time.Time) {
		t := tm.clk.Now()
		tm.mu.Lock()
		if dst.IsZero() {
			*dst = t
		}
		tm.mu.Unlock()
	}
	tm.ct = httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			tm.mu.Lock()
			tm.gotConn, tm.reused = true, info.Reused
			tm.mu.Unlock()
		},
		DNSStart:     func(httptrace.DNSStartInfo) { now(&tm.dnsStart) },
		DNSDone:      func(httptrace.DNSDoneInfo) { now(&tm.dnsDone) },
		ConnectStart: func(string, string) { now(&tm.connectStart) },
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				now(&tm.connectDone)
			}
		},
		TLSHandshakeStart:    func() { now(&tm.tlsStart) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { now(&tm.tlsDone) },
		GotFirstResponseByte: func() { now(&tm.firstByte) },
	}
	return &tm.ct
}

// attrs renders the phases that happened: a reused connection has no dns,
// connect or tls entry, and an IP literal has no dns entry.
func (tm *timings) attrs(start time.Time) []slog.Attr {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	var a []slog.Attr
	span := func(key string, from, to time.Time) {
		if !from.IsZero() && !to.IsZero() {
			a = append(a, slog.Duration(key, to.Sub(from)))
		}
	}
	span("dns", tm.dnsStart, tm.dnsDone)
	span("connect", tm.connectStart, tm.connectDone)
	span("tls", tm.tlsStart, tm.tlsDone)
	span("ttfb", start, tm.firstByte)
	if tm.gotConn {
		a = append(a, slog.Bool("reused", tm.reused))
	}
	return a
}
