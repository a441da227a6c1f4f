package httpcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apigen-go/apigen/runtime/transport"
)

// etagServer is a fake resource server in the Foxdeli style: every GET
// response carries an ETag (a hash of the body) and If-None-Match yields an
// empty 304. The body depends on the path, the Authorization header and a
// version the test can bump.
type etagServer struct {
	*httptest.Server
	version  atomic.Int64
	hits     atomic.Int64
	notMod   atomic.Int64
	mu       sync.Mutex
	lastINM  string
	extraHdr http.Header
}

func newETagServer(t *testing.T) *etagServer {
	s := &etagServer{extraHdr: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *etagServer) body(r *http.Request) string {
	return fmt.Sprintf("path=%s user=%s v=%d", r.URL.Path, r.Header.Get("Authorization"), s.version.Load())
}

func (s *etagServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body := s.body(r)
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	s.mu.Lock()
	s.lastINM = r.Header.Get("If-None-Match")
	for k, v := range s.extraHdr {
		w.Header()[k] = v
	}
	s.mu.Unlock()
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "text/plain")
	if r.Header.Get("If-None-Match") == etag {
		s.notMod.Add(1)
		w.Header().Set("X-Served", "304")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("X-Served", "200")
	io.WriteString(w, body)
}

func (s *etagServer) setHeader(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extraHdr.Set(k, v)
}

func (s *etagServer) inm() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastINM
}

func get(t *testing.T, rt http.RoundTripper, u, auth string) (*http.Response, string) {
	t.Helper()
	req := mustGet(t, u)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestETagStoresAndRevalidates(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}

	resp, body := get(t, rt, srv.URL+"/labels/1", "Bearer alice")
	if resp.StatusCode != 200 || Revalidated(resp) || srv.inm() != "" {
		t.Fatalf("first GET: status %d, revalidated %v, If-None-Match %q", resp.StatusCode, Revalidated(resp), srv.inm())
	}
	if cache.Len() != 1 {
		t.Fatalf("cache.Len() = %d after a 200 with ETag, want 1", cache.Len())
	}
	first := body

	resp, body = get(t, rt, srv.URL+"/labels/1", "Bearer alice")
	if srv.inm() != resp.Header.Get("ETag") || srv.inm() == "" {
		t.Errorf("second GET sent If-None-Match %q, want the stored ETag %q", srv.inm(), resp.Header.Get("ETag"))
	}
	if srv.notMod.Load() != 1 {
		t.Fatalf("server answered %d 304s, want 1", srv.notMod.Load())
	}
	if resp.StatusCode != 200 || resp.Status != "200 OK" || !Revalidated(resp) || resp.Header.Get(CacheHeader) != "revalidated" {
		t.Errorf("revalidated response: status %q, %s=%q", resp.Status, CacheHeader, resp.Header.Get(CacheHeader))
	}
	if body != first {
		t.Errorf("revalidated body = %q, want the original %q", body, first)
	}
	if resp.ContentLength != int64(len(first)) || resp.Header.Get("Content-Length") != fmt.Sprint(len(first)) {
		t.Errorf("ContentLength = %d / %q", resp.ContentLength, resp.Header.Get("Content-Length"))
	}
	// Headers of the 304 update the stored ones; stored ones stay otherwise.
	if resp.Header.Get("X-Served") != "304" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("merged headers = %v", resp.Header)
	}
	if resp.Request == nil || resp.Request.Header.Get("If-None-Match") != "" {
		t.Errorf("resp.Request should be the caller's request")
	}

	// The resource changes: a fresh 200 replaces the entry.
	srv.version.Add(1)
	resp, body = get(t, rt, srv.URL+"/labels/1", "Bearer alice")
	if Revalidated(resp) || !strings.HasSuffix(body, "v=1") {
		t.Errorf("changed resource: revalidated %v, body %q", Revalidated(resp), body)
	}
	resp, body = get(t, rt, srv.URL+"/labels/1", "Bearer alice")
	if !Revalidated(resp) || !strings.HasSuffix(body, "v=1") || cache.Len() != 1 {
		t.Errorf("after change: revalidated %v, body %q, len %d", Revalidated(resp), body, cache.Len())
	}
}

