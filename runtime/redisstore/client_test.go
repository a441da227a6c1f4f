package redisstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/client"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

// A client built by runtime/client (what every generated client's New
// calls) switches to the Redis limiter with its one option, in place of
// the local limiter its spec's limits would build, and its requests
// count in Redis.
func TestClientOptionUsesRedisLimiter(t *testing.T) {
	rdb := sharedRedis(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	limits := ratelimit.Config{Windows: []ratelimit.Window{{Limit: 2, Per: 10 * time.Second}}, MaxWait: 100 * time.Millisecond}
	name := uniqueName(t)
	other := newLimiter(t, rdb, name, limits, 2)
	l := newLimiter(t, rdb, name, limits, 2)
	api := client.API{Name: "demo", ServerTemplate: srv.URL, RateLimit: limits}
	rc, err := client.New(api, "", []client.Option{client.WithRateLimiter(l), client.WithoutRetry()})
	if err != nil {
		t.Fatal(err)
	}
	// Another process takes one of the two slots first.
	r, err := other.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	r.Observe(ok200())
	for i, wantOK := range []bool{true, false} {
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		resp, err := rc.HTTP.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		if (err == nil) != wantOK {
			t.Fatalf("request %d: err = %v; want ok=%v (the budget of 2 is shared with the other process)", i, err, wantOK)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
	if s := l.Stats(); s.Sent != 1 {
		t.Errorf("limiter Stats().Sent = %d, want 1", s.Sent)
	}
}
