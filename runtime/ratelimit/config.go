package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/transport"
)

// Defaults applied to zero fields of Config.
const (
	// DefaultMaxWait is the longest Wait sleeps before it fails with a
	// *QuotaExhaustedError instead (CONTRACT §5: never sleep for hours).
	DefaultMaxWait = time.Minute
	// DefaultMargin is added at every window edge so that network jitter
	// cannot make the server count more requests in a window than we did.
	DefaultMargin = 50 * time.Millisecond
)

// Config mirrors the x-apigen-ratelimit extension (CONTRACT §4). The zero
// value limits nothing but still learns from Retry-After on 429 responses.
type Config struct {
	// Windows are the documented limits, e.g. {2, 1s} and {60, 1m}. All of
	// them hold at once.
	Windows []Window
	// Scope says where Windows count: Global (the default, one count for
	// the whole client) or Route (one count per operation bucket, the
	// bank's "per client per operation" limits).
	Scope Scope
	// Headers maps the server's rate-limit headers. Use one entry per
	// header family: per-second and per-day variants, or LaunchDarkly's
	// global and route counters, are separate entries.
	Headers []Headers
	// MaxWait is the longest a request waits for a slot. Zero means
	// DefaultMaxWait; a negative value means never wait (fail at once).
	MaxWait time.Duration
	// Margin is the safety gap kept at each window edge. Zero means
	// DefaultMargin; a negative value means none.
	Margin time.Duration
	// Operations overrides the settings for single operations, keyed by
	// operationId (transport.Operation.ID), e.g. the bank's "Download
	// Statement" at 5/s and 1500/day.
	Operations map[string]Override
	// Clock tells the time and sleeps; nil means clock.Real. It is not part
	// of the extension: tests inject a fake.
	Clock clock.Clock
	// Logger receives one debug line for every malformed or contradictory
	// rate-limit header the limiter ignores; nil means slog.Default().
	Logger *slog.Logger
}

// Override is the per-operation form of x-apigen-ratelimit. Zero fields
// inherit from the root Config.
type Override struct {
	// Windows, when non-nil, are counted in a bucket of the operation's own
	// (its route bucket). They replace route-scoped root windows; global
	// root windows still apply, because the server counts every request
	// there. A non-nil empty slice exempts the operation from route-scoped
	// root windows.
	Windows []Window
	// Headers, when non-nil, replaces the root header mapping.
	Headers []Headers
	// MaxWait, when non-zero, replaces the root MaxWait.
	MaxWait time.Duration
}

// Kind says how a window counts.
type Kind string

const (
	// Sliding windows (the default) count every interval of length Per:
	// no interval of that length ever carries more than Limit requests.
	Sliding Kind = "sliding"
	// Fixed windows count calendar periods that start at Anchor. A fixed
	// window without an anchor is enforced as sliding, which is safe
	// whatever the server's alignment.
	Fixed Kind = "fixed"
)

// Anchor says where fixed windows start.
type Anchor string

// UTCMidnight aligns fixed windows with UTC midnight, as RAYNET's daily
// quota does ("midnight to midnight UTC"). Per must divide a day or be a
// whole number of days.
const UTCMidnight Anchor = "utc-midnight"

// Window is one documented limit: at most Limit requests per Per.
type Window struct {
	Limit  int
	Per    time.Duration
	Kind   Kind   // "" means Sliding
	Anchor Anchor // only for Fixed
}

// String describes the window for error messages, e.g. "2/1s" or
// "24000/1d fixed from utc-midnight".
func (w Window) String() string {
	s := fmt.Sprintf("%d/%s", w.Limit, fmtPer(w.Per))
	if w.fixed() {
		s += " fixed from " + string(w.Anchor)
	}
	return s
}

func (w Window) fixed() bool { return w.Kind == Fixed && w.Anchor != "" }

func (w Window) validate() error {
	switch {
	case w.Limit <= 0:
		return fmt.Errorf("limit %d must be positive", w.Limit)
	case w.Per <= 0:
		return fmt.Errorf("per %s must be positive", w.Per)
	}
	switch w.Kind {
	case "", Sliding:
		if w.Anchor != "" {
			return fmt.Errorf("anchor %q needs kind %q", w.Anchor, Fixed)
		}
	case Fixed:
		switch w.Anchor {
		case "":
		case UTCMidnight:
			const day = 24 * time.Hour
			if day%w.Per != 0 && w.Per%day != 0 {
				return fmt.Errorf("per %s neither divides nor is a multiple of a day, so it cannot start at %s", w.Per, w.Anchor)
			}
		default:
			return fmt.Errorf("unknown anchor %q", w.Anchor)
		}
	default:
		return fmt.Errorf("unknown kind %q", w.Kind)
	}
	return nil
}

// Scope says which bucket a count belongs to.
type Scope string

const (
	// Global counts are shared by every request of the client.
	Global Scope = "global"
	// Route counts are kept per operation bucket (see RouteKey).
	Route Scope = "route"
)

// ResetUnit says how a reset header encodes its time.
type ResetUnit string

const (
	EpochSeconds ResetUnit = "epoch-s"  // Unix time in seconds (RAYNET)
	EpochMillis  ResetUnit = "epoch-ms" // Unix time in milliseconds (LaunchDarkly)
	DeltaSeconds ResetUnit = "delta-s"  // seconds from now
)

