//go:build !linux

package stamped

import (
	"net"
	"time"
)

// kernelStamps: see stamp_linux.go; elsewhere arrivals are stamped
// when the judge reads them.
func kernelStamps(net.Conn) func([]byte) (int, time.Time, error) { return nil }
