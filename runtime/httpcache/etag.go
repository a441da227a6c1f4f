package httpcache

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/apigen-go/apigen/runtime/logging"
	"github.com/apigen-go/apigen/runtime/transport"
)

// CacheHeader is set, with the value "revalidated", on a response that the
// ETag middleware served from its cache after the server answered 304 Not
// Modified. Callers see a normal 200 with the stored body; the header lets
// logs, metrics and tests tell the two apart without another API.
const CacheHeader = "X-Apigen-Cache"

// Revalidated reports whether resp was served from the cache after a 304.
func Revalidated(resp *http.Response) bool {
	return resp != nil && resp.Header.Get(CacheHeader) == "revalidated"
}

// Defaults for a Cache's zero-valued limits.
const (
	DefaultMaxEntries = 256
	DefaultMaxBytes   = 32 << 20
)

// Cache is a bounded, in-memory store of GET responses that carry an ETag,
// used by ETagTransport to turn 304 Not Modified answers back into full
// responses. It is not an expiring HTTP cache: every request still goes to
// the server, which decides with If-None-Match whether the stored body is
// current. That keeps it correct for APIs that send ETags but no freshness
// information, and it still saves the body transfer that dominates large
// responses such as PDF labels.
//
// Entries are partitioned by Partition (by default a hash of the request's
// credentials, see DefaultPartition), so different users never see each
// other's responses, and honour the response's Vary header. Least recently
// used entries are evicted first. The zero value is ready to use. Set the
// fields before first use; after that a Cache is safe for concurrent use
// and must not be copied.
type Cache struct {
	// MaxEntries bounds the number of entries; 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxBytes bounds the total size of stored bodies; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxEntryBytes is the largest body stored; 0 means MaxBytes/4, so that
	// one large download cannot flush everything else.
	MaxEntryBytes int64
	// Partition returns the part of the cache key beyond the URL; nil means
	// DefaultPartition. Requests with different partitions never share an
	// entry. Only a SHA-256 hash of it is kept.
	Partition func(*http.Request) string

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // values are *entry
	lru     list.List                  // front = most recently used
	size    int64
	seq     uint64
}

// cacheKey is hashed so that the cache holds no URL with credentials in its
// query and no credential used for partitioning.
type cacheKey struct {
	url, part [sha256.Size]byte
}

// entry is immutable once stored except for header, which a 304 replaces
// (never mutates) under the Cache's lock.
type entry struct {
	key       cacheKey
	seq       uint64
	etag      string
	header    http.Header
	body      []byte
	varyNames []string
	varySum   [sha256.Size]byte
}

// DefaultPartition keys the cache on everything in req that identifies the
// caller or selects a representation without being part of the URL: every
// header whose name logging.IsSensitive reports (Authorization, Cookie,
// X-Api-Key, x-id-token, ...), the URL's userinfo, and the Accept and
// Accept-Language headers (Foxdeli serves JSON or XML, English or Czech,
// from one URL and does not promise a Vary header).
//
// Credentials that change on every request, such as PDF Generator's
// short-lived self-signed JWTs, make every request its own partition, which
// is safe but never hits; give such clients a Partition keyed on the stable
// identity (the API key, the workspace) instead.
func DefaultPartition(req *http.Request) string {
	var names []string
	for name := range req.Header {
		if logging.IsSensitive(name) || name == "Accept" || name == "Accept-Language" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		for _, v := range req.Header[name] {
			b.WriteByte(0)
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	if req.URL != nil && req.URL.User != nil {
		b.WriteString("userinfo\x00")
		b.WriteString(req.URL.User.String())
	}
	return b.String()
}

func (c *Cache) maxEntries() int {
	if c.MaxEntries > 0 {
		return c.MaxEntries
	}
	return DefaultMaxEntries
}

func (c *Cache) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return DefaultMaxBytes
}

func (c *Cache) maxEntryBytes() int64 {
	if c.MaxEntryBytes > 0 {
		return min(c.MaxEntryBytes, c.maxBytes())
	}
	return c.maxBytes() / 4
}

// Len returns the number of stored entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Purge removes every entry, for example after the credentials change.
func (c *Cache) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.lru.Init()
	c.size = 0
}

func (c *Cache) key(req *http.Request) cacheKey {
	part := c.Partition
	if part == nil {
		part = DefaultPartition
	}
	return cacheKey{url: urlSum(req.URL), part: sha256.Sum256([]byte(part(req)))}
}

