package redisstore

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Redis tests talk to a real server: the one at APIGEN_REDIS_ADDR
// (.ci/run starts it), or one of their own where they kill it. Without a
// server they skip, except under CI=true, where they fail.

const addrEnv = "APIGEN_REDIS_ADDR"

func inCI() bool { return os.Getenv("CI") == "true" }

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI=true: the Redis tests must run)", msg)
	}
	t.Skip(msg)
}

// sharedRedis returns a client of the server at APIGEN_REDIS_ADDR.
func sharedRedis(t testing.TB) *redis.Client {
	t.Helper()
	addr := os.Getenv(addrEnv)
	if addr == "" {
		missing(t, "no Redis server: set %s=127.0.0.1:<port> to a running redis-server to run this test", addrEnv)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		missing(t, "no Redis server reachable at %s=%s: %v", addrEnv, addr, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var nameSeq atomic.Int64

// uniqueName gives each test its own keys on the shared server.
func uniqueName(t testing.TB) string {
	return fmt.Sprintf("test:%s:%d:%d", t.Name(), os.Getpid(), nameSeq.Add(1))
}

// ownServer is a redis-server process of the test's own, which it may
// kill and restart on the same port.
type ownServer struct {
	t     testing.TB
	port  int
	extra []string
	cmd   *exec.Cmd
}

func startOwnServer(t testing.TB, extra ...string) *ownServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		missing(t, "redis-server is not installed (apt-get install redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &ownServer{t: t, port: port, extra: extra}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *ownServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *ownServer) start() {
	s.t.Helper()
	dir := s.t.TempDir()
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning"}, s.extra...)
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.stop()
			s.t.Fatalf("redis-server on %s did not answer: %v", s.addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server at once, as a crash would.
func (s *ownServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

func (s *ownServer) client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.addr()})
	s.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