func TestETagDifferentCredentialsNeverShare(t *testing.T) {
	srv := newETagServer(t)
	rt := &ETagTransport{Cache: &Cache{}}
	get(t, rt, srv.URL+"/me", "Bearer alice")
	_, body := get(t, rt, srv.URL+"/me", "Bearer bob")
	if srv.inm() != "" {
		t.Errorf("bob's request carried alice's ETag: %q", srv.inm())
	}
	if !strings.Contains(body, "Bearer bob") {
		t.Errorf("bob got %q", body)
	}
	// Each user's second request revalidates their own entry.
	resp, body := get(t, rt, srv.URL+"/me", "Bearer alice")
	if !Revalidated(resp) || !strings.Contains(body, "Bearer alice") {
		t.Errorf("alice: revalidated %v, body %q", Revalidated(resp), body)
	}
	resp, body = get(t, rt, srv.URL+"/me", "Bearer bob")
	if !Revalidated(resp) || !strings.Contains(body, "Bearer bob") {
		t.Errorf("bob: revalidated %v, body %q", Revalidated(resp), body)
	}

	// API keys in other headers (Segnivo X-API-KEY) partition as well.
	srv2 := newETagServer(t)
	rt2 := &ETagTransport{Cache: &Cache{}}
	for _, key := range []string{"key-1", "key-2"} {
		req := mustGet(t, srv2.URL+"/lists")
		req.Header.Set("X-Api-Key", key)
		resp, _ := rt2.RoundTrip(req)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if srv2.inm() != "" {
			t.Errorf("request with %s carried another key's ETag", key)
		}
	}
}

func TestETagCustomPartition(t *testing.T) {
	srv := newETagServer(t)
	// Per-request signed tokens differ every time; a stable identity joins them.
	rt := &ETagTransport{Cache: &Cache{Partition: func(*http.Request) string { return "workspace-1" }}}
	get(t, rt, srv.URL+"/templates", "Bearer jwt-1")
	get(t, rt, srv.URL+"/templates", "Bearer jwt-2")
	if srv.inm() == "" {
		t.Errorf("custom partition: second request did not revalidate")
	}
}

func TestETagNoStore(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}

	// The request says no-store: neither used nor stored.
	req := mustGet(t, srv.URL+"/a")
	req.Header.Set("Cache-Control", "no-store")
	resp, _ := rt.RoundTrip(req)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if cache.Len() != 0 {
		t.Errorf("request no-store: cache.Len() = %d", cache.Len())
	}

	// The response says no-store: not stored, and an old entry is dropped.
	get(t, rt, srv.URL+"/b", "")
	if cache.Len() != 1 {
		t.Fatalf("cache.Len() = %d, want 1", cache.Len())
	}
	srv.setHeader("Cache-Control", "private, no-store")
	srv.version.Add(1)
	get(t, rt, srv.URL+"/b", "")
	if cache.Len() != 0 {
		t.Errorf("response no-store: cache.Len() = %d, want the stale entry dropped", cache.Len())
	}
	get(t, rt, srv.URL+"/b", "")
	if srv.inm() != "" {
		t.Errorf("no-store response was used for revalidation")
	}
}

func TestETagNoStoreOn304DropsEntry(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}
	_, first := get(t, rt, srv.URL+"/x", "")
	srv.setHeader("Cache-Control", "no-store")
	resp, body := get(t, rt, srv.URL+"/x", "")
	if !Revalidated(resp) || body != first {
		t.Errorf("304 with no-store must still be answered from the entry: %v %q", Revalidated(resp), body)
	}
	if cache.Len() != 0 {
		t.Errorf("cache.Len() = %d, want 0", cache.Len())
	}
}

