package fault

import "bytes"

// needleFinder finds the checker's needles (parts of secrets, at least
// needleLen bytes each) in one pass over the bytes, instead of one search
// per needle: a bitset of a hash of every needle's first four bytes rules
// out almost every offset with one lookup, and the needles that start with
// the four bytes at a remaining offset are compared there.
type needleFinder struct {
	filter   [1 << 16 / 64]uint64
	byPrefix map[uint32][]int // first four bytes (little-endian) → needle indices, ascending
}

func prefixHash(v uint32) uint32 { return (v * 0x9E3779B1) >> 16 }

// add indexes needle k, whose bytes are b.
func (f *needleFinder) add(b []byte, k int) {
	if f.byPrefix == nil {
		f.byPrefix = map[uint32][]int{}
	}
	v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	h := prefixHash(v)
	f.filter[h>>6] |= 1 << (h & 63)
	f.byPrefix[v] = append(f.byPrefix[v], k)
}

// find returns the lowest-numbered needle that occurs in b and the offset
// of its first occurrence, or -1, -1: what searching b for each needle in
// turn gives.
func find[T string | []byte](f *needleFinder, needles []needle, b T) (int, int) {
	best, at := -1, -1
	for j := 0; j+needleLen <= len(b); j++ {
		v := uint32(b[j]) | uint32(b[j+1])<<8 | uint32(b[j+2])<<16 | uint32(b[j+3])<<24
		h := prefixHash(v)
		if f.filter[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, k := range f.byPrefix[v] {
			if best >= 0 && k >= best {
				break // indices ascend: none here beats best
			}
			if hasPrefixAt(b, j, needles[k].b) {
				best, at = k, j
				break
			}
		}
	}
	return best, at
}

func hasPrefixAt[T string | []byte](b T, j int, n []byte) bool {
	if len(b)-j < len(n) {
		return false
	}
	for i, c := range n {
		if b[j+i] != c {
			return false
		}
	}
	return true
}

// contains is bytes.Contains(b, sub), faster for a long sub (a module in
// an image): it looks for sub's first bytes with the vectorized short
// search and compares the rest where they occur, instead of a rolling
// hash over all of b.
func contains(b, sub []byte) bool {
	const head = 32
	if len(sub) <= head {
		return bytes.Contains(b, sub)
	}
	for i := 0; i+len(sub) <= len(b); {
		j := bytes.Index(b[i:len(b)-len(sub)+head], sub[:head])
		if j < 0 {
			return false
		}
		i += j
		if bytes.Equal(b[i+head:i+len(sub)], sub[head:]) {
			return true
		}
		i++
	}
	return false
}
