package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

func TestConfigSettingsForAppliesTheOperationsOverride(t *testing.T) {
	route := []ratelimit.Window{{Limit: 1, Per: time.Second}}
	perOp := []ratelimit.Headers{{Remaining: "X-Op-Remaining", Scope: ratelimit.Route}}
	cfg := ratelimit.Config{
		Scope:   ratelimit.Route,
		Windows: route,
		Headers: []ratelimit.Headers{{Remaining: "X-RateLimit-Remaining"}},
		Operations: map[string]ratelimit.Override{
			"slow": {MaxWait: -1, Headers: perOp},
		},
	}
	plain := cfg.SettingsFor(context.Background())
	if plain.MaxWait != ratelimit.DefaultMaxWait || len(plain.RouteWindows) != 1 || plain.Headers[0].Remaining != "X-RateLimit-Remaining" {
		t.Fatalf("without an operation: %+v; want the Config's own, MaxWait defaulted", plain)
	}
	ctx := transport.WithOperation(context.Background(), &transport.Operation{ID: "slow"})
	slow := cfg.SettingsFor(ctx)
	if slow.MaxWait != 0 || slow.Headers[0].Remaining != "X-Op-Remaining" || len(slow.RouteWindows) != 1 {
		t.Fatalf("with override: %+v; want MaxWait 0 (negative = none), the override's headers, the route windows kept", slow)
	}
	if got := cfg.HeaderScope(slow.Headers[0]); got != ratelimit.Route {
		t.Fatalf("HeaderScope = %q, want the family's own scope", got)
	}
	if got := (&ratelimit.Config{}).HeaderScope(plain.Headers[0]); got != ratelimit.Global {
		t.Fatalf("HeaderScope without any scope = %q, want global", got)
	}
}