func TestETagPassThrough(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}
	get(t, rt, srv.URL+"/x", "")

	// A caller's own conditional request is left alone, 304 included.
	req := mustGet(t, srv.URL+"/x")
	req.Header.Set("If-None-Match", `"nope"`)
	resp, _ := rt.RoundTrip(req)
	resp.Body.Close()
	if srv.inm() != `"nope"` || resp.StatusCode != 200 {
		t.Errorf("caller's If-None-Match replaced: %q", srv.inm())
	}
	etag := resp.Header.Get("ETag")
	req = mustGet(t, srv.URL+"/x")
	req.Header.Set("If-None-Match", etag)
	resp, _ = rt.RoundTrip(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified || Revalidated(resp) {
		t.Errorf("caller's conditional GET: status %d, want the raw 304", resp.StatusCode)
	}

	// Range requests and HEAD do not touch the cache.
	req = mustGet(t, srv.URL+"/x")
	req.Header.Set("Range", "bytes=0-3")
	resp, _ = rt.RoundTrip(req)
	resp.Body.Close()
	if srv.inm() != "" {
		t.Errorf("range request got If-None-Match")
	}
	req, _ = http.NewRequest(http.MethodHead, srv.URL+"/x", nil)
	resp, _ = rt.RoundTrip(req)
	resp.Body.Close()

	// A nil cache is a plain pass-through.
	resp, _ = get(t, &ETagTransport{}, srv.URL+"/x", "")
	if Revalidated(resp) || srv.inm() != "" {
		t.Errorf("nil Cache revalidated")
	}
}

func TestETagUnsafeMethodInvalidates(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}
	get(t, rt, srv.URL+"/doc", "Bearer alice")
	get(t, rt, srv.URL+"/doc", "Bearer bob")
	get(t, rt, srv.URL+"/other", "Bearer alice")
	if cache.Len() != 3 {
		t.Fatalf("cache.Len() = %d", cache.Len())
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/doc", strings.NewReader("{}"))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cache.Len() != 1 {
		t.Errorf("after PUT /doc: cache.Len() = %d, want 1 (only /other)", cache.Len())
	}
}

func TestETagStoresOnlyCompleteBodies(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{}
	rt := &ETagTransport{Cache: cache}
	resp, err := rt.RoundTrip(mustGet(t, srv.URL+"/partial"))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(resp.Body, make([]byte, 3))
	resp.Body.Close()
	if cache.Len() != 0 {
		t.Errorf("an abandoned body was stored")
	}
}

func TestETagLimits(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{MaxEntries: 2}
	rt := &ETagTransport{Cache: cache}
	get(t, rt, srv.URL+"/1", "")
	get(t, rt, srv.URL+"/2", "")
	get(t, rt, srv.URL+"/1", "") // touch /1: /2 is now least recently used
	get(t, rt, srv.URL+"/3", "")
	if cache.Len() != 2 {
		t.Fatalf("cache.Len() = %d, want 2", cache.Len())
	}
	if resp, _ := get(t, rt, srv.URL+"/1", ""); !Revalidated(resp) {
		t.Errorf("recently used /1 was evicted")
	}
	if resp, _ := get(t, rt, srv.URL+"/2", ""); Revalidated(resp) {
		t.Errorf("least recently used /2 was kept")
	}

	// Byte limits: an entry over MaxEntryBytes is never stored; the total
	// stays under MaxBytes.
	small := &Cache{MaxBytes: 100, MaxEntryBytes: 10}
	get(t, &ETagTransport{Cache: small}, srv.URL+"/too-big-for-ten-bytes", "")
	if small.Len() != 0 {
		t.Errorf("entry over MaxEntryBytes stored")
	}
	total := &Cache{MaxBytes: 60, MaxEntryBytes: 30}
	rt = &ETagTransport{Cache: total}
	for i := 0; i < 5; i++ {
		get(t, rt, fmt.Sprintf("%s/%d", srv.URL, i), "") // bodies are 17 bytes: three fit
	}
	if total.Len() != 3 || total.size > 60 {
		t.Errorf("MaxBytes: len %d, size %d", total.Len(), total.size)
	}

	total.Purge()
	if total.Len() != 0 || total.size != 0 {
		t.Errorf("Purge left len %d size %d", total.Len(), total.size)
	}
}

