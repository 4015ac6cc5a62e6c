package fuel

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLEB128(t *testing.T) {
	u := []struct {
		in   []byte
		bits uint
		want uint64
		n    int
		err  error
	}{
		{[]byte{0x00}, 32, 0, 1, nil},
		{[]byte{0x80, 0x00}, 32, 0, 2, nil},                   // padded: valid
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, 5, nil}, // padded to the maximum
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, math.MaxUint32, 5, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, 0, 0, errLEBOverflow}, // bit 32 set
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, 0, errLEBOverlong},
		{[]byte{0x80, 0x80}, 32, 0, 0, errLEBTruncated},
		{nil, 32, 0, 0, errLEBTruncated},
		{[]byte{0xe5, 0x8e, 0x26}, 32, 624485, 3, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, math.MaxUint64, 10, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 64, 0, 0, errLEBOverflow},
	}
	for _, c := range u {
		v, n, err := decodeULEB(c.in, c.bits)
		require.Equal(t, c.err, err, "% x", c.in)
		if err == nil {
			require.Equal(t, c.want, v, "% x", c.in)
			require.Equal(t, c.n, n, "% x", c.in)
		}
	}

	s := []struct {
		in   []byte
		bits uint
		want int64
		err  error
	}{
		{[]byte{0x7f}, 32, -1, nil},
		{[]byte{0xff, 0x7f}, 32, -1, nil}, // padded
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x78}, 32, math.MinInt32, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x07}, 32, math.MaxInt32, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, 0, errLEBOverflow}, // 2^32-1 is not an s32
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 32, 0, errLEBOverflow},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 32, 0, errLEBOverlong},
		{[]byte{0x40}, 33, -64, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 33, math.MaxUint32, nil}, // s33 holds every u32
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 33, 0, errLEBOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 33, -(1 << 32), nil},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 64, math.MinInt64, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 64, math.MaxInt64, nil},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, 0, errLEBOverflow},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 64, 0, errLEBOverlong},
	}
	for _, c := range s {
		v, _, err := decodeSLEB(c.in, c.bits)
		require.Equal(t, c.err, err, "% x", c.in)
		if err == nil {
			require.Equal(t, c.want, v, "% x", c.in)
		}
	}

	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 127, 128, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		b := appendSLEB(nil, v)
		got, n, err := decodeSLEB(b, 64)
		require.NoError(t, err)
		require.Equal(t, v, got)
		require.Equal(t, len(b), n)
	}
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, math.MaxUint32, math.MaxUint64} {
		b := appendULEB(nil, v)
		got, n, err := decodeULEB(b, 64)
		require.NoError(t, err)
		require.Equal(t, v, got)
		require.Equal(t, len(b), n)
	}
}
