package kernel

import (
	"encoding/binary"
	"path"
	"strings"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/sim"
)

// The WASI preview1 functions that touch descriptors, served over the
// app's own descriptor table.

func (c *call) fd(i int) (file, kernelmsg.Errno) {
	v := c.arg(i)
	f, ok := c.p.fds[int32(v)]
	if !ok || v != int64(int32(v)) {
		return nil, kernelmsg.EBADF
	}
	return f, 0
}

func sysFdClose(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	fd := int32(c.arg(0))
	if fd <= 3 {
		// stdio and the package directory stay open, as a preopen does;
		// wasi-libc never closes them itself.
		return fail(kernelmsg.EBADF), nil
	}
	f.close(c.k)
	delete(c.p.fds, fd)
	for _, g := range c.p.fds { // epoll forgets closed descriptors
		if el, ok := g.(*eventLoop); ok {
			delete(el.regs, fd)
		}
	}
	return ok(0), nil
}

// maxIO bounds one read or write.
const maxIO = 64 << 10

// sysFdRead reads up to max bytes; a blocking descriptor with nothing to
// read blocks in virtual time until data arrives.
func sysFdRead(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	max := c.arg(1)
	if max < 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	max = min(max, maxIO)
	r, isReader := f.(reader)
	if !isReader {
		if _, dir := f.(*packageDir); dir {
			return fail(kernelmsg.EISDIR), nil
		}
		return fail(kernelmsg.EINVAL), nil
	}
	try := func() (kernelmsg.Result, bool) {
		if c.k.app != c.p {
			return fail(kernelmsg.EINTR), true
		}
		b, e := r.read(c.k, int(max))
		if e == kernelmsg.EAGAIN {
			return fail(e), false
		}
		if e != 0 {
			return fail(e), true
		}
		return kernelmsg.Result{Value: int64(len(b)), Data: b}, true
	}
	res, done := try()
	if done || isNonblocking(f) {
		return res, nil
	}
	return kernelmsg.Result{}, &wait{deadline: readDeadline(c.k, f), try: try}
}

func isNonblocking(f file) bool {
	fl, ok := f.(flagged)
	return !ok || fl.nonblocking()
}

// readDeadline is when a blocking read gives up with EAGAIN: a socket's
// SO_RCVTIMEO, else never.
func readDeadline(k *Kernel, f file) int64 {
	if s, ok := f.(*socket); ok && s.rcvTimeout > 0 {
		return k.now() + s.rcvTimeout
	}
	if s, ok := f.(*inetSock); ok && s.rcvTimeout > 0 {
		return k.now() + s.rcvTimeout
	}
	return noDeadline
}

func sysFdWrite(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	w, ok := f.(writer)
	if !ok {
		if _, dir := f.(*packageDir); dir {
			return fail(kernelmsg.EISDIR), nil
		}
		return fail(kernelmsg.EINVAL), nil
	}
	if len(c.args.Data) > maxIO {
		c.args.Data = c.args.Data[:maxIO]
	}
	n, e := w.write(c.k, c.args.Data)
	if e != 0 {
		return fail(e), nil
	}
	return kernelmsg.Result{Value: int64(n)}, nil
}

func sysFdSeek(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	s, isSeeker := f.(seeker)
	if !isSeeker {
		return fail(kernelmsg.ESPIPE), nil
	}
	pos, e := s.seek(c.arg(1), int(c.arg(2)))
	if e != 0 {
		return fail(e), nil
	}
	return ok(pos), nil
}

func sysFdTell(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	s, isSeeker := f.(seeker)
	if !isSeeker {
		return fail(kernelmsg.ESPIPE), nil
	}
	pos, e := s.seek(0, 1)
	if e != 0 {
		return fail(e), nil
	}
	return ok(pos), nil
}

// sysFdFdstatGet answers the file type and flags as filetype | flags<<8.
func sysFdFdstatGet(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	var flags int64
	if fl, ok := f.(flagged); ok && fl.nonblocking() {
		flags |= fdflagNonblock
	}
	return ok(int64(fileType(f)) | flags<<8), nil
}

