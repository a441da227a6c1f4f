package transport_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

// send makes one request to url with a SendTrace attached and returns it.
func send(t *testing.T, client *http.Client, url string) (*transport.SendTrace, int, error) {
	t.Helper()
	written := 0
	tr := &transport.SendTrace{OnWritten: func() { written++ }}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), tr.Hooks()))
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return tr, written, err
}

func TestSendTraceWrittenOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	tr, written, err := send(t, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if written != 1 {
		t.Fatalf("OnWritten called %d times, want 1", written)
	}
	if tr.NotSent(net.ErrClosed) {
		t.Fatal("NotSent = true for a request the server answered")
	}
}

func TestSendTraceRefusedConnectionIsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the dial is refused
	tr, written, err := send(t, http.DefaultClient, "http://"+addr)
	if err == nil || !tr.NotSent(err) || written != 0 {
		t.Fatalf("err %v, NotSent %v, written %d: want a dial error that provably sent nothing", err, tr.NotSent(err), written)
	}
}

func TestSendTraceFailedTLSHandshakeIsNotSent(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	// The default client does not trust the test CA: the handshake fails
	// before any byte of the request is written.
	tr, written, err := send(t, &http.Client{}, srv.URL)
	if err == nil || !tr.NotSent(err) || written != 0 {
		t.Fatalf("err %v, NotSent %v, written %d: want a handshake error that provably sent nothing", err, tr.NotSent(err), written)
	}
}

func TestSendTraceConnectionClosedAfterRequestLineMayBeSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		bufio.NewReader(c).ReadString('\n') // the request line arrived
		c.Close()
	}()
	tr, _, err := send(t, &http.Client{Transport: &http.Transport{}}, "http://"+ln.Addr().String())
	if err == nil || tr.NotSent(err) {
		t.Fatalf("err %v, NotSent %v: a request the server read from may have been acted on", err, tr.NotSent(err))
	}
}
