package rest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/httpcache"
	"github.com/apigen-go/apigen/runtime/transport"
)

var listThings = &transport.Operation{ID: "listThings", Method: "GET", PathTemplate: "/things", Idempotent: true}

// gzipBomb is n zero bytes, gzip-compressed (about n/1000 bytes).
func gzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < n; i += len(zeros) {
		zw.Write(zeros[:min(len(zeros), n-i)])
	}
	zw.Close()
	return buf.Bytes()
}

// Bodies past the limit fail with a typed error naming the operation and
// the limit, whether the length is announced, streamed without one, or
// hidden in a gzip stream; reading stops at the limit.
func TestMaxResponseBytes(t *testing.T) {
	const limit = 1 << 20
	bomb := gzipBomb(t, 3<<20) // 3 KiB on the wire
	var written int64
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("kind") {
		case "announced":
			w.Header().Set("Content-Length", strconv.Itoa(2*limit))
			w.Write(bytes.Repeat([]byte(" "), 2*limit))
		case "announced-huge":
			// Past the default: refused before a byte is read.
			w.Header().Set("Content-Length", strconv.Itoa(DefaultMaxResponseBytes+1))
			w.Write([]byte("{"))
		case "stream":
			// An endless body: the client must stop by itself.
			chunk := bytes.Repeat([]byte(" "), 64<<10)
			for written = 0; written < 1<<30; written += int64(len(chunk)) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case "gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}
	}, httpcache.Gzip())
	for _, tc := range []struct {
		kind  string
		limit int64
		want  int64
	}{
		{"announced", limit, limit},
		{"stream", limit, limit},
		{"gzip", limit, limit},
		{"announced-huge", 0, DefaultMaxResponseBytes},
	} {
		s.client.MaxResponseBytes = tc.limit
		r := s.client.NewRequest(context.Background(), listThings, []RequestOption{WithQuery("kind", tc.kind)})
		var out any
		err := s.client.Do(r, &out)
		var tl *ResponseTooLargeError
		if !errors.As(err, &tl) || tl.Limit != tc.want || tl.Operation != "listThings" {
			t.Errorf("%s, limit %d: err = %v, want a ResponseTooLargeError for listThings at %d", tc.kind, tc.limit, err, tc.want)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "listThings") || !strings.Contains(msg, strconv.FormatInt(tc.want, 10)) {
			t.Errorf("%s: message %q does not name the operation and the limit", tc.kind, msg)
		}
	}
	if written >= 1<<30 {
		t.Errorf("the client read the whole endless body")
	}
}

// Downloads stream past the limit by design.
func TestMaxResponseBytesSparesDownloads(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(bytes.Repeat([]byte("x"), 3<<20))
	})
	s.client.MaxResponseBytes = 1 << 20
	d, err := s.client.DoDownload(s.client.NewRequest(context.Background(), listThings, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Body.Close()
	n, err := io.Copy(io.Discard, d.Body)
	if err != nil || n != 3<<20 {
		t.Fatalf("download read %d bytes, %v", n, err)
	}
}

// A body cut off mid-way is an error naming the operation.
func TestTruncatedBodyNamesOperation(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"items":[1,2,`)
	})
	var out any
	err := s.client.Do(s.client.NewRequest(context.Background(), listThings, nil), &out)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "listThings") {
		t.Fatalf("err = %v, want an unexpected EOF naming listThings", err)
	}
}

// The client's default deadline applies when the caller's context has
// none; a download's ends with its headers, so its body is never cut.
func TestDefaultTimeout(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("kind") == "hang" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		for range 5 {
			w.Write(bytes.Repeat([]byte("x"), 1000))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	s.client.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := s.client.Do(s.client.NewRequest(context.Background(), listThings, []RequestOption{WithQuery("kind", "hang")}), nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("hanging server: err = %v after %s, want the default deadline", err, time.Since(start))
	}
	d, err := s.client.DoDownload(s.client.NewRequest(context.Background(), listThings, nil))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, d.Body)
	d.Body.Close()
	if err != nil || n != 5000 {
		t.Fatalf("slow download cut: %d bytes, %v", n, err)
	}
}
