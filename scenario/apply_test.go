package scenario_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/trace"
)

// fakeClock is a minimal scheduler: a virtual clock and the functions due,
// run in (time, scheduling order).
type fakeClock struct {
	now   int64
	seq   int
	queue []pending
}

type pending struct {
	at  int64
	seq int
	f   func()
}

func (c *fakeClock) Now() int64 { return c.now }

func (c *fakeClock) Schedule(at int64, f func()) {
	c.seq++
	c.queue = append(c.queue, pending{max(at, c.now), c.seq, f})
}

// runTo runs everything due up to t and leaves the clock at t.
func (c *fakeClock) runTo(t int64) {
	for {
		sort.Slice(c.queue, func(i, j int) bool {
			if c.queue[i].at != c.queue[j].at {
				return c.queue[i].at < c.queue[j].at
			}
			return c.queue[i].seq < c.queue[j].seq
		})
		if len(c.queue) == 0 || c.queue[0].at > t {
			c.now = t
			return
		}
		p := c.queue[0]
		c.queue = c.queue[1:]
		c.now = p.at
		p.f()
	}
}

type rig struct {
	clock *fakeClock
	rec   *trace.Recorder
	board *hw.Board
}

func newRig(t *testing.T, src string) *rig {
	t.Helper()
	s, err := scenario.Parse([]byte(src))
	require.NoError(t, err)
	c := &fakeClock{}
	rec := &trace.Recorder{}
	b := hw.NewBoard(trace.New(c.Now, rec), c.Now, c.Schedule)
	require.NoError(t, s.Apply(c.Schedule, b))
	return &rig{clock: c, rec: rec, board: b}
}

func (r *rig) level(t *testing.T, pin int) uint8 {
	t.Helper()
	v, err := r.board.GPIO.Get(pin)
	require.NoError(t, err)
	return v
}

func TestApplyDrivesButtonsAndPinsAtTheirTimes(t *testing.T) {
	r := newRig(t, `{"inputs":[
		{"at":"1s","button":"A","repeat":{"every":"1s","count":2}},
		{"at":"500ms","button":"b","action":"press"},
		{"at":"2500ms","button":"B","action":"release"},
		{"at":"3s","button":"A","hold":"250ms"},
		{"at":"0s","gpio":40,"level":0}
	]}`)
	steps := []struct {
		at     int64
		a, b   uint8
		gpio40 uint8
	}{
		{0, 1, 1, 0},
		{499_999_999, 1, 1, 0},
		{500_000_000, 1, 0, 0},
		{1_000_000_000, 0, 0, 0},
		{1_099_999_999, 0, 0, 0},
		{1_100_000_000, 1, 0, 0}, // the default hold is 100 ms
		{2_000_000_000, 0, 0, 0},
		{2_100_000_000, 1, 0, 0},
		{2_500_000_000, 1, 1, 0},
		{3_000_000_000, 0, 1, 0},
		{3_249_999_999, 0, 1, 0},
		{3_250_000_000, 1, 1, 0},
	}
	for _, s := range steps {
		r.clock.runTo(s.at)
		require.Equal(t, s.a, r.level(t, hw.ButtonA), "button A at %d", s.at)
		require.Equal(t, s.b, r.level(t, hw.ButtonB), "button B at %d", s.at)
		require.Equal(t, s.gpio40, r.level(t, 40), "GPIO 40 at %d", s.at)
	}
	var got []string
	for _, e := range r.rec.Named("gpio.drive") {
		got = append(got, e.Str("gpio")+"="+e.Str("level")+"@"+fmtT(e.T))
	}
	require.Equal(t, []string{"40=0@0s", "13=0@500ms", "12=0@1s", "12=1@1.1s", "12=0@2s", "12=1@2.1s", "13=1@2.5s", "12=0@3s", "12=1@3.25s"}, got)
}

func TestApplyFeedsTheADC(t *testing.T) {
	r := newRig(t, `{"inputs":[
		{"at":"0s","adc":{"channel":1,"volts":1.25}},
		{"at":"2s","adc":{"channel":1,"sine":{"offset":1.25,"amplitude":1.0,"period":"4s"}}},
		{"at":"1s","adc":{"channel":2,"ramp":{"from":0,"to":2.5,"over":"1s"}}},
		{"at":"0s","adc":{"channel":3,"sine":{"offset":1,"amplitude":1,"period":"1s","phase":90}}}
	]}`)
	sample := func(ch int) uint32 {
		v, err := r.board.ADC.Sample(ch)
		require.NoError(t, err)
		return v
	}
	cases := []struct {
		at   int64
		ch   int
		want uint32
	}{
		{0, 1, 2048}, // 1.25 V of 2.5 V
		{1_999_999_999, 1, 2048},
		{2_000_000_000, 1, 2048}, // the sine starts at its offset
		{3_000_000_000, 1, 3686}, // a quarter period: 2.25 V
		{5_000_000_000, 1, 410},  // three quarters: 0.25 V
		{0, 2, 0},                // not yet set
		{1_000_000_000, 2, 0},
		{1_500_000_000, 2, 2048}, // half way up the ramp: 1.25 V
		{3_000_000_000, 2, 4095}, // the ramp holds its end
		{0, 3, 3276},             // phase 90°: offset + amplitude = 2 V
		{250_000_000, 3, 1638},   // 1 V
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].at < cases[j].at })
	for _, tc := range cases {
		r.clock.runTo(tc.at)
		require.Equal(t, tc.want, sample(tc.ch), "channel %d at %d", tc.ch, tc.at)
	}
	inputs := r.rec.Named("adc.input")
	require.Len(t, inputs, 4)
	require.Equal(t, "1.25", inputs[0].Str("volts"))
}

