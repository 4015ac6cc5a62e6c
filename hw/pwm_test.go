package hw_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

func TestPWMApply(t *testing.T) {
	cases := []struct {
		name         string
		ch           int
		period, duty uint32
		polarity     int
		want         string // "" for success
		wantErr      error
	}{
		{"LED dimming", 0, 20_000, 5_000, 0, "", nil},
		{"full on", 3, 1_000_000, 1_000_000, 1, "", nil},
		{"longest at any duty", 1, 2 * hw.PWMMaxOnNs, hw.PWMMaxOnNs, 0, "", nil},
		{"one tick", 2, 500, 0, 0, "", nil},
		{"channel 4", 4, 1000, 0, 0, "channel 4 does not exist", hw.ErrNoDevice},
		{"channel -1", -1, 1000, 0, 0, "channel -1 does not exist", hw.ErrNoDevice},
		{"zero period", 0, 0, 0, 0, "period is 0", hw.ErrInvalid},
		{"duty beyond period", 0, 1000, 1001, 0, "duty cycle 1001 ns exceeds the period 1000 ns", hw.ErrInvalid},
		{"off time too long", 0, 40_000_000, 0, 0, "off time 40000000 ns must each be at most 32767500 ns", hw.ErrInvalid},
		{"on time too long", 0, 40_000_000, 40_000_000, 0, "on time 40000000 ns", hw.ErrInvalid},
		{"polarity 2", 0, 1000, 0, 2, "polarity 2", hw.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bn := newBench(t)
			p := bn.board.PWM[2]
			err := p.Apply(tc.ch, tc.period, tc.duty, tc.polarity, true)
			if tc.want != "" {
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorContains(t, err, "pwm controller 2")
				require.ErrorContains(t, err, tc.want)
				require.Empty(t, bn.rec.Named("pwm.set"))
				return
			}
			require.NoError(t, err)
			st, err := p.State(tc.ch)
			require.NoError(t, err)
			require.Equal(t, hw.PWMState{PeriodNs: tc.period, DutyNs: tc.duty, Polarity: tc.polarity, Enabled: true}, st)
			e, ok := bn.rec.First("pwm.set")
			require.True(t, ok)
			require.Equal(t, []string{"2", strconv.Itoa(tc.ch), strconv.Itoa(tc.polarity), "true"},
				[]string{e.Str("controller"), e.Str("ch"), e.Str("polarity"), e.Str("enabled")})
			require.EqualValues(t, tc.period, e.Fields[2].Val)
			require.EqualValues(t, tc.duty, e.Fields[3].Val)
		})
	}
}

func TestPWMStartsDisabled(t *testing.T) {
	p := hw.NewPWM(0, nil)
	for ch := range hw.PWMChannels {
		st, err := p.State(ch)
		require.NoError(t, err)
		require.Equal(t, hw.PWMState{}, st)
	}
	_, err := p.State(4)
	require.ErrorIs(t, err, hw.ErrNoDevice)
	require.NoError(t, p.Apply(1, 1000, 500, 0, true))
	require.NoError(t, p.Apply(1, 1000, 500, 0, false))
	st, _ := p.State(1)
	require.False(t, st.Enabled)
}
