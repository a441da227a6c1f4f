package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/ratelimit"
)

func reserve(t *testing.T, l ratelimit.Limiter) ratelimit.Reservation {
	t.Helper()
	res, err := l.Reserve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A request admitted but written late counts from its write, not from its
// admission: the next ones cannot bunch with it (issue: 4 requests in one
// second of a 2/s client whose goroutines were scheduled late).
func TestLateSendNeverBunches(t *testing.T) {
	clk := clock.NewFake(t0)
	w := sliding(2, time.Second)
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{w}, Clock: clk})
	var sends []time.Time
	sent := func(r ratelimit.Reservation) {
		r.Sent()
		sends = append(sends, clk.Now())
	}
	late := reserve(t, l) // admitted at t0, its goroutine stalls
	sent(reserve(t, l))
	clk.Advance(1500 * time.Millisecond)
	sent(late)
	for range 4 {
		sent(reserve(t, l))
	}
	checkWindows(t, sends, []ratelimit.Window{w}, ratelimit.DefaultMargin)
	// The one after the late write had to wait for it to age out.
	if want := t0.Add(1500*time.Millisecond + time.Second + ratelimit.DefaultMargin); sends[3].Before(want) {
		t.Errorf("sends %v: the fourth went before %v", sends, want)
	}
}

// While an admitted request has not been written, it holds its slot: a
// request that would exceed the limit beside it waits for its write.
func TestPendingSendHoldsItsSlot(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{sliding(1, time.Second)}, Clock: clk})
	pending := reserve(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Reserve(ctx, ""); err == nil {
		t.Fatal("admitted a second request beside an unwritten one")
	}
	pending.Cancel() // never written: the slot comes back
	r := reserve(t, l)
	if !clk.Now().Before(t0.Add(time.Second)) {
		t.Errorf("slot not given back: admitted at %v", clk.Now())
	}
	r.Observe(&http.Response{StatusCode: 200, Header: http.Header{}})
	if st := l.Stats(); st.Sent != 1 {
		t.Errorf("stats %+v, want 1 sent (the cancelled one does not count)", st)
	}
}

// A bare 429 opens a cooldown for everyone: 1 s, then 2 s, then 4 s (with
// up to 50 % jitter), one probe at a time, and Stats shows it.
func TestBare429Cooldown(t *testing.T) {
	clk := clock.NewFake(t0)
	refusals := 3
	srv := &server{clk: clk, answer: func(*http.Request, time.Time) (int, http.Header) {
		if refusals > 0 {
			refusals--
			return http.StatusTooManyRequests, nil
		}
		return 200, nil
	}}
	l := newLimiter(t, ratelimit.Config{Clock: clk})
	rt := &ratelimit.Transport{Limiter: l, Base: srv}
	for range 4 {
		mustGet(t, rt, nil)
	}
	for i, min := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		gap := srv.sends[i+1].Sub(srv.sends[i])
		if gap < min+ratelimit.DefaultMargin || gap > min*3/2+ratelimit.DefaultMargin {
			t.Errorf("gap %d = %v, want [%v, %v] + margin", i, gap, min, min*3/2)
		}
	}
	st := l.Stats()
	if st.Sent != 4 || st.TooMany != 3 || st.Cooldowns != 3 || st.Waited != 3 || st.TotalWait < 7*time.Second {
		t.Errorf("stats %+v", st)
	}
	// After a success the backoff starts again from 1 s.
	refusals = 1
	mustGet(t, rt, nil)
	before := clk.Now()
	mustGet(t, rt, nil)
	if gap := clk.Now().Sub(before); gap < time.Second || gap > 2*time.Second {
		t.Errorf("backoff after a success: %v, want from 1 s", gap)
	}
}

// 429s of requests already in flight when the first one opened the
// cooldown do not open more: one cooldown, one strike.
func TestInflight429sShareOneCooldown(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{Clock: clk})
	var rs []ratelimit.Reservation
	for range 5 {
		r := reserve(t, l)
		r.Sent()
		rs = append(rs, r)
	}
	for _, r := range rs {
		r.Observe(&http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}})
	}
	if st := l.Stats(); st.TooMany != 5 || st.Cooldowns != 1 {
		t.Fatalf("stats %+v, want 5 × 429 and 1 cooldown", st)
	}
	probe := reserve(t, l)
	if wait := clk.Now().Sub(t0); wait < time.Second || wait > 1500*time.Millisecond+ratelimit.DefaultMargin {
		t.Errorf("probe after %v, want the first backoff step", wait)
	}
	// Nothing else goes before the probe's answer.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Reserve(ctx, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second request while the probe is out: %v", err)
	}
	probe.Observe(&http.Response{StatusCode: 200, Header: http.Header{}})
	at := clk.Now()
	reserve(t, l)
	reserve(t, l)
	if !clk.Now().Equal(at) {
		t.Errorf("after a good probe the rest waited until %v", clk.Now())
	}
}