func TestETagVary(t *testing.T) {
	srv := newETagServer(t)
	srv.setHeader("Vary", "Accept-Language, X-Tenant")
	cache := &Cache{Partition: func(*http.Request) string { return "" }}
	rt := &ETagTransport{Cache: cache}
	do := func(tenant string) {
		req := mustGet(t, srv.URL+"/v")
		req.Header.Set("X-Tenant", tenant)
		resp, _ := rt.RoundTrip(req)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	do("a")
	do("b")
	if srv.inm() != "" {
		t.Errorf("entry for X-Tenant a was used for X-Tenant b")
	}
	do("b")
	if srv.inm() == "" {
		t.Errorf("matching Vary values did not revalidate")
	}

	srv.setHeader("Vary", "*")
	srv.version.Add(1)
	do("c")
	do("c")
	if srv.inm() != "" {
		t.Errorf("Vary: * response was stored")
	}
}

func TestETagChainWithGzip(t *testing.T) {
	// The cache sits outside Gzip and so stores the decoded body.
	payload := strings.Repeat("label-data ", 100)
	compressed := gzipBytes(t, payload)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(compressed)
	}))
	defer srv.Close()
	rt := transport.Chain(nil, ETag(&Cache{}), Gzip())
	_, body1 := get(t, rt, srv.URL+"/label.pdf", "")
	resp, body2 := get(t, rt, srv.URL+"/label.pdf", "")
	if body1 != payload || body2 != payload || !Revalidated(resp) {
		t.Errorf("bodies %d/%d bytes, revalidated %v", len(body1), len(body2), Revalidated(resp))
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("served decoded body labelled %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestETagConcurrent(t *testing.T) {
	srv := newETagServer(t)
	cache := &Cache{MaxEntries: 7}
	rt := &ETagTransport{Cache: cache}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				user := fmt.Sprintf("Bearer user-%d", (g+i)%3)
				path := fmt.Sprintf("/r/%d", (g*7+i)%5)
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				req.Header.Set("Authorization", user)
				resp, err := rt.RoundTrip(req)
				if err != nil {
					errs <- err
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := fmt.Sprintf("path=%s user=%s v=0", path, user)
				if err != nil || string(b) != want {
					errs <- fmt.Errorf("got %q (%v), want %q", b, err, want)
					return
				}
				if i%10 == 0 {
					cache.Len()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if cache.Len() > 7 {
		t.Errorf("cache.Len() = %d over MaxEntries", cache.Len())
	}
	if srv.notMod.Load() == 0 {
		t.Errorf("no request was revalidated")
	}
}

func TestDefaultPartition(t *testing.T) {
	a := mustGet(t, "https://api.example.com/x")
	a.Header.Set("Authorization", "Bearer a")
	a.Header.Set("User-Agent", "one")
	b := mustGet(t, "https://api.example.com/x")
	b.Header.Set("Authorization", "Bearer a")
	b.Header.Set("User-Agent", "two")
	if DefaultPartition(a) != DefaultPartition(b) {
		t.Errorf("User-Agent changed the partition")
	}
	b.Header.Set("Authorization", "Bearer b")
	if DefaultPartition(a) == DefaultPartition(b) {
		t.Errorf("Authorization did not change the partition")
	}
	c := mustGet(t, "https://api.example.com/x")
	c.Header.Set("Authorization", "Bearer a")
	c.Header.Set("Accept", "application/xml")
	if DefaultPartition(a) == DefaultPartition(c) {
		t.Errorf("Accept did not change the partition")
	}
	d := mustGet(t, "https://u:p1@api.example.com/x")
	e := mustGet(t, "https://u:p2@api.example.com/x")
	if DefaultPartition(d) == DefaultPartition(e) {
		t.Errorf("URL userinfo did not change the partition")
	}
}

func TestETagMiddleware(t *testing.T) {
	srv := newETagServer(t)
	rt := transport.Chain(nil, ETag(&Cache{}))
	get(t, rt, srv.URL+"/m", "")
	if resp, _ := get(t, rt, srv.URL+"/m", ""); !Revalidated(resp) {
		t.Errorf("ETag middleware did not revalidate")
	}
	if Revalidated(nil) {
		t.Errorf("Revalidated(nil) = true")
	}
}