func sysFdFdstatSetFlags(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	flags := c.arg(1)
	if flags&^(fdflagNonblock|fdflagAppend) != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	fl, isFlagged := f.(flagged)
	if !isFlagged {
		if flags&fdflagNonblock != 0 {
			return fail(kernelmsg.EINVAL), nil
		}
		return ok(0), nil
	}
	fl.setNonblocking(flags&fdflagNonblock != 0)
	return ok(0), nil
}

func statData(f file) []byte {
	b := []byte{fileType(f)}
	var size int64
	if s, ok := f.(seeker); ok {
		size = s.size()
	}
	return binary.LittleEndian.AppendUint64(b, uint64(size))
}

func sysFdFilestatGet(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	return kernelmsg.Result{Data: statData(f)}, nil
}

func sysFdFilestatSetSize(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	m, isMutable := f.(*mutableFile)
	if !isMutable {
		return fail(kernelmsg.EINVAL), nil
	}
	if e := m.truncate(c.k, c.arg(1)); e != 0 {
		return fail(e), nil
	}
	return ok(0), nil
}

// packageDirFD is the preopened image-package directory.
const packageDirFD = 3

func sysFdPrestatGet(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	// wasi-libc scans descriptors from 3 up until EBADF: only fd 3 is preopened.
	if _, isDir := f.(*packageDir); !isDir || c.arg(0) != packageDirFD {
		return fail(kernelmsg.EBADF), nil
	}
	return ok(int64(len(c.p.packageRoot()))), nil
}

func sysFdPrestatDirName(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	if _, ok := f.(*packageDir); !ok || c.arg(0) != packageDirFD {
		return fail(kernelmsg.EBADF), nil
	}
	return kernelmsg.Result{Data: []byte(c.p.packageRoot())}, nil
}

func sysFdSync(c *call) (kernelmsg.Result, *wait) {
	if _, e := c.fd(0); e != 0 {
		return fail(e), nil
	}
	return ok(0), nil // every write is already durable (see mutableFile)
}