// urlSum hashes the URL as sent: without userinfo (which the partition
// covers) and fragment (never sent).
func urlSum(u *url.URL) [sha256.Size]byte {
	v := *u
	v.User = nil
	v.Fragment, v.RawFragment = "", ""
	return sha256.Sum256([]byte(v.String()))
}

// lookup returns a snapshot of the entry for key that matches req's Vary
// headers, marking it recently used.
func (c *Cache) lookup(key cacheKey, req *http.Request) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return entry{}, false
	}
	e := el.Value.(*entry)
	if len(e.varyNames) > 0 && varySum(req, e.varyNames) != e.varySum {
		return entry{}, false
	}
	c.lru.MoveToFront(el)
	return *e, true
}

// store adds e, replacing any entry under the same key, then evicts least
// recently used entries until both limits hold.
func (c *Cache) store(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[cacheKey]*list.Element)
	}
	if el, ok := c.entries[e.key]; ok {
		c.removeLocked(el)
	}
	c.seq++
	e.seq = c.seq
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += int64(len(e.body))
	for c.lru.Len() > c.maxEntries() || c.size > c.maxBytes() {
		c.removeLocked(c.lru.Back())
	}
}

// refresh replaces the headers of the entry a 304 revalidated, unless it
// was replaced or evicted meanwhile.
func (c *Cache) refresh(key cacheKey, seq uint64, h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		if e := el.Value.(*entry); e.seq == seq {
			e.header = h
		}
	}
}

func (c *Cache) remove(key cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.removeLocked(el)
	}
}

// invalidate drops every entry for u, in every partition: RFC 9111 §4.4
// after a successful unsafe request to the same URL.
func (c *Cache) invalidate(u *url.URL) {
	sum := urlSum(u)
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*entry).key.url == sum {
			c.removeLocked(el)
		}
		el = next
	}
}

func (c *Cache) removeLocked(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	delete(c.entries, e.key)
	c.size -= int64(len(e.body))
}

