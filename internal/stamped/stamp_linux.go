//go:build linux

package stamped

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"time"
)

// kernelStamps returns a reader of c that also tells when the kernel
// received the bytes (SO_TIMESTAMPNS, which TCP supports): the arrival as
// the network saw it, however late the judging process got the CPU. It
// returns nil when the socket cannot do this.
func kernelStamps(c net.Conn) func([]byte) (int, time.Time, error) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	oob := make([]byte, 256)
	return func(p []byte) (int, time.Time, error) {
		var n, oobn int
		var rerr error
		err := raw.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), p, oob, 0)
			return rerr != syscall.EAGAIN
		})
		switch {
		case err != nil:
			return 0, time.Time{}, err
		case rerr != nil:
			return 0, time.Time{}, rerr
		case n == 0 && len(p) > 0:
			return 0, time.Time{}, io.EOF
		}
		at := time.Now()
		msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				at = time.Unix(int64(binary.NativeEndian.Uint64(m.Data)), int64(binary.NativeEndian.Uint64(m.Data[8:])))
			}
		}
		return n, at, nil
	}
}
