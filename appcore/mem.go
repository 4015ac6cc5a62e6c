package appcore

import (
	"encoding/binary"

	"github.com/tetratelabs/wazero/api"
)

// Guest memory helpers. Every guest pointer is untrusted: a range outside
// the module's memory makes ok false, and the caller answers EFAULT.

// readBytes copies n bytes at ptr.
func readBytes(m api.Module, ptr, n uint32) ([]byte, bool) {
	if uint64(ptr)+uint64(n) > uint64(m.Memory().Size()) {
		return nil, false
	}
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

// writeBytes writes b at ptr.
func writeBytes(m api.Module, ptr uint32, b []byte) bool {
	if uint64(ptr)+uint64(len(b)) > uint64(m.Memory().Size()) {
		return false
	}
	return m.Memory().Write(ptr, b)
}

func writeU32(m api.Module, ptr, v uint32) bool {
	return writeBytes(m, ptr, binary.LittleEndian.AppendUint32(nil, v))
}

func writeU64(m api.Module, ptr uint32, v uint64) bool {
	return writeBytes(m, ptr, binary.LittleEndian.AppendUint64(nil, v))
}

// iovec is one WASI ciovec/iovec: a buffer in guest memory.
type iovec struct{ ptr, len uint32 }

// maxIovecs bounds one scatter/gather list (IOV_MAX).
const maxIovecs = 1024

// readIovecs reads n 8-byte iovec records at ptr.
func readIovecs(m api.Module, ptr, n uint32) ([]iovec, bool) {
	if n > maxIovecs {
		return nil, false
	}
	raw, ok := readBytes(m, ptr, n*8)
	if !ok {
		return nil, false
	}
	out := make([]iovec, n)
	for i := range out {
		out[i] = iovec{binary.LittleEndian.Uint32(raw[8*i:]), binary.LittleEndian.Uint32(raw[8*i+4:])}
		if uint64(out[i].ptr)+uint64(out[i].len) > uint64(m.Memory().Size()) {
			return nil, false
		}
	}
	return out, true
}

// gather concatenates the bytes of a ciovec list, up to limit bytes.
func gather(m api.Module, iovs []iovec, limit int) ([]byte, bool) {
	var out []byte
	for _, v := range iovs {
		n := min(int(v.len), limit-len(out))
		if n <= 0 {
			break
		}
		b, ok := readBytes(m, v.ptr, uint32(n))
		if !ok {
			return nil, false
		}
		out = append(out, b...)
	}
	return out, true
}

// capacity is the total length of an iovec list, capped at limit.
func capacity(iovs []iovec, limit int) int {
	total := 0
	for _, v := range iovs {
		total += int(v.len)
		if total >= limit {
			return limit
		}
	}
	return total
}

// scatter copies data into an iovec list.
func scatter(m api.Module, iovs []iovec, data []byte) bool {
	for _, v := range iovs {
		if len(data) == 0 {
			break
		}
		n := min(int(v.len), len(data))
		if !writeBytes(m, v.ptr, data[:n]) {
			return false
		}
		data = data[n:]
	}
	return true
}