// ETagTransport makes conditional GETs with a Cache: it stores 200
// responses that carry an ETag, sends If-None-Match with the stored ETag on
// the next GET of the same URL and partition, and answers a 304 Not
// Modified with the stored status, headers (updated by the 304's) and body,
// marked with CacheHeader.
//
// Requests pass through untouched when they are not GETs, carry their own
// conditional headers (the caller then handles 304 itself), ask for a range,
// or say "Cache-Control: no-store". A response is stored only once its body
// has been read to the end, so that a body the caller abandons is never
// stored truncated, and not when it says "Cache-Control: no-store" or
// "Vary: *". A successful unsafe request (POST, PUT, PATCH, DELETE) drops
// the URL's entries. A nil Cache disables caching.
type ETagTransport struct {
	// Cache holds the entries; it may be shared by several transports.
	Cache *Cache
	// Base sends the request; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// ETag returns a transport.Middleware caching with c.
func ETag(c *Cache) transport.Middleware {
	return func(next http.RoundTripper) http.RoundTripper { return &ETagTransport{Cache: c, Base: next} }
}

// RoundTrip implements http.RoundTripper.
func (t *ETagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	c := t.Cache
	if c == nil {
		return base.RoundTrip(req)
	}
	switch req.Method {
	case http.MethodGet:
	case http.MethodHead, http.MethodOptions, http.MethodTrace:
		return base.RoundTrip(req)
	default:
		resp, err := base.RoundTrip(req)
		if err == nil && resp.StatusCode < 400 {
			c.invalidate(req.URL)
		}
		return resp, err
	}
	if !cacheableRequest(req) {
		return base.RoundTrip(req)
	}

	// The key costs two SHA-256 sums: compute it only when there is an
	// entry to look up or a response to store.
	var (
		key     cacheKey
		keyed   bool
		cached  entry
		hit     bool
		keyOnce = func() cacheKey {
			if !keyed {
				key, keyed = c.key(req), true
			}
			return key
		}
	)
	if c.Len() > 0 {
		cached, hit = c.lookup(keyOnce(), req)
	}
	out := req
	if hit {
		out = req.Clone(req.Context())
		out.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := base.RoundTrip(out)
	if err != nil {
		return resp, err
	}
	if resp.Request == out {
		resp.Request = req
	}

	switch resp.StatusCode {
	case http.StatusNotModified:
		if !hit {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		h := mergeHeader(cached.header, resp.Header)
		if hasDirective(resp.Header, "no-store") {
			c.remove(key)
		} else {
			c.refresh(key, cached.seq, h)
		}
		return served(req, resp, h, cached.body), nil
	case http.StatusOK:
		if resp.Header.Get("ETag") == "" {
			if hit {
				c.remove(key)
			}
		} else if e, ok := c.storable(keyOnce(), req, resp); ok {
			resp.Body = &storingBody{body: resp.Body, max: c.maxEntryBytes(), entry: e, cache: c}
		} else if hit {
			c.remove(key)
		}
	case http.StatusNotFound, http.StatusGone:
		if hit {
			c.remove(key)
		}
	}
	return resp, nil
}

// cacheableRequest reports whether a GET may use the cache.
func cacheableRequest(req *http.Request) bool {
	for _, h := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		if req.Header.Get(h) != "" {
			return false
		}
	}
	return !hasDirective(req.Header, "no-store")
}

// storable prepares the entry for a 200 response, or reports that the
// response must not be stored.
func (c *Cache) storable(key cacheKey, req *http.Request, resp *http.Response) (*entry, bool) {
	etag := resp.Header.Get("ETag")
	if etag == "" || hasDirective(resp.Header, "no-store") || resp.ContentLength > c.maxEntryBytes() {
		return nil, false
	}
	names, ok := varyNames(resp.Header)
	if !ok {
		return nil, false
	}
	e := &entry{key: key, etag: etag, header: storedHeader(resp.Header), varyNames: names}
	if len(names) > 0 {
		e.varySum = varySum(req, names)
	}
	return e, true
}

// storingBody copies the body as it is read and stores the entry at EOF,
// or gives up once the body outgrows the per-entry limit.
type storingBody struct {
	body  io.ReadCloser
	max   int64
	buf   []byte
	over  bool
	entry *entry
	cache *Cache
}

func (b *storingBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if b.entry == nil {
		return n, err
	}
	if !b.over {
		if int64(len(b.buf)+n) > b.max {
			b.over, b.buf = true, nil
		} else {
			b.buf = append(b.buf, p[:n]...)
		}
	}
	if err == io.EOF {
		if !b.over {
			b.entry.body = b.buf
			b.cache.store(b.entry)
		}
		b.entry, b.buf = nil, nil
	}
	return n, err
}

func (b *storingBody) Close() error { return b.body.Close() }

// served builds the 200 a revalidated entry answers with.
func served(req *http.Request, notModified *http.Response, h http.Header, body []byte) *http.Response {
	h = h.Clone()
	h.Set(CacheHeader, "revalidated")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         notModified.Proto,
		ProtoMajor:    notModified.ProtoMajor,
		ProtoMinor:    notModified.ProtoMinor,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
		TLS:           notModified.TLS,
	}
}

// unstored lists header fields that describe one transfer rather than the
// representation, or that must not be replayed (Set-Cookie), so they are
// neither stored nor taken from a 304.
var unstored = []string{
	"Connection", "Content-Encoding", "Content-Length", "Content-Range", "Keep-Alive",
	"Proxy-Connection", "Set-Cookie", "Trailer", "Transfer-Encoding", "Upgrade", CacheHeader,
}

func storedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range unstored {
		delete(out, name)
	}
	return out
}

// mergeHeader returns the stored header updated with the fields of a 304,
// as RFC 9111 §4.3.4 asks.
func mergeHeader(stored, fresh http.Header) http.Header {
	out := stored.Clone()
	if out == nil {
		out = http.Header{}
	}
	for name, values := range storedHeader(fresh) {
		out[name] = values
	}
	return out
}

// hasDirective reports whether the Cache-Control header holds directive.
func hasDirective(h http.Header, directive string) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
			if strings.EqualFold(strings.TrimSpace(name), directive) {
				return true
			}
		}
	}
	return false
}

// varyNames returns the canonical, sorted header names of the Vary header,
// and false for "Vary: *", which no stored response can satisfy.
func varyNames(h http.Header) ([]string, bool) {
	var names []string
	for _, v := range h.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			switch name {
			case "":
				continue
			case "*":
				return nil, false
			}
			names = append(names, textproto.CanonicalMIMEHeaderKey(name))
		}
	}
	slices.Sort(names)
	return slices.Compact(names), true
}

// varySum hashes req's values of the Vary headers, so that credentials
// named in Vary are compared without being kept.
func varySum(req *http.Request, names []string) [sha256.Size]byte {
	hash := sha256.New()
	for _, name := range names {
		io.WriteString(hash, name)
		for _, v := range req.Header.Values(name) {
			hash.Write([]byte{0})
			io.WriteString(hash, v)
		}
		hash.Write([]byte{'\n'})
	}
	var sum [sha256.Size]byte
	hash.Sum(sum[:0])
	return sum
}
