//go:build stress && !linux

package ratelimit_test

import (
	"net"
	"time"
)

// kernelStamps is Linux-only; elsewhere the server stamps arrivals when its
// process reads them.
func kernelStamps(net.Conn) func([]byte) (int, time.Time, error) { return nil }