func TestApplySendsUARTBytesAndSetsTheSensor(t *testing.T) {
	r := newRig(t, `{"inputs":[
		{"at":"3s","uart":{"isu":0,"text":"hello\n"}},
		{"at":"4s","uart":{"isu":4,"hex":"DE AD be ef"}},
		{"at":"1s","accel":{"x":0.5,"y":0,"z":1}},
		{"at":"2s","gyro":{"x":0,"y":0,"z":100}},
		{"at":"2s","temperature":30}
	]}`)
	u0, u4 := r.board.UART[0], r.board.UART[4]
	r.clock.runTo(2_999_999_999)
	require.Zero(t, u0.Buffered())
	r.clock.runTo(3_000_000_000)
	buf := make([]byte, 16)
	require.Equal(t, 6, u0.Read(buf))
	require.Equal(t, "hello\n", string(buf[:6]))
	r.clock.runTo(4_000_000_000)
	require.Equal(t, 4, u4.Read(buf))
	require.Equal(t, []byte{0xde, 0xad, 0xbe, 0xef}, buf[:4])

	i2c := r.board.I2C[hw.AccelI2CISU]
	_, err := i2c.Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegCtrl1XL, 0x40, 0x40}, 0) // both parts at 104 Hz
	require.NoError(t, err)
	out, err := i2c.Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegOutTempL}, 14)
	require.NoError(t, err)
	word := func(i int) int16 { return int16(uint16(out[2*i]) | uint16(out[2*i+1])<<8) }
	require.Equal(t, []int16{80, 0, 0, 11429, 8197, 0, 16393}, []int16{word(0), word(1), word(2), word(3), word(4), word(5), word(6)})

	var when []string
	for _, e := range r.rec.Named("sensor.set") {
		when = append(when, e.Str("quantity")+"@"+fmtT(e.T))
	}
	require.Equal(t, []string{"acceleration@1s", "angular_rate@2s", "temperature@2s"}, when)
}

func TestApplyTakesTheNetworkDownAndUp(t *testing.T) {
	r := newRig(t, `{"inputs":[{"at":"1s","network":"down"},{"at":"5s","network":"up"}]}`)
	require.True(t, r.board.NetworkUp())
	r.clock.runTo(999_999_999)
	require.True(t, r.board.NetworkUp())
	r.clock.runTo(1_000_000_000)
	require.False(t, r.board.NetworkUp())
	r.clock.runTo(5_000_000_000)
	require.True(t, r.board.NetworkUp())
	var when []string
	for _, e := range r.rec.Named("net.link") {
		when = append(when, e.Str("up")+"@"+fmtT(e.T))
	}
	require.Equal(t, []string{"false@1s", "true@5s"}, when)
}

func TestApplyChecksTheBoardFirst(t *testing.T) {
	s, err := scenario.Parse([]byte(`{"inputs":[{"at":"1s","button":"A"},{"at":"1s","uart":{"isu":3,"text":"x"}}]}`))
	require.NoError(t, err)
	c := &fakeClock{}
	b := hw.NewBoard(nil, c.Now, c.Schedule)
	b.UART[3] = nil
	require.EqualError(t, s.Apply(c.Schedule, b), "scenario: inputs[1]: the board has no UART on ISU3")
	require.Empty(t, c.queue, "nothing is scheduled when the board lacks a part")
	require.Error(t, s.Apply(nil, b))
	require.Error(t, s.Apply(c.Schedule, nil))
	var none *scenario.Scenario
	require.Error(t, none.Apply(c.Schedule, b))
	for _, src := range []string{
		`{"inputs":[{"at":"1s","gpio":12,"level":0}]}`,
		`{"inputs":[{"at":"1s","adc":{"channel":0,"volts":1}}]}`,
		`{"inputs":[{"at":"1s","temperature":1}]}`,
	} {
		s, err := scenario.Parse([]byte(src))
		require.NoError(t, err)
		require.ErrorContains(t, s.Apply(c.Schedule, &hw.Board{}), "the board has no", src)
	}
}
