package hw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// bench is a board on a simulated timeline with a trace recorder.
type bench struct {
	sim   *sim.Sim
	rec   *trace.Recorder
	board *hw.Board
	raise int // calls of the board's input line
}

func newBench(t *testing.T) *bench {
	t.Helper()
	s := sim.New(1)
	rec := &trace.Recorder{}
	b := &bench{sim: s, rec: rec}
	b.board = hw.NewBoard(trace.New(s.Now, rec), s.Now, s.Schedule)
	b.board.OnInput(func() { b.raise++ })
	return b
}

// runTo advances the timeline to t, running what is due.
func (b *bench) runTo(t int64) {
	b.sim.Schedule(t, func() {})
	b.sim.Run(t)
}

func TestNewBoardHasRDBDefaults(t *testing.T) {
	b := newBench(t).board
	for _, pin := range []int{hw.ButtonA, hw.ButtonB} {
		require.NoError(t, b.GPIO.ConfigureInput(pin))
		v, err := b.GPIO.Get(pin)
		require.NoError(t, err)
		require.EqualValues(t, 1, v, "button on GPIO %d reads high when released", pin)
	}
	for i, u := range b.UART {
		require.True(t, u.Loopback(), "UART %d", i)
		require.Equal(t, hw.DefaultUARTConfig(), u.Config())
		require.Equal(t, i, u.ISU())
		require.Equal(t, i, b.I2C[i].ISU())
		require.Equal(t, i, b.SPI[i].ISU())
	}
	for i, p := range b.PWM {
		require.Equal(t, i, p.Index())
	}
	got, err := b.I2C[2].Transfer(0x6A, []byte{hw.LSM6DS3RegWhoAmI}, 1)
	require.NoError(t, err)
	require.Equal(t, []byte{hw.LSM6DS3ID}, got)
	rd := make([]byte, 1)
	require.NoError(t, b.SPI[1].Transfer(hw.SPIChipSelectA, []hw.SPISegment{{Write: []byte{0x80 | hw.LSM6DS3RegWhoAmI}}, {Read: rd}}))
	require.Equal(t, []byte{hw.LSM6DS3ID}, rd)
	require.Equal(t, 8, b.ADC.Channels())
	require.Equal(t, 12, b.ADC.BitCount())
	require.Equal(t, 2.5, b.ADC.Reference(0))
}

func TestOnInputFiresForEveryExternalChange(t *testing.T) {
	cases := []struct {
		name   string
		change func(b *hw.Board)
	}{
		{"gpio drive", func(b *hw.Board) { require.NoError(t, b.GPIO.Drive(hw.ButtonA, 0)) }},
		{"uart inject", func(b *hw.Board) { b.UART[3].Inject([]byte("x")) }},
		{"adc voltage", func(b *hw.Board) { require.NoError(t, b.ADC.SetVoltage(1, 1.0)) }},
		{"adc source", func(b *hw.Board) { require.NoError(t, b.ADC.SetSource(1, func(int64) float64 { return 1 })) }},
		{"acceleration", func(b *hw.Board) { b.Accel.SetAcceleration(1, 0, 0) }},
		{"angular rate", func(b *hw.Board) { b.Accel.SetAngularRate(0, 0, 90) }},
		{"temperature", func(b *hw.Board) { b.Accel.SetTemperature(30) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bn := newBench(t)
			second := 0
			bn.board.OnInput(func() { second++ })
			tc.change(bn.board)
			require.Equal(t, 1, bn.raise)
			require.Equal(t, 1, second, "every hook is called")
		})
	}
}

func TestOutputsDoNotRaiseTheInputLine(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	require.NoError(t, b.GPIO.ConfigureOutput(8, 1))
	require.NoError(t, b.GPIO.Set(8, 0))
	require.NoError(t, b.PWM[2].Apply(0, 1000, 500, 0, true))
	_, err := b.ADC.Sample(0)
	require.NoError(t, err)
	require.Equal(t, 0, bn.raise)
}

func TestNewBoardToleratesNilClockAndScheduler(t *testing.T) {
	b := hw.NewBoard(nil, nil, nil)
	n, err := b.UART[0].Write([]byte("hi"))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, 2, b.UART[0].Buffered(), "without a scheduler, loopback bytes arrive at once")
	_, err = b.UART[0].BridgeTCP("127.0.0.1:0")
	require.ErrorIs(t, err, hw.ErrInvalid)
}

func TestFlashOpHookTearsAndFails(t *testing.T) {
	f, err := hw.NewFlash(4*hw.FlashBlockSize, nil)
	require.NoError(t, err)
	var seen []hw.FlashOp
	outcome := map[uint64]hw.FlashOutcome{2: hw.FlashTear, 3: hw.FlashFail, 5: hw.FlashTear}
	f.SetOpHook(func(op hw.FlashOp) hw.FlashOutcome {
		seen = append(seen, op)
		return outcome[op.N]
	})
	require.NoError(t, f.Program(0, []byte{1, 2, 3, 4}))                   // op 1
	require.ErrorIs(t, f.Program(8, []byte{1, 2, 3, 4}), hw.ErrFlashFault) // op 2: torn
	require.ErrorIs(t, f.Program(16, []byte{1}), hw.ErrFlashFault)         // op 3: failed
	got, _ := f.Read(0, 17)
	require.Equal(t, []byte{1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, got)
	require.NoError(t, f.Program(hw.FlashBlockSize-1, []byte{0})) // op 4
	require.ErrorIs(t, f.Erase(5), hw.ErrFlashFault)              // op 5: half the block erased
	got, _ = f.Read(0, 4)
	require.Equal(t, []byte{0xFF, 0xFF, 0xFF, 0xFF}, got)
	last, _ := f.Read(hw.FlashBlockSize-1, 1)
	require.Equal(t, []byte{0}, last, "the second half of a torn erase keeps its bits")
	require.EqualValues(t, 5, f.Ops())
	require.Len(t, seen, 5)
	require.True(t, seen[4].Erase)
	require.EqualValues(t, 0, seen[4].Offset)
}
