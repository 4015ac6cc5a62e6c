package secmon

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// allowed is the deny-by-default request table: which endpoint may ask for
// which kind. Anything not listed is refused.
var allowed = map[mailbox.Kind][]mailbox.Addr{
	secmonmsg.KindGetApplicationImageCount: {mailbox.Kernel},
	secmonmsg.KindReadApplicationImage:     {mailbox.Kernel},
	secmonmsg.KindPeripheralAcquire:        {mailbox.Kernel},
	secmonmsg.KindPeripheralRelease:        {mailbox.Kernel},
	secmonmsg.KindStartRTCore:              {mailbox.Kernel},
	secmonmsg.KindRTStopped:                {mailbox.RTCore0, mailbox.RTCore1},
	secmonmsg.KindTelemetryAppend:          {mailbox.Kernel},
	secmonmsg.KindTelemetryRead:            {mailbox.Kernel},
	secmonmsg.KindTelemetryAck:             {mailbox.Kernel},
	secmonmsg.KindTelemetryClear:           {mailbox.Kernel},
	secmonmsg.KindStorageRead:              {mailbox.Kernel},
	secmonmsg.KindStorageWrite:             {mailbox.Kernel},
	secmonmsg.KindStorageDelete:            {mailbox.Kernel},
	secmonmsg.KindUpdateStage:              {mailbox.Kernel},
	secmonmsg.KindUpdateInstall:            {mailbox.Kernel},
	secmonmsg.KindUpdateConfirm:            {mailbox.Kernel},
	secmonmsg.KindUpdateRemove:             {mailbox.Kernel},
}

func permitted(k mailbox.Kind, from mailbox.Addr) bool {
	for _, a := range allowed[k] {
		if a == from {
			return true
		}
	}
	return false
}

func (s *SecurityMonitor) reject(m mailbox.Message, code uint32, why string) {
	s.tr.Emit(trace.Secmon, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)), trace.Str("reason", why))
	_ = s.ep.ReplyError(m, code, why)
}

func (s *SecurityMonitor) serve() {
	for {
		m := s.ep.Recv()
		if !permitted(m.Kind, m.From) {
			s.reject(m, secmonmsg.ErrDenied, fmt.Sprintf("%s may not request %s", m.From, mailbox.KindName(m)))
			continue
		}
		switch m.Kind {
		case secmonmsg.KindGetApplicationImageCount:
			_ = s.ep.Reply(m, secmonmsg.EncodeU32(uint32(len(s.appPartitions()))))
		case secmonmsg.KindReadApplicationImage:
			s.serveReadImage(m)
		case secmonmsg.KindPeripheralAcquire, secmonmsg.KindPeripheralRelease:
			s.servePeripheral(m)
		case secmonmsg.KindStartRTCore:
			s.serveStartRTCore(m)
		case secmonmsg.KindRTStopped:
			s.forwardRTStopped(m)
		case secmonmsg.KindTelemetryAppend, secmonmsg.KindTelemetryRead, secmonmsg.KindTelemetryAck, secmonmsg.KindTelemetryClear:
			s.serveTelemetry(m)
		case secmonmsg.KindStorageRead, secmonmsg.KindStorageWrite, secmonmsg.KindStorageDelete:
			s.serveStorage(m)
		case secmonmsg.KindUpdateStage:
			s.serveStage(m)
		case secmonmsg.KindUpdateInstall:
			s.serveInstall(m)
		case secmonmsg.KindUpdateConfirm:
			s.serveConfirm(m)
		case secmonmsg.KindUpdateRemove:
			s.serveRemove(m)
		}
	}
}

func (s *SecurityMonitor) appPartitions() []image.Partition {
	var out []image.Partition
	for _, p := range s.locator.All(image.PartitionTypeApplications) {
		if p.Length > 0 {
			out = append(out, p)
		}
	}
	return out
}

func (s *SecurityMonitor) serveReadImage(m mailbox.Message) {
	i, err := secmonmsg.DecodeU32(m.Payload)
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, err.Error())
		return
	}
	parts := s.appPartitions()
	if uint64(i) >= uint64(len(parts)) {
		s.reject(m, secmonmsg.ErrNoSuchImage, fmt.Sprintf("no application image %d (%d installed)", i, len(parts)))
		return
	}
	b, err := s.readFlash(parts[i].Offset, parts[i].Length)
	if err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	_ = s.ep.Reply(m, b)
}

func (s *SecurityMonitor) servePeripheral(m mailbox.Message) {
	p, err := secmonmsg.UnmarshalPeripheral(m.Payload)
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, err.Error())
		return
	}
	if m.Kind == secmonmsg.KindPeripheralRelease {
		// A running real-time core's firewall maps its blocks until it
		// stops: releasing them before would let them be mapped twice.
		for i, a := range []mailbox.Addr{mailbox.RTCore0, mailbox.RTCore1} {
			if p.Owner == a && s.rtRunning[i] != "" && !TestOnlyReleaseRunningCores {
				s.reject(m, secmonmsg.ErrDenied, fmt.Sprintf("%s %d stays mapped to %s while it runs %s", p.Type, p.Index, a, s.rtRunning[i]))
				return
			}
		}
		s.peripherals.release(p)
		s.tr.Emit(trace.Secmon, "peripheral.release", trace.Str("type", p.Type.String()), trace.Int("index", int64(p.Index)), trace.Str("owner", p.Owner.String()))
		_ = s.ep.Reply(m, nil)
		return
	}
	decide := func(what string, ok bool) bool {
		detail := what + " for " + p.Owner.String()
		e := s.glitch.At(glitch.SecmonPeripheral, detail)
		if e == glitch.None {
			return ok
		}
		acted := e.Passes(ok)
		s.tr.Emit(trace.Secmon, "glitch.apply", trace.Str("point", string(glitch.SecmonPeripheral)), trace.Str("effect", e.String()),
			trace.Str("detail", detail), trace.Bool("found_ok", ok), trace.Bool("acted_ok", acted))
		return acted
	}
	if code, err := s.peripherals.acquire(p, decide); err != nil {
		s.reject(m, code, err.Error())
		return
	}
	s.tr.Emit(trace.Secmon, "peripheral.acquire", trace.Str("type", p.Type.String()), trace.Int("index", int64(p.Index)),
		trace.Str("owner", p.Owner.String()), trace.Str("cid", p.ComponentID))
	_ = s.ep.Reply(m, nil)
}
