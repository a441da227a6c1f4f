package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// keyspace builds the keys of one client. They all start with the hash tag
// {apigen:<name>}: Redis Cluster hashes only the tag, so every key of the
// client, and so every key one script touches, shares one slot.
type keyspace struct{ tag string }

func newKeyspace(name string) (keyspace, error) {
	switch {
	case name == "":
		return keyspace{}, errors.New("redisstore: a name is required: it separates the keys of different clients and accounts")
	case strings.ContainsAny(name, "{}"):
		return keyspace{}, fmt.Errorf("redisstore: name %q must not contain { or }: they delimit the hash tag", name)
	}
	return keyspace{tag: "{apigen:" + name + "}"}, nil
}

func (k keyspace) key(parts ...string) string {
	return k.tag + ":" + strings.Join(parts, ":")
}

// Connect parses a redis:// or rediss:// URL (see redis.ParseURL), pings
// the server and returns the client. Its errors name the server without
// the password.
func Connect(ctx context.Context, rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: Redis URL %s: %w", redactURL(rawURL), redactErr(err, rawURL))
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redisstore: Redis at %s: %w", redactURL(rawURL), classify(err))
	}
	return rdb, nil
}

// redactURL hides the password of a Redis URL, for error messages; it
// works on URLs too malformed to parse.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPw := strings.Cut(rest[:at], ":")
	if !hasPw {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// redactErr keeps a URL parser's error from repeating the password.
func redactErr(err error, raw string) error {
	if red := redactURL(raw); red != raw && strings.Contains(err.Error(), raw) {
		return errors.New(strings.ReplaceAll(err.Error(), raw, red))
	}
	return err
}

// ErrUnavailable wraps errors that mean the Redis server could not be
// reached or did not answer: the limiter falls back to its local share,
// the token store fails (it never re-authenticates instead).
var ErrUnavailable = errors.New("redisstore: Redis unavailable")

// classify wraps connection-level failures in ErrUnavailable; server
// answers (WRONGTYPE, WRONGPASS, script errors) are returned as they are.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func unavailable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.As(err, &oe), errors.As(err, &ne):
		return true
	}
	msg := err.Error()
	// A server still loading its data set, or a replica cut off from its
	// primary, answers but cannot serve.
	return strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "MASTERDOWN") ||
		strings.HasPrefix(msg, "TRYAGAIN") || strings.HasPrefix(msg, "CLUSTERDOWN")
}
