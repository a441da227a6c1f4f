package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
	"github.com/apigen-go/apigen/runtime/transport"
)

func newLimiter(t *testing.T, cfg ratelimit.Config) *ratelimit.Local {
	t.Helper()
	l, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// wait reserves a slot and sends at once, leaving the request in flight.
func wait(l ratelimit.Limiter, ctx context.Context, key string) error {
	_, err := send(l, ctx, key)
	return err
}

func send(l ratelimit.Limiter, ctx context.Context, key string) (ratelimit.Reservation, error) {
	res, err := l.Reserve(ctx, key)
	if err != nil {
		return nil, err
	}
	res.Sent()
	return res, nil
}

func mustWait(t *testing.T, l ratelimit.Limiter, ctx context.Context, key string) ratelimit.Reservation {
	t.Helper()
	res, err := send(l, ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func quotaError(t *testing.T, err error) *ratelimit.QuotaExhaustedError {
	t.Helper()
	var qe *ratelimit.QuotaExhaustedError
	if !errors.As(err, &qe) {
		t.Fatalf("got %v, want *QuotaExhaustedError", err)
	}
	return qe
}

func TestZeroConfigNeverWaits(t *testing.T) {
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{Clock: clk})
	for range 1000 {
		mustWait(t, l, context.Background(), "GET /x")
	}
	if !clk.Now().Equal(time.Unix(1e9, 0)) {
		t.Fatalf("clock moved to %v", clk.Now())
	}
}

func TestFixedDailyWindowUTCMidnight(t *testing.T) {
	// RAYNET's day runs midnight to midnight UTC, scaled to 3 a day.
	start := time.Date(2017, 10, 24, 23, 58, 0, 0, time.UTC)
	midnight := time.Date(2017, 10, 25, 0, 0, 0, 0, time.UTC)
	daily := ratelimit.Window{Limit: 3, Per: 24 * time.Hour, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}

	t.Run("exhausted past MaxWait fails at once", func(t *testing.T) {
		clk := clock.NewFake(start)
		l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{daily}, Clock: clk})
		for range 3 {
			mustWait(t, l, context.Background(), "")
		}
		err := wait(l, context.Background(), "")
		qe := quotaError(t, err)
		if !qe.ResetAt.Equal(midnight) {
			t.Errorf("ResetAt = %v, want %v", qe.ResetAt, midnight)
		}
		if qe.Scope != ratelimit.Global || qe.MaxWait != ratelimit.DefaultMaxWait {
			t.Errorf("error fields: %+v", qe)
		}
		if want := 2*time.Minute + ratelimit.DefaultMargin; qe.Wait != want {
			t.Errorf("Wait = %v, want %v", qe.Wait, want)
		}
		if !clk.Now().Equal(start) {
			t.Errorf("clock advanced to %v: the error must come at once", clk.Now())
		}
		for _, s := range []string{"ratelimit: global quota exhausted", "3/1d fixed from utc-midnight", "2017-10-25T00:00:00Z"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("message %q lacks %q", err, s)
			}
		}
	})

	t.Run("within MaxWait waits until midnight plus margin", func(t *testing.T) {
		clk := clock.NewFake(start)
		l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{daily}, MaxWait: 5 * time.Minute, Clock: clk})
		for range 3 {
			mustWait(t, l, context.Background(), "")
		}
		mustWait(t, l, context.Background(), "")
		if want := midnight.Add(ratelimit.DefaultMargin); !clk.Now().Equal(want) {
			t.Fatalf("sent at %v, want %v", clk.Now(), want)
		}
		// The new day has two slots left; the fourth waits for the next midnight.
		mustWait(t, l, context.Background(), "")
		mustWait(t, l, context.Background(), "")
		qe := quotaError(t, wait(l, context.Background(), ""))
		if want := midnight.Add(24 * time.Hour); !qe.ResetAt.Equal(want) {
			t.Fatalf("ResetAt = %v, want %v", qe.ResetAt, want)
		}
	})

	t.Run("a send within the margin of midnight counts in both days", func(t *testing.T) {
		clk := clock.NewFake(midnight.Add(-30 * time.Millisecond))
		l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{daily}, MaxWait: 48 * time.Hour, Clock: clk})
		mustWait(t, l, context.Background(), "") // counts in both days
		clk.Advance(time.Hour)
		mustWait(t, l, context.Background(), "")
		mustWait(t, l, context.Background(), "")
		before := clk.Now()
		mustWait(t, l, context.Background(), "")
		if want := midnight.Add(24*time.Hour + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
			t.Fatalf("4th send of the day at %v (from %v), want %v", clk.Now(), before, want)
		}
	})
}

