package kernel

import (
	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/trace"
)

// maxLogBytes bounds one Log_Debug call.
const maxLogBytes = 4096

// serve answers syscalls from the app core until power-off.
func (k *Kernel) serve() {
	for {
		m := k.ep.Recv()
		if m.From != mailbox.Appcore {
			k.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not make syscalls")
			continue
		}
		if m.Kind == kernelmsg.KindAppExited {
			k.appExited(m)
			continue
		}
		if k.app == nil {
			k.reject(m, mailbox.ErrCodeDenied, "no app is running on the app core")
			continue
		}
		k.proc.Sleep(costSyscall)
		call, args, ok := k.decodeSyscall(m)
		if !ok {
			continue
		}
		r := call.fn(k, k.app, args)
		if r.Value < 0 {
			k.tr.Emit(trace.Kernel, "syscall.error", trace.Str("cid", k.app.cid), trace.Str("call", call.name),
				trace.Str("errno", kernelmsg.Errno(-r.Value).String()))
		}
		_ = k.ep.Reply(m, r.Marshal())
	}
}

type syscall struct {
	name  string
	nargs int
	fn    func(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result
}

var syscalls = map[mailbox.Kind]syscall{
	kernelmsg.KindLog:            {"Log_Debug", 0, sysLog},
	kernelmsg.KindGPIOOpenInput:  {"GPIO_OpenAsInput", 1, sysGPIOOpenInput},
	kernelmsg.KindGPIOOpenOutput: {"GPIO_OpenAsOutput", 3, sysGPIOOpenOutput},
	kernelmsg.KindGPIOGetValue:   {"GPIO_GetValue", 1, sysGPIOGetValue},
	kernelmsg.KindGPIOSetValue:   {"GPIO_SetValue", 2, sysGPIOSetValue},
}

func (k *Kernel) decodeSyscall(m mailbox.Message) (syscall, kernelmsg.Args, bool) {
	call, ok := syscalls[m.Kind]
	if !ok {
		k.reject(m, mailbox.ErrCodeUnknownKind, "no such syscall: "+mailbox.KindName(m))
		return call, kernelmsg.Args{}, false
	}
	args, err := kernelmsg.UnmarshalArgs(m.Payload, call.nargs)
	if err != nil {
		k.reject(m, mailbox.ErrCodeMalformed, call.name+": "+err.Error())
		return call, args, false
	}
	return call, args, true
}

func fail(e kernelmsg.Errno) kernelmsg.Result { return kernelmsg.Result{Value: -int32(e)} }

func sysLog(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result {
	text := args.Data
	if len(text) > maxLogBytes {
		text = text[:maxLogBytes]
	}
	s := string(text)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			k.tr.Emit(trace.Appcore, "app.log", trace.Str("cid", a.cid), trace.Str("line", s[start:i]))
			start = i + 1
		}
	}
	return kernelmsg.Result{}
}

func (a *app) open(f *gpioFile) int32 {
	fd := a.nextFD
	a.nextFD++
	a.fds[fd] = f
	return fd
}

func (a *app) gpioOpen(n int) bool {
	for _, f := range a.fds {
		if f.gpio == n {
			return true
		}
	}
	return false
}

// checkGPIO applies the checks GPIO_OpenAs* make, in the real order:
// capability (EACCES), existence (ENODEV), already open (EBUSY).
func (k *Kernel) checkGPIO(a *app, n int32) kernelmsg.Errno {
	if !a.manifest.HasGpio(int(n)) {
		return kernelmsg.EACCES
	}
	if _, err := k.gpio.Get(int(n)); err != nil {
		return kernelmsg.ENODEV
	}
	if a.gpioOpen(int(n)) {
		return kernelmsg.EBUSY
	}
	return 0
}

func sysGPIOOpenInput(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result {
	n := args.Ints[0]
	if e := k.checkGPIO(a, n); e != 0 {
		return fail(e)
	}
	if err := k.gpio.ConfigureInput(int(n)); err != nil {
		return fail(kernelmsg.EIO)
	}
	return kernelmsg.Result{Value: a.open(&gpioFile{gpio: int(n)})}
}

func sysGPIOOpenOutput(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result {
	n, mode, value := args.Ints[0], args.Ints[1], args.Ints[2]
	if e := k.checkGPIO(a, n); e != 0 {
		return fail(e)
	}
	if mode < 0 || mode > 2 || value < 0 || value > 1 {
		return fail(kernelmsg.EINVAL)
	}
	if err := k.gpio.ConfigureOutput(int(n), uint8(value)); err != nil {
		return fail(kernelmsg.EIO)
	}
	return kernelmsg.Result{Value: a.open(&gpioFile{gpio: int(n), output: true})}
}

func sysGPIOGetValue(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result {
	f, ok := a.fds[args.Ints[0]]
	if !ok {
		return fail(kernelmsg.EBADF)
	}
	v, err := k.gpio.Get(f.gpio)
	if err != nil {
		return fail(kernelmsg.EIO)
	}
	return kernelmsg.Result{Value: 0, Data: []byte{v}}
}

func sysGPIOSetValue(k *Kernel, a *app, args kernelmsg.Args) kernelmsg.Result {
	f, ok := a.fds[args.Ints[0]]
	if !ok {
		return fail(kernelmsg.EBADF)
	}
	v := args.Ints[1]
	if v < 0 || v > 1 {
		return fail(kernelmsg.EINVAL)
	}
	if !f.output {
		return kernelmsg.Result{} // no effect on inputs (reference §6)
	}
	if err := k.gpio.Set(f.gpio, uint8(v)); err != nil {
		return fail(kernelmsg.EIO)
	}
	return kernelmsg.Result{}
}

func (k *Kernel) appExited(m mailbox.Message) {
	e, err := kernelmsg.UnmarshalAppExited(m.Payload)
	if err != nil {
		k.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	cid := ""
	if k.app != nil {
		cid = k.app.cid
	}
	f := []trace.Field{trace.Str("cid", cid), trace.Int("code", int64(e.Code)), trace.Int("signal", int64(e.Signal))}
	if e.Detail != "" {
		f = append(f, trace.Str("detail", e.Detail))
	}
	k.tr.Emit(trace.Kernel, "app.exit", f...)
	k.app = nil
	n := devicemsg.AppExit{ComponentID: cid, Code: e.Code, Signal: e.Signal}
	_, _ = k.ep.Send(mailbox.Device, devicemsg.KindAppExit, n.Marshal())
}
