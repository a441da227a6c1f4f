package redisstore

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/secret"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Every key a script touches must share one hash slot, or Redis Cluster
// refuses the script. The judge is a real cluster-mode server: it refuses
// scripts whose declared keys span slots (CROSSSLOT), and CLUSTER KEYSLOT
// gives each key's slot by Redis's own hash.
func TestScriptKeysShareOneSlot(t *testing.T) {
	ctx := context.Background()
	srv := startOwnServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	rdb := srv.client()
	if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("assign slots: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		info, _ := rdb.ClusterInfo(ctx).Result()
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster did not become ready:\n%s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}

	cfg := ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 100, Per: time.Second}, {Limit: 1000, Per: 24 * time.Hour, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}},
		Headers: []ratelimit.Headers{
			{Remaining: "X-Remaining", Reset: "X-Reset", ResetUnit: ratelimit.DeltaSeconds},
			{Limit: "X-Route-Limit", Remaining: "X-Route-Remaining", Per: time.Minute, Scope: ratelimit.Route},
		},
		Operations: map[string]ratelimit.Override{"download": {Windows: []ratelimit.Window{{Limit: 5, Per: time.Second}}}},
	}
	l := newLimiter(t, rdb, "acme x", cfg, 2)
	opCtx := transport.WithOperation(ctx, &transport.Operation{ID: "download"})
	for _, c := range []context.Context{ctx, opCtx} {
		for i, status := range []int{200, 429, 200} {
			r, err := l.Reserve(c, "GET /statements/{id}")
			if err != nil {
				t.Fatalf("Reserve on a cluster node: %v", err)
			}
			resp := &http.Response{StatusCode: status, Header: http.Header{
				"X-Remaining": {"50"}, "X-Reset": {"10"}, "X-Route-Limit": {"60"}, "X-Route-Remaining": {"40"}, "Retry-After": {"0"},
			}}
			switch i {
			case 0:
				r.Sent()
				r.Observe(resp)
			case 1:
				r.Observe(resp)
			default:
				r.Cancel()
			}
		}
	}
	s, err := NewTokenStore(rdb, "acme x")
	if err != nil {
		t.Fatal(err)
	}
	lease, err := s.Lease(ctx, time.Second)
	if err != nil {
		t.Fatalf("Lease on a cluster node: %v", err)
	}
	if err := lease.MarkSpending(ctx, secret.New("r")); err != nil {
		t.Fatal(err)
	}
	if err := lease.ClearSpending(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, &auth.Token{AccessToken: secret.New("a")}, auth.NoVersion); err != nil {
		t.Fatalf("Save on a cluster node: %v", err)
	}
	lease.Release()

	slot := func(key string) int64 {
		n, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := slot(l.keys.tag)
	keys, _ := l.scriptArgs(l.buckets("GET /statements/{id}", l.cfg.SettingsFor(opCtx)), nil)
	keys = append(keys, s.allKeys()...)
	stored, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) < 8 {
		t.Fatalf("only %d keys written: %q", len(stored), stored)
	}
	for _, k := range append(keys, stored...) {
		if got := slot(k); got != want {
			t.Errorf("key %q is in slot %d, the client's tag in %d", k, got, want)
		}
	}
}

var _ redis.UniversalClient = (*redis.Client)(nil)