func TestMaxWaitSliding(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 2, Per: time.Second}, {Limit: 3, Per: time.Hour}},
		MaxWait: 2 * time.Second, Clock: clk,
	})
	mustWait(t, l, context.Background(), "")
	mustWait(t, l, context.Background(), "")
	mustWait(t, l, context.Background(), "") // waits for the 2/s window
	if want := t0.Add(time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("third send at %v, want %v", clk.Now(), want)
	}
	now := clk.Now()
	err := wait(l, context.Background(), "")
	qe := quotaError(t, err)
	if want := t0.Add(time.Hour); !qe.ResetAt.Equal(want) {
		t.Errorf("ResetAt = %v, want %v", qe.ResetAt, want)
	}
	if !strings.Contains(err.Error(), "window 3/1h") {
		t.Errorf("message %q does not name the window", err)
	}
	if !clk.Now().Equal(now) {
		t.Errorf("clock moved")
	}
	// A failed Wait reserves nothing: an hour later the slot is there.
	clk.Advance(time.Hour + ratelimit.DefaultMargin)
	mustWait(t, l, context.Background(), "")
	if !clk.Now().Equal(now.Add(time.Hour + ratelimit.DefaultMargin)) {
		t.Errorf("unexpected wait")
	}
}

func TestNegativeMaxWaitNeverWaits(t *testing.T) {
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: time.Second}}, MaxWait: -1, Clock: clk})
	mustWait(t, l, context.Background(), "")
	quotaError(t, wait(l, context.Background(), ""))
}

func TestContextDeadlineFailsAtOnce(t *testing.T) {
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: 30 * time.Second}}, Clock: clk})
	mustWait(t, l, context.Background(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := wait(l, ctx, "")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "ratelimit: ") {
		t.Fatalf("got %v, want a ratelimit error wrapping DeadlineExceeded", err)
	}
	if !clk.Now().Equal(time.Unix(1e9, 0)) {
		t.Fatal("clock moved")
	}
	cancel()
	if err := wait(l, ctx, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("done context: got %v", err)
	}
}

// TestCancelGivesSlotBack cancels a waiting request; the next caller gets
// the slot the cancelled one had reserved.
func TestCancelGivesSlotBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{{Limit: 1, Per: time.Second}}})
		t0 := time.Now()
		mustWait(t, l, context.Background(), "")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- wait(l, ctx, "") }()
		time.Sleep(100 * time.Millisecond)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v", err)
		}
		mustWait(t, l, context.Background(), "")
		if got, want := time.Since(t0), time.Second+ratelimit.DefaultMargin; got != want {
			t.Fatalf("next send after %v, want %v (the cancelled slot)", got, want)
		}
	})
}

