package hw_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

func TestUARTLoopbackBytesArriveAfterTheirFrameTime(t *testing.T) {
	cases := []struct {
		name    string
		cfg     hw.UARTConfig
		in, out []byte
		arrive  []int64 // arrival time of each byte
	}{
		{
			name: "115200 8N1: 10 bits a byte",
			cfg:  hw.DefaultUARTConfig(),
			in:   []byte("hello"), out: []byte("hello"),
			arrive: []int64{86805, 173611, 260416, 347222, 434027},
		},
		{
			name: "9600 7E2: 11 bits a byte, masked to 7 bits",
			cfg:  hw.UARTConfig{BaudRate: 9600, DataBits: 7, Parity: hw.ParityEven, StopBits: 2},
			in:   []byte{0xFF, 0x41}, out: []byte{0x7F, 0x41},
			arrive: []int64{1145833, 2291666},
		},
		{
			name: "3000000 5O1: 8 bits a byte, masked to 5 bits",
			cfg:  hw.UARTConfig{BaudRate: 3000000, DataBits: 5, Parity: hw.ParityOdd, StopBits: 1, FlowControl: hw.FlowRTSCTS},
			in:   []byte{0xFF}, out: []byte{0x1F},
			arrive: []int64{2666},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bn := newBench(t)
			u := bn.board.UART[0]
			require.NoError(t, u.Configure(tc.cfg))
			bn.runTo(1000) // start mid-timeline
			n, err := u.Write(tc.in)
			require.NoError(t, err)
			require.Equal(t, len(tc.in), n)
			require.Equal(t, len(tc.in), u.TxPending())
			for i, at := range tc.arrive {
				bn.runTo(1000 + at - 1)
				require.Equal(t, i, u.Buffered(), "before byte %d arrives", i)
				bn.runTo(1000 + at)
				require.Equal(t, i+1, u.Buffered(), "when byte %d arrives", i)
				require.Equal(t, i+1, bn.raise, "each arrival raises the input line")
			}
			require.Equal(t, 0, u.TxPending())
			got := make([]byte, 16)
			require.Equal(t, len(tc.out), u.Read(got))
			require.Equal(t, tc.out, got[:len(tc.out)])
			require.Equal(t, 0, u.Read(got), "reads never block")
		})
	}
}

func TestUARTBackToBackWritesQueueOnTheLine(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[1]
	_, err := u.Write([]byte("ab"))
	require.NoError(t, err)
	bn.runTo(100_000) // "a" is in, "b" is on the line
	_, err = u.Write([]byte("c"))
	require.NoError(t, err)
	bn.runTo(260_415)
	require.Equal(t, 2, u.Buffered())
	bn.runTo(260_416) // "c" follows "b" without a gap
	require.Equal(t, 3, u.Buffered())
}

func TestUARTReconfigureDuringABurstTakesEffectForTheNextByte(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[0]
	_, err := u.Write([]byte("ab"))
	require.NoError(t, err)
	require.NoError(t, u.Configure(hw.UARTConfig{BaudRate: 9600, DataBits: 8, StopBits: 1}))
	bn.runTo(86805) // the byte on the line finishes at the old rate
	require.Equal(t, 1, u.Buffered())
	bn.runTo(86805 + 1041666 - 1)
	require.Equal(t, 1, u.Buffered())
	bn.runTo(86805 + 1041666)
	require.Equal(t, 2, u.Buffered())
}

func TestUARTWithoutLoopbackSendsIntoTheVoid(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[0]
	u.SetLoopback(false)
	_, err := u.Write([]byte("lost"))
	require.NoError(t, err)
	bn.runTo(sim.Second)
	require.Equal(t, 0, u.Buffered())
	require.Equal(t, 0, u.TxPending())
	require.Equal(t, 0, bn.raise)
}

func TestUARTTransmitBufferFillsUp(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[0]
	u.SetLoopback(false)
	big := make([]byte, hw.UARTTxBufferSize+10)
	n, err := u.Write(big)
	require.NoError(t, err)
	require.Equal(t, hw.UARTTxBufferSize, n, "a short write, like a non-blocking write(2)")
	n, err = u.Write([]byte{1})
	require.ErrorIs(t, err, hw.ErrWouldBlock)
	require.ErrorContains(t, err, "transmit buffer full")
	require.Equal(t, 0, n)
	bn.runTo(86805) // one byte has left
	n, err = u.Write([]byte{1, 2})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = u.Write(nil)
	require.NoError(t, err)
	require.Equal(t, 0, n)
}

func TestUARTInjectAndOverflow(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[4]
	u.Inject([]byte("hi\n"))
	require.Equal(t, 3, u.Buffered(), "injected bytes arrive at once")
	e, ok := bn.rec.First("uart.rx")
	require.True(t, ok)
	require.Equal(t, "4", e.Str("isu"))
	require.Equal(t, "3", e.Str("len"))
	require.Equal(t, "hi\n", e.Str("text"))

	u.Inject(make([]byte, hw.UARTRxBufferSize)) // 3 bytes too many
	require.Equal(t, hw.UARTRxBufferSize, u.Buffered())
	u.Inject([]byte("more")) // same episode: counted, no second event
	require.Len(t, bn.rec.Named("uart.overflow"), 1)
	require.Equal(t, "3", bn.rec.Named("uart.overflow")[0].Str("dropped"))
	require.EqualValues(t, 7, u.Dropped())

	got := make([]byte, 10)
	require.Equal(t, 10, u.Read(got))
	require.Equal(t, []byte("hi\n"), got[:3])
	u.Inject(make([]byte, 12)) // a new episode
	require.Len(t, bn.rec.Named("uart.overflow"), 2)
	require.Equal(t, "2", bn.rec.Named("uart.overflow")[1].Str("dropped"))
	u.Inject(nil)
	require.Len(t, bn.rec.Named("uart.rx"), 4, "empty input is not an event")
}