// After the reset of a used-up budget the new count is unknown: one probe
// goes, the rest follow what its answer says (in-flight ones included).
func TestBudgetResetProbesFirst(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		Clock:   clk,
	})
	a := reserve(t, l)
	a.Sent()
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "0", "Reset", "5")})
	probe := reserve(t, l)
	if want := t0.Add(5*time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("probe at %v, want %v", clk.Now(), want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Reserve(ctx, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second request before the probe's answer: %v", err)
	}
	probe.Sent()
	probe.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "2", "Reset", "5")})
	at := clk.Now()
	reserve(t, l).Sent()
	reserve(t, l).Sent() // the two the server said remain
	if !clk.Now().Equal(at) {
		t.Fatalf("the remaining two waited until %v", clk.Now())
	}
	_, err := l.Reserve(context.Background(), "")
	if want := at.Add(5*time.Second + ratelimit.DefaultMargin); err != nil || !clk.Now().Equal(want) {
		t.Fatalf("third after the probe: %v at %v, want the next reset %v", err, clk.Now(), want)
	}
}

// A budget without a reset header expires after its window when no
// window of that length follows it: a "0 left" is not obeyed forever.
func TestBudgetWithoutResetExpires(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Per: 2 * time.Second}},
		Clock:   clk,
	})
	a := reserve(t, l)
	a.Sent()
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "0")})
	r := reserve(t, l)
	if want := t0.Add(2*time.Second + ratelimit.DefaultMargin); !clk.Now().Equal(want) {
		t.Fatalf("next at %v, want %v", clk.Now(), want)
	}
	r.Sent()
	r.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "5")})
	at := clk.Now()
	reserve(t, l)
	if !clk.Now().Equal(at) {
		t.Fatalf("a fresh budget of 5 waited until %v", clk.Now())
	}
}

// Malformed and contradictory headers are ignored, each with one debug
// line, and hold nothing back.
func TestMalformedHeadersIgnored(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.Header
	}{
		{"negative remaining", hdr("R", "-3", "Reset", "5")},
		{"non-numeric remaining", hdr("R", "lots", "Reset", "5")},
		{"remaining above limit", hdr("L", "10", "R", "0", "Reset", "5").Clone()},
		{"non-numeric reset", hdr("R", "0", "Reset", "tomorrow")},
		{"reset in the past", hdr("R", "0", "Reset", "1500000000")},
		{"reset beyond the longest window", hdr("R", "0", "Reset", "90000")},
		{"non-numeric limit", hdr("L", "ten", "R", "5", "Reset", "5")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "remaining above limit" {
				tc.h.Set("R", "11")
			}
			clk := clock.NewFake(t0)
			var logs bytes.Buffer
			l := newLimiter(t, ratelimit.Config{
				Headers: []ratelimit.Headers{{Limit: "L", Remaining: "R", Reset: "Reset"}},
				Clock:   clk,
				Logger:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			a := reserve(t, l)
			a.Sent()
			a.Observe(&http.Response{StatusCode: 200, Header: tc.h})
			for range 3 {
				reserve(t, l).Sent()
			}
			if !clk.Now().Equal(t0) {
				t.Errorf("held back until %v", clk.Now())
			}
			if n := strings.Count(logs.String(), "ignoring a malformed header"); n != 1 {
				t.Errorf("%d log lines, want 1:\n%s", n, logs.String())
			}
		})
	}
}

// A well-formed reset beyond MaxWait fails the next request at once.
func TestResetBeyondMaxWaitFailsAtOnce(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(t, ratelimit.Config{
		Headers: []ratelimit.Headers{{Remaining: "R", Reset: "Reset", ResetUnit: ratelimit.DeltaSeconds}},
		Clock:   clk,
	})
	a := reserve(t, l)
	a.Sent()
	a.Observe(&http.Response{StatusCode: 200, Header: hdr("R", "0", "Reset", "1800")})
	_, err := l.Reserve(context.Background(), "")
	qe := quotaError(t, err)
	if !qe.ResetAt.Equal(t0.Add(30*time.Minute)) || !clk.Now().Equal(t0) {
		t.Errorf("error %+v after waiting until %v", qe, clk.Now())
	}
}

// A request that provably never left (the connection was refused) gives
// its slot back; one that was written keeps it.
func TestTransportCancelsUnsentRequests(t *testing.T) {
	l := newLimiter(t, ratelimit.Config{Windows: []ratelimit.Window{sliding(1, time.Hour)}, MaxWait: -1})
	refused := &ratelimit.Transport{Limiter: l, Base: &http.Transport{}}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	if _, err := refused.RoundTrip(req); err == nil {
		t.Fatal("port 1 answered")
	}
	if st := l.Stats(); st.Sent != 0 {
		t.Fatalf("stats %+v after a refused connection, want nothing sent", st)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ok := &ratelimit.Transport{Limiter: l, Base: srv.Client().Transport}
	for i, want := range []bool{true, false} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := ok.RoundTrip(req)
		if resp != nil {
			resp.Body.Close()
		}
		if (err == nil) != want {
			t.Fatalf("request %d: %v", i, err)
		}
	}
}
