package transport

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
)

// SendTrace records how far the transport got with one attempt, through
// httptrace hooks: whether a byte of the request may have reached the server
// (the retry middleware may then resend only idempotent requests, the rate
// limiter must count the attempt) and when the request was written in full.
// Use one SendTrace per attempt.
type SendTrace struct {
	// OnWritten, when set, is called once, when the whole request has been
	// written and flushed: the moment the server can first have seen it.
	OnWritten func()

	once                       sync.Once
	gotConn, wrote, dialFailed atomic.Bool
	ct                         httptrace.ClientTrace // allocated with the trace
}

// Hooks returns the trace to attach with httptrace.WithClientTrace.
func (t *SendTrace) Hooks() *httptrace.ClientTrace {
	failed := func(err error) {
		if err != nil {
			t.dialFailed.Store(true)
		}
	}
	t.ct = httptrace.ClientTrace{
		GotConn:          func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
		ConnectDone:      func(_, _ string, err error) { failed(err) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) { failed(err) },
		WroteHeaderField: func(string, []string) { t.wrote.Store(true) },
		WroteHeaders:     t.writing,
		Wait100Continue:  t.writing,
		WroteRequest:     func(httptrace.WroteRequestInfo) { t.written() },
	}
	return &t.ct
}

func (t *SendTrace) writing() { t.wrote.Store(true) }

func (t *SendTrace) written() {
	t.wrote.Store(true)
	if t.OnWritten != nil {
		t.once.Do(t.OnWritten)
	}
}

// NotSent reports whether the attempt that failed with err provably never
// put a byte of the request on the wire: the connection (or its TLS
// handshake) could not be made, or was made and failed before the first
// header was written. Anything else may have reached the server.
func (t *SendTrace) NotSent(err error) bool {
	if t.wrote.Load() {
		return false
	}
	if t.gotConn.Load() || t.dialFailed.Load() {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
