package kernel

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
)

func TestTimerfdCountsExpiries(t *testing.T) {
	cases := []struct {
		name           string
		next, interval int64
		now            int64
		count          uint64
		nextAfter      int64
	}{
		{"not yet", 100, 0, 99, 0, 100},
		{"one-shot fires once", 100, 0, 500, 1, 0},
		{"periodic, exactly at expiry", 100, 50, 100, 1, 150},
		{"periodic, several missed", 100, 50, 260, 4, 300},
		{"disarmed", 0, 50, 1000, 0, 0},
	}
	for _, c := range cases {
		tf := &timerfd{next: c.next, interval: c.interval}
		tf.update(c.now)
		require.Equal(t, c.count, tf.count, c.name)
		require.Equal(t, c.nextAfter, tf.next, c.name)
	}
}

func TestSeek(t *testing.T) {
	cases := []struct {
		pos, size, off int64
		whence         int
		want           int64
		errno          kernelmsg.Errno
	}{
		{0, 10, 4, 0, 4, 0},
		{4, 10, 2, 1, 6, 0},
		{4, 10, -3, 2, 7, 0},
		{4, 10, 20, 0, 20, 0}, // past the end is allowed; a write there extends the file
		{4, 10, -5, 1, 0, kernelmsg.EINVAL},
		{4, 10, 0, 3, 0, kernelmsg.EINVAL},
		{1<<62 + 1<<61, 10, 1 << 62, 1, 0, kernelmsg.EINVAL}, // overflow
	}
	for i, c := range cases {
		pos := c.pos
		got, e := seekTo(&pos, c.size, c.off, c.whence)
		require.Equal(t, c.errno, e, "case %d", i)
		if e == 0 {
			require.Equal(t, c.want, got, "case %d", i)
		}
	}
}

func TestPeripheralClaimsCoverTheManifest(t *testing.T) {
	m, err := manifest.Parse([]byte(`{"SchemaVersion":1,"Name":"x","ComponentId":"da24e045-eb65-4f85-9654-8f843d5735a2","EntryPoint":"/bin/app","CmdArgs":[],
	"Capabilities":{"Gpio":[12,13],"Uart":["ISU0"],"I2cMaster":["ISU2"],"SpiMaster":["ISU1"],"Pwm":["PWM-CONTROLLER-2"],"Adc":["ADC-CONTROLLER-0"]},"ApplicationType":"Default"}`))
	require.NoError(t, err)
	claims, err := peripheralClaims(m)
	require.NoError(t, err)
	var got []string
	for _, c := range claims {
		got = append(got, c.Type.String()+":"+string(rune('0'+c.Index)))
		require.Equal(t, m.ComponentID, c.ComponentID)
	}
	require.Equal(t, []string{"gpio:<", "gpio:=", "uart:0", "i2c:2", "spi-master:1", "pwm:2", "adc:0"}, got)
	p := newProcess(m, nil, nil)
	require.True(t, p.hasISU(secmonmsg.PeripheralI2C, 2))
	require.False(t, p.hasISU(secmonmsg.PeripheralI2C, 0), "ISU0 is granted as a UART, not I2C")
	require.True(t, hasController(m.Capabilities.Pwm, "PWM-CONTROLLER-", 2))
	require.False(t, hasController(m.Capabilities.Pwm, "PWM-CONTROLLER-", 1))
}

func TestDescriptorsAreLowestFree(t *testing.T) {
	m, err := manifest.Parse([]byte(`{"SchemaVersion":1,"Name":"x","ComponentId":"da24e045-eb65-4f85-9654-8f843d5735a2","EntryPoint":"/bin/app","CmdArgs":[],"Capabilities":{},"ApplicationType":"Default"}`))
	require.NoError(t, err)
	p := newProcess(m, nil, nil)
	p.reset(nil)
	a, _ := p.install(&timerfd{})
	b, _ := p.install(&timerfd{})
	require.EqualValues(t, firstAppFD, a)
	require.EqualValues(t, firstAppFD+1, b)
	delete(p.fds, a)
	c, _ := p.install(&timerfd{})
	require.Equal(t, a, c)
	for len(p.fds) < maxFDs {
		_, e := p.install(&timerfd{})
		require.Zero(t, e)
	}
	_, e := p.install(&timerfd{})
	require.Equal(t, kernelmsg.EMFILE, e)
}
