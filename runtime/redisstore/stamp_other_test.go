//go:build !linux

package redisstore

import (
	"net"
	"time"
)

// kernelStamps: see stamp_linux_test.go; elsewhere arrivals are stamped
// when the judge reads them.
func kernelStamps(net.Conn) func([]byte) (int, time.Time, error) { return nil }
