package kernel

import (
	"encoding/binary"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
)

// file is an open descriptor in an app's table. Optional behaviour comes
// from the interfaces below; a descriptor without one answers the real
// errno (EBADF, EINVAL, ESPIPE, …).
type file interface {
	kind() string
	close(k *Kernel)
}

// reader is a descriptor read() works on. EAGAIN means "would block".
type reader interface {
	read(k *Kernel, max int) ([]byte, kernelmsg.Errno)
}

// writer is a descriptor write() works on.
type writer interface {
	write(k *Kernel, p []byte) (int, kernelmsg.Errno)
}

// poller is a descriptor poll() and the event loop can watch.
type poller interface {
	ready(k *Kernel) (in, out bool)
}

// seeker is a descriptor with a file position.
type seeker interface {
	seek(off int64, whence int) (int64, kernelmsg.Errno)
	size() int64
}

// flagged is a descriptor with O_NONBLOCK.
type flagged interface {
	nonblocking() bool
	setNonblocking(bool)
}

// WASI file types, reported by fd_fdstat_get and fd_filestat_get.
const (
	fileTypeUnknown   = 0
	fileTypeCharDev   = 2
	fileTypeDirectory = 3
	fileTypeRegular   = 4
	fileTypeDgram     = 5
	fileTypeStream    = 6
)

// Descriptor flags reported and set through fd_fdstat (WASI fdflags bits).
const (
	fdflagAppend   = 1
	fdflagNonblock = 4
)

// fileType returns the WASI file type of f.
func fileType(f file) uint8 {
	switch f.(type) {
	case *packageDir, *daaDir:
		return fileTypeDirectory
	case *packageFile, *mutableFile:
		return fileTypeRegular
	case *socket:
		return fileTypeDgram
	case *inetSock:
		if f.(*inetSock).dgram {
			return fileTypeDgram
		}
		return fileTypeStream
	case *stdio:
		return fileTypeCharDev
	}
	return fileTypeUnknown
}

// nb is the O_NONBLOCK flag shared by descriptor types.
type nb struct{ on bool }

func (n *nb) nonblocking() bool     { return n.on }
func (n *nb) setNonblocking(v bool) { n.on = v }

// stdio is fd 0, 1 or 2: stdin reads end-of-file, stdout and stderr become
// app.output trace lines.
type stdio struct {
	nb
	fd int32
}

func (s *stdio) kind() string    { return "stdio" }
func (s *stdio) close(k *Kernel) {}
func (s *stdio) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if s.fd != 0 {
		return nil, kernelmsg.EBADF
	}
	return nil, 0 // end of file
}
func (s *stdio) write(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	if s.fd == 0 {
		return 0, kernelmsg.EBADF
	}
	k.emitOutput(k.app, s.fd, p)
	return len(p), 0
}
func (s *stdio) ready(k *Kernel) (bool, bool) { return s.fd == 0, s.fd != 0 }

// packageDir is fd 3: the app's image package, mounted read-only and
// preopened, so open() of a path under Storage_GetAbsolutePathInImagePackage works.
type packageDir struct{}

func (d *packageDir) kind() string    { return "package-dir" }
func (d *packageDir) close(k *Kernel) {}

// packageFile is a file of the app's image package, opened read-only.
type packageFile struct {
	nb
	data []byte
	pos  int64
}

func (f *packageFile) kind() string    { return "package-file" }
func (f *packageFile) close(k *Kernel) {}
func (f *packageFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	return readAt(f.data, &f.pos, max), 0
}
func (f *packageFile) write(k *Kernel, p []byte) (int, kernelmsg.Errno) { return 0, kernelmsg.EBADF }
func (f *packageFile) ready(k *Kernel) (bool, bool)                     { return true, false }
func (f *packageFile) seek(off int64, whence int) (int64, kernelmsg.Errno) {
	return seekTo(&f.pos, int64(len(f.data)), off, whence)
}
func (f *packageFile) size() int64 { return int64(len(f.data)) }

func readAt(data []byte, pos *int64, max int) []byte {
	if *pos >= int64(len(data)) || max <= 0 {
		return nil
	}
	end := min(int64(len(data)), *pos+int64(max))
	out := append([]byte(nil), data[*pos:end]...)
	*pos = end
	return out
}

// seekTo applies an lseek with WASI whence values (0 set, 1 current, 2 end).
func seekTo(pos *int64, size, off int64, whence int) (int64, kernelmsg.Errno) {
	var base int64
	switch whence {
	case 0:
	case 1:
		base = *pos
	case 2:
		base = size
	default:
		return 0, kernelmsg.EINVAL
	}
	n := base + off
	if n < 0 || (off > 0 && n < base) {
		return 0, kernelmsg.EINVAL
	}
	*pos = n
	return n, 0
}

// gpioFile is an open GPIO.
type gpioFile struct {
	nb
	gpio   int
	output bool
}

func (g *gpioFile) kind() string    { return "gpio" }
func (g *gpioFile) close(k *Kernel) {}

// timerfd is a timer created by timerfd_create: it counts expirations of
// an optionally periodic deadline in virtual time; read() returns and
// clears the count.
type timerfd struct {
	nb
	clock    int64
	next     int64 // absolute virtual time of the next expiry; 0 = disarmed
	interval int64
	count    uint64
}

func (t *timerfd) kind() string    { return "timerfd" }
func (t *timerfd) close(k *Kernel) {}

// update accounts for expiries up to now.
func (t *timerfd) update(now int64) {
	if t.next == 0 || now < t.next {
		return
	}
	if t.interval <= 0 {
		t.count++
		t.next = 0
		return
	}
	n := (now-t.next)/t.interval + 1
	t.count += uint64(n)
	t.next += n * t.interval
}

func (t *timerfd) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if max < 8 {
		return nil, kernelmsg.EINVAL
	}
	t.update(k.now())
	if t.count == 0 {
		return nil, kernelmsg.EAGAIN
	}
	b := binary.LittleEndian.AppendUint64(nil, t.count)
	t.count = 0
	return b, 0
}

func (t *timerfd) ready(k *Kernel) (bool, bool) {
	t.update(k.now())
	return t.count > 0, false
}

// nextDeadline is the next virtual time the timer needs attention.
func (t *timerfd) nextDeadline() int64 { return t.next }