// packagePath resolves a path relative to the package directory, refusing
// anything that leaves it.
func (c *call) packagePath(p string) (string, kernelmsg.Errno) {
	f, e := c.fd(0) // the directory descriptor is always argument 0
	if e != 0 {
		return "", e
	}
	if _, ok := f.(*packageDir); !ok {
		return "", kernelmsg.ENOTDIR
	}
	if len(p) > 1024 {
		return "", kernelmsg.ENAMETOOLONG
	}
	clean := path.Clean("/" + p)
	if strings.Contains(p, "\x00") || p == "" {
		return "", kernelmsg.EINVAL
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(path.Clean(p), "..") {
		return "", kernelmsg.EACCES // outside the sandbox (wasi's ENOTCAPABLE)
	}
	return strings.TrimPrefix(clean, "/"), 0
}

// Open flags (WASI oflags).
const (
	oflagCreat     = 1
	oflagDirectory = 2
	oflagExcl      = 4
	oflagTrunc     = 8
)

// sysPathOpen opens a file of the image package, read-only.
func sysPathOpen(c *call) (kernelmsg.Result, *wait) {
	if _, isDAA := c.p.fds[int32(c.arg(0))].(*daaDir); isDAA && c.arg(0) == int64(int32(c.arg(0))) {
		return daaOpen(c, string(c.args.Data), c.arg(3) != 0 || c.arg(1)&(oflagTrunc|oflagCreat) != 0)
	}
	rel, e := c.packagePath(string(c.args.Data))
	if e != 0 {
		return fail(e), nil
	}
	oflags, fdflags, write := c.arg(1), c.arg(2), c.arg(3)
	if rel == "" || rel == "." {
		if oflags&oflagDirectory != 0 && write == 0 {
			return c.install(&packageDir{}), nil
		}
		return fail(kernelmsg.EISDIR), nil
	}
	f, found := c.p.pkg.Lookup(rel)
	if !found {
		if c.isPackageDir(rel) {
			return fail(kernelmsg.EISDIR), nil
		}
		if oflags&oflagCreat != 0 {
			return fail(kernelmsg.EROFS), nil
		}
		return fail(kernelmsg.ENOENT), nil
	}
	if oflags&oflagDirectory != 0 {
		return fail(kernelmsg.ENOTDIR), nil
	}
	if write != 0 || oflags&(oflagTrunc|oflagCreat) != 0 {
		return fail(kernelmsg.EROFS), nil
	}
	pf := &packageFile{data: f.Data}
	pf.setNonblocking(fdflags&fdflagNonblock != 0)
	return c.install(pf), nil
}

func (c *call) isPackageDir(rel string) bool {
	for _, f := range c.p.pkg.Files() {
		if strings.HasPrefix(f.Path, rel+"/") {
			return true
		}
	}
	return false
}

func sysPathFilestatGet(c *call) (kernelmsg.Result, *wait) {
	rel, e := c.packagePath(string(c.args.Data))
	if e != 0 {
		return fail(e), nil
	}
	if rel == "" || rel == "." || c.isPackageDir(rel) {
		return kernelmsg.Result{Data: statData(&packageDir{})}, nil
	}
	f, found := c.p.pkg.Lookup(rel)
	if !found {
		return fail(kernelmsg.ENOENT), nil
	}
	return kernelmsg.Result{Data: statData(&packageFile{data: f.Data})}, nil
}

// maxPollSubs bounds one poll_oneoff.
const maxPollSubs = 64

// sysPollOneoff waits until a subscribed descriptor is ready or a clock
// deadline passes (nanosleep is poll_oneoff with one clock subscription).
func sysPollOneoff(c *call) (kernelmsg.Result, *wait) {
	subs, err := kernelmsg.UnmarshalPollSubs(c.args.Data)
	if err != nil || len(subs) == 0 || len(subs) > maxPollSubs {
		return fail(kernelmsg.EINVAL), nil
	}
	deadline := noDeadline
	for _, s := range subs {
		if s.Tag == kernelmsg.PollClock && (deadline == noDeadline || s.Deadline < deadline) {
			deadline = s.Deadline
		}
	}
	try := func() (kernelmsg.Result, bool) {
		if c.k.app != c.p {
			return fail(kernelmsg.EINTR), true
		}
		var evs []kernelmsg.PollEvent
		for _, s := range subs {
			ev := kernelmsg.PollEvent{Userdata: s.Userdata, Tag: s.Tag}
			switch s.Tag {
			case kernelmsg.PollClock:
				if c.k.now() < s.Deadline {
					continue
				}
			default:
				f, open := c.p.fds[s.FD]
				if !open {
					ev.Errno = uint16(kernelmsg.EBADF)
					break
				}
				p, isPoller := f.(poller)
				if !isPoller {
					continue
				}
				in, out := p.ready(c.k)
				if (s.Tag == kernelmsg.PollFdRead && !in) || (s.Tag == kernelmsg.PollFdWrite && !out) {
					continue
				}
				ev.NBytes = 1
			}
			evs = append(evs, ev)
		}
		if len(evs) == 0 {
			return kernelmsg.Result{}, false
		}
		return kernelmsg.Result{Value: int64(len(evs)), Data: kernelmsg.MarshalPollEvents(evs)}, true
	}
	if r, done := try(); done {
		return r, nil
	}
	if deadline != noDeadline && deadline > c.k.now()+maxSleep {
		deadline = c.k.now() + maxSleep
	}
	return kernelmsg.Result{}, &wait{deadline: deadline, try: try, expire: func() kernelmsg.Result {
		r, _ := try()
		return r
	}}
}

// maxSleep caps one poll_oneoff wait (100 years of virtual time), so that
// sleep arithmetic cannot overflow.
const maxSleep = 100 * 365 * 24 * 3600 * sim.Second

func sysGetrandom(c *call) (kernelmsg.Result, *wait) {
	n := c.arg(0)
	if n < 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	n = min(n, 4096)
	b := make([]byte, n)
	_, _ = c.k.rng().Read(b)
	return kernelmsg.Result{Value: n, Data: b}, nil
}