func TestUARTTraceShowsTextOrHex(t *testing.T) {
	cases := []struct {
		in        []byte
		key, want string
	}{
		{[]byte("Hello\r\n\tworld"), "text", "Hello\r\n\tworld"},
		{[]byte("grüße"), "text", "grüße"},
		{[]byte{0x1b, '[', '2', 'J'}, "hex", "1b5b324a"},
		{[]byte{0xff, 0x00}, "hex", "ff00"},
		{[]byte("del\x7f"), "hex", "64656c7f"},
	}
	for _, tc := range cases {
		bn := newBench(t)
		_, err := bn.board.UART[2].Write(tc.in)
		require.NoError(t, err)
		e, ok := bn.rec.First("uart.tx")
		require.True(t, ok)
		require.Equal(t, "2", e.Str("isu"))
		require.Equal(t, tc.want, e.Str(tc.key), "%q", tc.in)
		other := map[string]string{"text": "hex", "hex": "text"}[tc.key]
		_, has := e.Get(other)
		require.False(t, has)
	}
}

func TestUARTConfigureRejectsWhatTheMT3620Cannot(t *testing.T) {
	ok := hw.DefaultUARTConfig()
	with := func(f func(c *hw.UARTConfig)) hw.UARTConfig { c := ok; f(&c); return c }
	cases := []struct {
		name string
		cfg  hw.UARTConfig
		want string // "" for success
	}{
		{"default", ok, ""},
		{"slowest", with(func(c *hw.UARTConfig) { c.BaudRate = 1200 }), ""},
		{"fastest", with(func(c *hw.UARTConfig) { c.BaudRate = 3000000 }), ""},
		{"odd rate", with(func(c *hw.UARTConfig) { c.BaudRate = 14400 }), "baud rate 14400 is not one the MT3620 supports"},
		{"zero rate", with(func(c *hw.UARTConfig) { c.BaudRate = 0 }), "baud rate 0"},
		{"too fast", with(func(c *hw.UARTConfig) { c.BaudRate = 4000000 }), "baud rate 4000000"},
		{"4 data bits", with(func(c *hw.UARTConfig) { c.DataBits = 4 }), "4 data bits: want 5 to 8"},
		{"9 data bits", with(func(c *hw.UARTConfig) { c.DataBits = 9 }), "9 data bits"},
		{"parity 3", with(func(c *hw.UARTConfig) { c.Parity = 3 }), "parity 3"},
		{"0 stop bits", with(func(c *hw.UARTConfig) { c.StopBits = 0 }), "0 stop bits"},
		{"3 stop bits", with(func(c *hw.UARTConfig) { c.StopBits = 3 }), "3 stop bits"},
		{"flow 3", with(func(c *hw.UARTConfig) { c.FlowControl = 3 }), "flow control 3"},
		{"xon/xoff", with(func(c *hw.UARTConfig) { c.FlowControl = hw.FlowXONXOFF }), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := hw.NewUART(3, nil, nil, nil)
			err := u.Configure(tc.cfg)
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, tc.cfg, u.Config())
				return
			}
			require.ErrorIs(t, err, hw.ErrInvalid)
			require.ErrorContains(t, err, "uart ISU3: "+tc.want)
			require.Equal(t, hw.DefaultUARTConfig(), u.Config(), "a refused configuration changes nothing")
		})
	}
	rates := hw.UARTBaudRates()
	require.Len(t, rates, 19)
	rates[0] = 1 // a copy
	require.EqualValues(t, 1200, hw.UARTBaudRates()[0])
}

func TestUARTBridgeForwardsBothWays(t *testing.T) {
	bn := newBench(t)
	u := bn.board.UART[0]
	br, err := u.BridgeTCP("127.0.0.1:0")
	require.NoError(t, err)
	defer br.Close()
	require.False(t, u.Loopback(), "the TX line now goes to the socket")
	_, err = u.BridgeTCP("127.0.0.1:0")
	require.ErrorContains(t, err, "already bridged")

	c, err := net.Dial("tcp", br.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for u.Buffered() < 4 && time.Now().Before(deadline) {
		bn.runTo(bn.sim.Now() + hw.BridgePollInterval)
		time.Sleep(time.Millisecond)
	}
	got := make([]byte, 8)
	require.Equal(t, 4, u.Read(got))
	require.Equal(t, "ping", string(got[:4]))
	require.Equal(t, int64(0), bn.sim.Now()%hw.BridgePollInterval, "bytes arrive on a poll tick")

	_, err = u.Write([]byte("pong"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "pong", string(buf))

	require.NoError(t, br.Close())
	require.NoError(t, br.Close(), "Close is idempotent")
	require.Equal(t, "idle", bn.sim.Run(sim.Forever), "polling stops once the bridge is closed")
	br2, err := u.BridgeTCP("localhost:0")
	require.NoError(t, err, "a closed bridge can be replaced")
	require.NoError(t, br2.Close())
}

func TestUARTBridgeListensOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.com:0", "[::]:0"} {
		u := newBench(t).board.UART[0]
		_, err := u.BridgeTCP(addr)
		require.ErrorIs(t, err, hw.ErrInvalid, addr)
		require.ErrorContains(t, err, "not a loopback address")
	}
	u := newBench(t).board.UART[0]
	_, err := u.BridgeTCP("no-port")
	require.ErrorContains(t, err, `bridge address "no-port"`)
	br, err := u.BridgeTCP(":0")
	require.NoError(t, err)
	require.True(t, br.Addr().(*net.TCPAddr).IP.IsLoopback())
	require.NoError(t, br.Close())
}
