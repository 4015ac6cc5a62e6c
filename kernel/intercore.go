package kernel

import (
	"encoding/binary"
	"fmt"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The A7 side of the intercore protocol (reference §7.2), bit-exact: two
// ring buffers per real-time core in shared memory, set up with three
// mailbox posts, and software interrupts for "sent" and "consumed".

// RTLink is the hardware between the A7 and one real-time core: their
// mailbox channel and the shared RAM holding the ring buffers.
type RTLink struct {
	Mailbox *hw.MailboxChannel
	Shared  *hw.RAM
}

// Intercore constants (reference §7.2).
const (
	setupOutbound  = 0xBA5E0001 // RT → HL buffer descriptor
	setupInbound   = 0xBA5E0002 // HL → RT buffer descriptor
	setupEnd       = 0xBA5E0003
	headerSize     = 64
	blockAlign     = 16
	azspioHeader   = 20  // component ID + reserved
	ringLog2       = 12  // each ring is 4 KiB: header and data area (emulator-defined size)
	swintHLSent    = 0x2 // A7 → RT: "HL sent a message"
	swintRTSent    = 0x1 // RT → A7: "RT sent a message"
	swintRTConsume = 0x2 // RT → A7: "RT consumed a message"
	maxRxQueue     = 16  // datagrams a socket holds before the kernel stops reading the ring
)

// ring is one ring buffer in shared memory: a 64-byte header (u32
// writePosition, u32 readPosition, reserved) and a data area.
type ring struct {
	ram  *hw.RAM
	base uint32 // the header's physical address
	size uint32 // data area size
}

func (r ring) u32(off uint32) uint32 {
	var b [4]byte
	_ = r.ram.Read(r.base+off, b[:])
	return binary.LittleEndian.Uint32(b[:])
}

func (r ring) setU32(off, v uint32) {
	_ = r.ram.Write(r.base+off, binary.LittleEndian.AppendUint32(nil, v))
}

func (r ring) write() uint32          { return r.u32(0) }
func (r ring) read() uint32           { return r.u32(4) }
func (r ring) setWrite(v uint32)      { r.setU32(0, v) }
func (r ring) setRead(v uint32)       { r.setU32(4, v) }
func (r ring) descriptor() uint32     { return r.base | ringLog2 }
func (r ring) data(off uint32) uint32 { return r.base + headerSize + off%r.size }

// copyIn writes p into the data area at off, wrapping at the end.
func (r ring) copyIn(off uint32, p []byte) {
	for len(p) > 0 {
		o := off % r.size
		n := min(uint32(len(p)), r.size-o)
		_ = r.ram.Write(r.base+headerSize+o, p[:n])
		p, off = p[n:], off+n
	}
}

// copyOut reads n bytes of the data area from off, wrapping at the end.
func (r ring) copyOut(off, n uint32) []byte {
	out := make([]byte, 0, n)
	for n > 0 {
		o := off % r.size
		k := min(n, r.size-o)
		buf := make([]byte, k)
		_ = r.ram.Read(r.base+headerSize+o, buf)
		out = append(out, buf...)
		n, off = n-k, off+k
	}
	return out
}

func alignUp(v, a uint32) uint32 { return (v + a - 1) &^ (a - 1) }

// free is the space a writer at write may use when the reader is at read:
// the ring is empty when they are equal, and never becomes completely full.
func free(read, write, size uint32) uint32 {
	if read > write {
		return read - write
	}
	return size - (write - read)
}

// rtLink is a running real-time app and the kernel's end of its channel.
type rtLink struct {
	core     int
	cid      string
	manifest *manifest.Manifest
	hw       RTLink
	outbound ring // RT → HL; its header's readPosition is the RT's read offset into inbound
	inbound  ring // HL → RT; its header's readPosition is the HL's read offset into outbound
	txQueue  [][]byte
	up       bool // setup posted
	claims   []secmonmsg.Peripheral
}

// setupIntercore lays out the two ring buffers of a core and posts the
// three setup words to it.
func (k *Kernel) setupIntercore(l *rtLink, base uint32) error {
	total := uint32(1) << ringLog2
	l.outbound = ring{ram: l.hw.Shared, base: base, size: total - headerSize}
	l.inbound = ring{ram: l.hw.Shared, base: base + total, size: total - headerSize}
	for _, r := range []ring{l.outbound, l.inbound} {
		if !l.hw.Shared.Contains(r.base, total) {
			return fmt.Errorf("intercore: ring at %#08x does not fit the shared memory", r.base)
		}
		zero := make([]byte, total)
		_ = l.hw.Shared.Write(r.base, zero)
	}
	for _, w := range [][2]uint32{{setupOutbound, l.outbound.descriptor()}, {setupInbound, l.inbound.descriptor()}, {setupEnd, 0}} {
		if err := l.hw.Mailbox.A7Post(w[0], w[1]); err != nil {
			return fmt.Errorf("intercore: posting setup word %#08x: %w", w[0], err)
		}
	}
	l.up = true
	k.tr.Emit(trace.Kernel, "intercore.setup", trace.Int("core", int64(l.core)), trace.Str("cid", l.cid),
		trace.Str("outbound", fmt.Sprintf("%#08x", l.outbound.descriptor())), trace.Str("inbound", fmt.Sprintf("%#08x", l.inbound.descriptor())))
	return nil
}

// sendBlock writes one message for the RT app into the inbound ring: u32
// block size, the sender's component ID (Windows GUID order), u32 reserved,
// payload; 16-byte aligned. It reports false when the ring lacks space.
func (l *rtLink) sendBlock(msg []byte) bool {
	r := l.inbound
	write, read := r.write(), l.outbound.read()
	blockSize := uint32(len(msg))
	total := 4 + blockSize
	if free(read, write, r.size) < total+blockAlign {
		return false
	}
	var size [4]byte
	binary.LittleEndian.PutUint32(size[:], blockSize)
	r.copyIn(write, size[:])
	r.copyIn(write+4, msg)
	r.setWrite(alignUp(write+total, blockAlign) % r.size)
	return true
}

// recvBlocks reads every message the RT app has written to the outbound
// ring, up to max, and frees their space.
func (l *rtLink) recvBlocks(max int) (msgs [][]byte, corrupt error) {
	r := l.outbound
	read, write := l.inbound.read(), r.write()
	for read != write && len(msgs) < max {
		if read%blockAlign != 0 || read >= r.size || write >= r.size {
			return msgs, fmt.Errorf("positions read %#x, write %#x outside the %d-byte ring", read, write, r.size)
		}
		blockSize := binary.LittleEndian.Uint32(r.copyOut(read, 4))
		if blockSize < azspioHeader || 4+blockSize > r.size {
			l.inbound.setRead(write) // drop everything: the ring cannot be trusted
			return msgs, fmt.Errorf("block size %d at offset %#x", blockSize, read)
		}
		msgs = append(msgs, r.copyOut(read+4, blockSize))
		read = alignUp(read+4+blockSize, blockAlign) % r.size
		l.inbound.setRead(read)
	}
	return msgs, nil
}

// pumpIntercore moves messages between the rings and the sockets: it reads
// what the RT apps sent, and retries queued sends when they freed space.
func (k *Kernel) pumpIntercore() {
	for _, l := range k.rt {
		if l == nil || !l.up {
			continue
		}
		bits := l.hw.Mailbox.A7PendingSoftIRQ()
		if bits == 0 {
			continue
		}
		l.hw.Mailbox.A7ClearSoftIRQ(bits)
		if bits&swintRTConsume != 0 {
			k.flushTx(l)
		}
		if bits&swintRTSent != 0 {
			k.deliverRx(l)
		}
	}
}

func (k *Kernel) flushTx(l *rtLink) {
	sent := 0
	for len(l.txQueue) > 0 && l.sendBlock(l.txQueue[0]) {
		l.txQueue = l.txQueue[1:]
		sent++
	}
	if sent > 0 {
		l.hw.Mailbox.A7RaiseSoftIRQ(swintHLSent)
	}
}

// deliverRx hands the RT app's messages to the high-level app's sockets
// connected to it. The block's component ID names the recipient.
func (k *Kernel) deliverRx(l *rtLink) {
	sock := k.socketTo(l.cid)
	room := maxRxQueue
	if sock != nil {
		room = maxRxQueue - len(sock.rx)
	}
	if room <= 0 {
		return // receive-side throttling: leave them in the ring
	}
	msgs, err := l.recvBlocks(room)
	if err != nil {
		k.tr.Emit(trace.Kernel, "intercore.corrupt", trace.Int("core", int64(l.core)), trace.Str("error", err.Error()))
	}
	for _, m := range msgs {
		payload := m[azspioHeader:]
		var to image.GUID
		copy(to[:], m[:16])
		switch {
		case k.app == nil || sock == nil || to.String() != k.app.cid:
			k.tr.Emit(trace.Kernel, "intercore.drop", trace.Str("from", l.cid), trace.Str("to", to.String()), trace.Int("len", int64(len(payload))))
		default:
			sock.rx = append(sock.rx, append([]byte(nil), payload...))
			k.tr.Emit(trace.Kernel, "intercore.recv", trace.Str("from", l.cid), trace.Int("len", int64(len(payload))))
		}
	}
}

// socketTo finds the high-level app's socket connected to a component.
func (k *Kernel) socketTo(cid string) *socket {
	if k.app == nil {
		return nil
	}
	for _, f := range k.app.fds {
		if s, ok := f.(*socket); ok && s.peer == cid {
			return s
		}
	}
	return nil
}

// rtByCID returns the running real-time app with a component ID.
func (k *Kernel) rtByCID(cid string) *rtLink {
	for _, l := range k.rt {
		if l != nil && l.cid == cid {
			return l
		}
	}
	return nil
}

// sendIntercore is send() on an Application_Connect socket.
func (k *Kernel) sendIntercore(s *socket, p []byte) (int, kernelmsg.Errno) {
	if len(p) > maxIntercoreMessage {
		return 0, kernelmsg.EMSGSIZE
	}
	l := k.rtByCID(s.peer)
	if l == nil || !l.up {
		k.tr.Emit(trace.Kernel, "intercore.unreachable", trace.Str("to", s.peer), trace.Int("len", int64(len(p))))
		return 0, kernelmsg.ECONNRESET
	}
	if !l.manifest.AllowsConnectionTo(k.app.cid) {
		return 0, kernelmsg.EPERM
	}
	from, _ := image.ParseGUID(k.app.cid)
	msg := make([]byte, azspioHeader, azspioHeader+len(p))
	copy(msg, from[:])
	msg = append(msg, p...)
	if len(l.txQueue) > 0 || !l.sendBlock(msg) {
		if len(l.txQueue) >= maxRxQueue {
			return 0, kernelmsg.EAGAIN
		}
		l.txQueue = append(l.txQueue, msg) // queued until the RT app frees space
		k.tr.Emit(trace.Kernel, "intercore.queued", trace.Str("to", s.peer), trace.Int("len", int64(len(p))))
		return len(p), 0
	}
	l.hw.Mailbox.A7RaiseSoftIRQ(swintHLSent)
	k.tr.Emit(trace.Kernel, "intercore.send", trace.Str("to", s.peer), trace.Int("len", int64(len(p))))
	return len(p), 0
}

// startRT starts a real-time capable app on the first free core: the
// kernel acquires its peripherals for that core, asks the Security Monitor
// to load it (the monitor finds and verifies the image itself), and sets up
// the intercore channel.
func (k *Kernel) startRT(stage string, man *manifest.Manifest) {
	core := -1
	for i, l := range k.rt {
		if l == nil && k.cfg.RT[i].Mailbox != nil {
			core = i
			break
		}
	}
	if core < 0 {
		k.refuse(stage, "both real-time cores are in use (or not emulated)", 0)
		return
	}
	owner := rtOwner(core)
	claims, err := peripheralClaims(man)
	if err != nil {
		k.refuse(stage, err.Error(), 0)
		return
	}
	for i := range claims {
		claims[i].Owner = owner
	}
	if !k.acquire(stage, claims) {
		return
	}
	l := &rtLink{core: core, cid: man.ComponentID, manifest: man, hw: k.cfg.RT[core]}
	k.rt[core] = l
	k.tr.Emit(trace.Kernel, "rt.launch", trace.Str("cid", man.ComponentID), trace.Str("name", man.Name), trace.Str("core", owner.String()))
	k.loadRT(l, claims)
}

// loadRT (re)loads a real-time app into its core and sets up the channel.
func (k *Kernel) loadRT(l *rtLink, claims []secmonmsg.Peripheral) {
	req := secmonmsg.StartRTCore{Core: uint8(l.core), ComponentID: l.cid, Peripherals: claims}
	if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindStartRTCore, req.Marshal(), secmonTimeout); err != nil {
		k.refuse("app:"+l.cid, "the Security Monitor did not start the real-time core: "+err.Error(), 0)
		k.rt[l.core] = nil
		return
	}
	l.claims = claims
	if err := k.setupIntercore(l, secmonmsg.SharedBufferBase+uint32(l.core)*secmonmsg.SharedBufferSize); err != nil {
		k.tr.Emit(trace.Kernel, "intercore.error", trace.Str("cid", l.cid), trace.Str("error", err.Error()))
	}
}