func TestOperationOverride(t *testing.T) {
	// The bank: 10/s per operation, Download Statement 5/s. Scaled: 2/s and 1/s.
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{
		Windows: []ratelimit.Window{{Limit: 2, Per: time.Second}},
		Scope:   ratelimit.Route,
		MaxWait: -1,
		Operations: map[string]ratelimit.Override{
			"downloadStatement": {Windows: []ratelimit.Window{{Limit: 1, Per: time.Second}}},
			"getFxRates":        {Windows: []ratelimit.Window{}},
		},
		Clock: clk,
	})
	op := func(id string) context.Context {
		return transport.WithOperation(context.Background(), &transport.Operation{ID: id, Method: "GET", PathTemplate: "/" + id})
	}
	try := func(id string) error { return wait(l, op(id), "GET /"+id) }
	for _, id := range []string{"listAccounts", "listAccounts", "listPayments", "listPayments", "downloadStatement"} {
		if err := try(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	for _, id := range []string{"listAccounts", "listPayments", "downloadStatement"} {
		qe := quotaError(t, try(id))
		if qe.Scope != ratelimit.Route || qe.Key != "GET /"+id {
			t.Errorf("%s: error %+v", id, qe)
		}
	}
	for range 50 { // exempt by an empty override
		if err := try("getFxRates"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGlobalAndOverrideBothApply(t *testing.T) {
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{
		Windows:    []ratelimit.Window{{Limit: 3, Per: time.Second}},
		MaxWait:    -1,
		Operations: map[string]ratelimit.Override{"send": {Windows: []ratelimit.Window{{Limit: 1, Per: time.Second}}}},
		Clock:      clk,
	})
	send := transport.WithOperation(context.Background(), &transport.Operation{ID: "send"})
	mustWait(t, l, send, "send")
	if qe := quotaError(t, wait(l, send, "send")); qe.Scope != ratelimit.Route {
		t.Fatalf("override window: %+v", qe)
	}
	mustWait(t, l, context.Background(), "")
	mustWait(t, l, context.Background(), "")
	if qe := quotaError(t, wait(l, context.Background(), "")); qe.Scope != ratelimit.Global {
		t.Fatalf("global window: %+v", qe)
	}
}

func TestOverrideMaxWait(t *testing.T) {
	clk := clock.NewFake(time.Unix(1e9, 0))
	l := newLimiter(t, ratelimit.Config{
		Windows:    []ratelimit.Window{{Limit: 1, Per: time.Minute}},
		MaxWait:    -1,
		Operations: map[string]ratelimit.Override{"patient": {MaxWait: 2 * time.Minute}},
		Clock:      clk,
	})
	mustWait(t, l, context.Background(), "")
	quotaError(t, wait(l, context.Background(), ""))
	mustWait(t, l, transport.WithOperation(context.Background(), &transport.Operation{ID: "patient"}), "")
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]ratelimit.Config{
		"zero limit":       {Windows: []ratelimit.Window{{Per: time.Second}}},
		"zero per":         {Windows: []ratelimit.Window{{Limit: 1}}},
		"unknown kind":     {Windows: []ratelimit.Window{{Limit: 1, Per: time.Second, Kind: "leaky"}}},
		"unknown anchor":   {Windows: []ratelimit.Window{{Limit: 1, Per: time.Second, Kind: ratelimit.Fixed, Anchor: "noon"}}},
		"sliding anchor":   {Windows: []ratelimit.Window{{Limit: 1, Per: time.Second, Anchor: ratelimit.UTCMidnight}}},
		"odd anchored per": {Windows: []ratelimit.Window{{Limit: 1, Per: 7 * time.Hour, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}}},
		"fixed per margin": {Windows: []ratelimit.Window{{Limit: 1, Per: 80 * time.Millisecond, Kind: ratelimit.Fixed, Anchor: ratelimit.UTCMidnight}}},
		"scope":            {Scope: "planet"},
		"reset unit":       {Headers: []ratelimit.Headers{{ResetUnit: "fortnights"}}},
		"header scope":     {Headers: []ratelimit.Headers{{Scope: "x"}}},
		"override":         {Operations: map[string]ratelimit.Override{"op": {Windows: []ratelimit.Window{{Limit: -1, Per: time.Second}}}}},
	} {
		if _, err := ratelimit.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "ratelimit: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
