package mailbox_test

import (
	"testing"

	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
)

// BenchmarkRoundTrip measures a request/reply between two domains through
// the bus (encode, FIFO, scheduler hand-off, decode), to compare with
// BenchmarkChannelPingPong.
func BenchmarkRoundTrip(b *testing.B) {
	s := sim.New(1)
	bus := mailbox.NewBus(s, nil)
	srv := bus.Open(mailbox.Pluton, 0)
	cli := bus.Open(mailbox.Kernel, 0)
	payload := make([]byte, 32)
	s.Spawn("server", func(p *sim.Proc) {
		srv.Bind(p)
		for {
			m := srv.Recv()
			_ = srv.Reply(m, m.Payload)
		}
	})
	s.Spawn("client", func(p *sim.Proc) {
		cli.Bind(p)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := cli.Call(mailbox.Pluton, 1, payload, 0); err != nil {
				b.Error(err)
				return
			}
		}
		b.StopTimer()
		s.Stop("done")
	})
	s.Run(sim.Forever)
	s.Shutdown()
}

// BenchmarkChannelPingPong is the baseline: a raw Go channel round trip
// between two goroutines carrying the same payload.
func BenchmarkChannelPingPong(b *testing.B) {
	req, resp := make(chan []byte), make(chan []byte)
	go func() {
		for m := range req {
			resp <- m
		}
	}()
	payload := make([]byte, 32)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req <- payload
		<-resp
	}
	close(req)
}