// Headers maps one family of rate-limit response headers. Empty names are
// not read. Header names are case-insensitive.
type Headers struct {
	// Limit names the header carrying the server's limit for a period of
	// Per, e.g. "X-RateLimit-Limit-Second". When Per is set the limiter
	// adopts it for its window of that length (adding a sliding one if
	// there is none), so a plan with other limits is followed live.
	Limit string
	// Remaining names the header with the requests left until the reset,
	// e.g. "X-Ratelimit-Remaining". The limiter never plans more requests
	// before the reset than the server says remain.
	Remaining string
	// Reset names the header with the time the count resets.
	Reset string
	// ResetUnit is the unit of Reset. Empty means guess from the size of
	// the number (> 1e12 ms, > 1e9 s, else a delta in seconds), which is a
	// fallback only: say the unit.
	ResetUnit ResetUnit
	// Scope is the bucket these counters describe; empty means the
	// Config's Scope.
	Scope Scope
	// RetryAfter names the header a 429 carries with the wait, in seconds
	// or as an HTTP-date; empty means "Retry-After".
	RetryAfter string
	// Per is the length of the period the counters describe. When a
	// response has no reset header, a remaining count is taken to hold
	// until now+Per: after that every request the server counted has left a
	// sliding window (the bank's "-Second"/"-Day" headers).
	Per time.Duration
}

func (h Headers) validate() error {
	switch h.ResetUnit {
	case "", EpochSeconds, EpochMillis, DeltaSeconds:
	default:
		return fmt.Errorf("unknown reset unit %q", h.ResetUnit)
	}
	if err := validScope(h.Scope); err != nil {
		return err
	}
	if h.Per < 0 {
		return fmt.Errorf("per %s must not be negative", h.Per)
	}
	return nil
}

func validScope(s Scope) error {
	switch s {
	case "", Global, Route:
		return nil
	}
	return fmt.Errorf("unknown scope %q", s)
}

func (c *Config) validate() error {
	if err := validScope(c.Scope); err != nil {
		return fmt.Errorf("ratelimit: %w", err)
	}
	check := func(where string, ws []Window, hs []Headers) error {
		margin := resolve(c.Margin, DefaultMargin)
		for i, w := range ws {
			if err := w.validate(); err != nil {
				return fmt.Errorf("ratelimit: %swindow %d: %w", where, i, err)
			}
			if w.fixed() && w.Per <= 2*margin {
				return fmt.Errorf("ratelimit: %swindow %d: per %s must exceed twice the margin %s", where, i, w.Per, margin)
			}
		}
		for i, h := range hs {
			if err := h.validate(); err != nil {
				return fmt.Errorf("ratelimit: %sheaders %d: %w", where, i, err)
			}
		}
		return nil
	}
	if err := check("", c.Windows, c.Headers); err != nil {
		return err
	}
	for id, o := range c.Operations {
		if err := check(fmt.Sprintf("operation %q: ", id), o.Windows, o.Headers); err != nil {
			return err
		}
	}
	return nil
}

// longestWindow is the furthest ahead a reset header may lie: the longest
// configured period (windows and header families), or a day when none is
// configured, plus a second for servers that round resets up.
func (c *Config) longestWindow() time.Duration {
	var d time.Duration
	add := func(ws []Window, hs []Headers) {
		for _, w := range ws {
			d = max(d, w.Per)
		}
		for _, h := range hs {
			d = max(d, h.Per)
		}
	}
	add(c.Windows, c.Headers)
	for _, o := range c.Operations {
		add(o.Windows, o.Headers)
	}
	if d == 0 {
		d = 24 * time.Hour
	}
	return d + time.Second
}

// clone copies the slices and the map, so that a caller changing its Config
// after New cannot race with the limiter.
func (c Config) clone() Config {
	c.Windows = slices.Clone(c.Windows)
	c.Headers = slices.Clone(c.Headers)
	if c.Operations != nil {
		ops := make(map[string]Override, len(c.Operations))
		for id, o := range c.Operations {
			o.Windows = slices.Clone(o.Windows)
			o.Headers = slices.Clone(o.Headers)
			ops[id] = o
		}
		c.Operations = ops
	}
	return c
}

// Settings are the limits that apply to one operation: the Config with the
// operation's Override applied. Every Limiter implementation reads them the
// same way.
type Settings struct {
	Headers      []Headers
	MaxWait      time.Duration // resolved: 0 means no wait is refused
	RouteWindows []Window      // counted per route key
}

// SettingsFor returns the settings of the operation ctx carries
// (transport.OperationFrom), or the Config's own when it carries none.
func (c *Config) SettingsFor(ctx context.Context) Settings {
	s := Settings{Headers: c.Headers, MaxWait: c.EffectiveMaxWait()}
	if c.Scope == Route {
		s.RouteWindows = c.Windows
	}
	op := transport.OperationFrom(ctx)
	if op == nil {
		return s
	}
	o, ok := c.Operations[op.ID]
	if !ok {
		return s
	}
	if o.Windows != nil {
		s.RouteWindows = o.Windows
	}
	if o.Headers != nil {
		s.Headers = o.Headers
	}
	if o.MaxWait != 0 {
		s.MaxWait = resolve(o.MaxWait, 0)
	}
	return s
}

// HeaderScope returns the scope the counts of header family h apply to.
func (c *Config) HeaderScope(h Headers) Scope {
	switch {
	case h.Scope != "":
		return h.Scope
	case c.Scope != "":
		return c.Scope
	}
	return Global
}

// EffectiveMargin is Margin with its default applied.
func (c *Config) EffectiveMargin() time.Duration { return resolve(c.Margin, DefaultMargin) }

// EffectiveMaxWait is MaxWait with its default applied.
func (c *Config) EffectiveMaxWait() time.Duration { return resolve(c.MaxWait, DefaultMaxWait) }

// resolve applies the zero-means-default, negative-means-none convention.
func resolve(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func fmtPer(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