// rtRestartDelay is how long a watchdog-reset core stays down before the OS
// restarts its app (emulator-defined).
const rtRestartDelay = 100 * sim.Millisecond

// rtStopped records the end of a real-time app: a watchdog reset restarts
// it; an exit, crash or bus fault is final. Either way the rest runs on.
func (k *Kernel) rtStopped(m mailbox.Message) {
	st, err := kernelmsg.UnmarshalRTStopped(m.Payload)
	if err != nil {
		k.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	k.tr.Emit(trace.Kernel, "rt.exit", trace.Str("core", st.Core), trace.Str("cid", st.ComponentID), trace.Str("reason", st.Reason), trace.Str("detail", st.Detail))
	k.recordRTStop(st)
	for i, l := range k.rt {
		// The Security Monitor names the core the report came from: only
		// that core's app can have stopped.
		if l == nil || l.cid != st.ComponentID || st.Core != rtOwner(i).String() {
			continue
		}
		l.up, l.txQueue = false, nil
		if st.Reason == "watchdog" {
			k.tr.Emit(trace.Kernel, "rt.restart", trace.Str("cid", l.cid), trace.Int("in_ns", rtRestartDelay))
			k.after(rtRestartDelay, func() {
				if k.rt[i] == l {
					k.loadRT(l, l.claims)
				}
			})
			continue
		}
		for _, p := range l.claims {
			_, _ = k.ep.Call(mailbox.Secmon, secmonmsg.KindPeripheralRelease, p.Marshal(), secmonTimeout)
		}
		k.rt[i] = nil
	}
}

// rtOwner is the mailbox endpoint of real-time core i.
func rtOwner(i int) mailbox.Addr {
	if i == 1 {
		return mailbox.RTCore1
	}
	return mailbox.RTCore0
}
