package secmon

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
)

// A small partition and file limit, so that a few dozen writes wrap the
// log and force reclaims: 10 blocks, files up to 3000 bytes (a record of
// one spans a block boundary).
const (
	testStorBase   = 4 * hw.FlashBlockSize
	testStorBlocks = 10
	testStorMax    = 3000
)

var (
	cidA    = [16]byte{0xa}
	cidB    = [16]byte{0xb}
	cidC    = [16]byte{0xc}
	cidD    = [16]byte{0xd}
	cidF    = [16]byte{0xf}
	cidEvil = [16]byte{0xe, 0x71}
)

func newTestFlash(t testing.TB) *hw.Flash {
	t.Helper()
	f, err := hw.NewFlash(32*hw.FlashBlockSize, nil)
	require.NoError(t, err)
	return f
}

func mountTest(t testing.TB, f flashDevice) *storageStore {
	t.Helper()
	s, err := mountStorage(f, testStorBase, testStorBlocks*hw.FlashBlockSize, hw.FlashBlockSize, testStorMax)
	require.NoError(t, err)
	return s
}

// forged is a payload that holds a well-formed record of another app (cidEvil) with a
// huge sequence number, and a forged block header: if the store ever
// parsed an app's payload as its own structures, the evil file would appear.
func forged(n int) []byte {
	rec := make([]byte, storRecSize(8))
	binary.LittleEndian.PutUint16(rec, storRecMagic)
	rec[2] = storKindFile
	copy(rec[4:], cidEvil[:])
	binary.LittleEndian.PutUint64(rec[20:], 1<<62)
	binary.LittleEndian.PutUint32(rec[28:], 8)
	copy(rec[storRecHdr:], "pwned!!!")
	binary.LittleEndian.PutUint32(rec[len(rec)-4:], crc32.ChecksumIEEE(rec[:len(rec)-4]))
	hdr := make([]byte, storBlockHdr)
	binary.LittleEndian.PutUint32(hdr, storBlockMagic)
	binary.LittleEndian.PutUint32(hdr[4:], 1<<30)
	binary.LittleEndian.PutUint32(hdr[12:], crc32.ChecksumIEEE(hdr[:12]))
	out := bytes.Repeat(append(hdr, rec...), n/(len(hdr)+len(rec))+1)
	return out[:n]
}

// op is one step of a workload: a write (data != nil) or a deletion.
type op struct {
	cid  [16]byte
	data []byte
	del  bool
}

func (o op) String() string {
	if o.del {
		return fmt.Sprintf("delete %x", o.cid[0])
	}
	return fmt.Sprintf("write %x (%d bytes)", o.cid[0], len(o.data))
}

// workload writes files of many sizes for three apps, deletes some, and
// wraps the small partition several times.
func workload() []op {
	var ops []op
	fill := func(c byte, i, n int) []byte { return bytes.Repeat([]byte{c ^ byte(i)}, n) }
	// Cold files, written once: every reclaim of their block must move
	// them; F's deletion must outlive F's older records.
	ops = append(ops, op{cid: cidD, data: fill(0xd0, 0, 2500)}, op{cid: cidF, data: fill(0xf0, 0, 10)})
	for i := range 60 {
		if i == 3 {
			ops = append(ops, op{cid: cidF, del: true})
		}
		ops = append(ops, op{cid: cidA, data: fill(0xa0, i, 4+i%5)})
		switch i % 4 {
		case 0, 2:
			ops = append(ops, op{cid: cidA, data: fill(0xa1, i, 300+i)})
		}
		switch i % 8 {
		case 1, 4:
			ops = append(ops, op{cid: cidB, data: fill(0xb0, i, 2900)}) // spans a block boundary
		case 3:
			ops = append(ops, op{cid: cidC, data: forged(1000 + 37*(i%40))})
		case 5:
			ops = append(ops, op{cid: cidC, del: true})
		case 6:
			ops = append(ops, op{cid: cidB, data: []byte{}}) // an empty file is a file
		}
	}
	return ops
}

// apply runs one op and updates the model of acknowledged files.
func apply(s *storageStore, o op, model map[[16]byte][]byte) error {
	if o.del {
		existed, err := s.remove(o.cid)
		if err != nil {
			return err
		}
		_, had := model[o.cid]
		if existed != had {
			return fmt.Errorf("remove said existed=%v, the model %v", existed, had)
		}
		delete(model, o.cid)
		return nil
	}
	if _, err := s.write(o.cid, o.data); err != nil {
		return err
	}
	model[o.cid] = bytes.Clone(o.data)
	return nil
}

func requireFiles(t *testing.T, want map[[16]byte][]byte, s *storageStore, msg string) {
	t.Helper()
	got := s.files()
	require.Len(t, got, len(want), "%s: %v", msg, keys(got))
	for cid, b := range want {
		require.Equal(t, b, got[cid], "%s: file %x", msg, cid[0])
	}
}

func keys(m map[[16]byte][]byte) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%x:%d", k[0], len(v)))
	}
	return out
}

// counting counts program and erase operations on the test partition.
func counting(f *hw.Flash) (erases, programs *int) {
	erases, programs = new(int), new(int)
	f.SetOpHook(func(o hw.FlashOp) hw.FlashOutcome {
		if o.Erase {
			*erases++
		} else {
			*programs++
		}
		return hw.FlashProceed
	})
	return erases, programs
}

func TestStorageKeepsTheNewestFileAcrossRemounts(t *testing.T) {
	cases := []struct {
		name string
		ops  []op
		want map[[16]byte][]byte
	}{
		{"blank partition", nil, map[[16]byte][]byte{}},
		{"one write", []op{{cid: cidA, data: []byte("1")}}, map[[16]byte][]byte{cidA: []byte("1")}},
		{"rewrites keep the last", []op{{cid: cidA, data: []byte("1")}, {cid: cidA, data: []byte("22")}, {cid: cidA, data: []byte("3")}},
			map[[16]byte][]byte{cidA: []byte("3")}},
		{"an empty file exists", []op{{cid: cidA, data: []byte{}}}, map[[16]byte][]byte{cidA: {}}},
		{"a deletion hides the file", []op{{cid: cidA, data: []byte("1")}, {cid: cidA, del: true}}, map[[16]byte][]byte{}},
		{"write after delete", []op{{cid: cidA, data: []byte("1")}, {cid: cidA, del: true}, {cid: cidA, data: []byte("2")}},
			map[[16]byte][]byte{cidA: []byte("2")}},
		{"apps are separate", []op{{cid: cidA, data: []byte("a")}, {cid: cidB, data: []byte("b")}, {cid: cidA, del: true}},
			map[[16]byte][]byte{cidB: []byte("b")}},
		{"a file spanning blocks", []op{{cid: cidA, data: bytes.Repeat([]byte{7}, 3000)}, {cid: cidB, data: bytes.Repeat([]byte{8}, 3000)}},
			map[[16]byte][]byte{cidA: bytes.Repeat([]byte{7}, 3000), cidB: bytes.Repeat([]byte{8}, 3000)}},
		{"a payload holding forged records", []op{{cid: cidC, data: forged(2500)}}, map[[16]byte][]byte{cidC: forged(2500)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFlash(t)
			s := mountTest(t, f)
			model := map[[16]byte][]byte{}
			for _, o := range tc.ops {
				require.NoError(t, apply(s, o, model), o)
				requireFiles(t, model, mountTest(t, f), "remount after "+o.String())
			}
			requireFiles(t, tc.want, s, "mounted")
			requireFiles(t, tc.want, mountTest(t, f), "remounted")
		})
	}
}

func TestStorageReclaimsTheOldestBlocks(t *testing.T) {
	f := newTestFlash(t)
	erases, _ := counting(f)
	s := mountTest(t, f)
	model := map[[16]byte][]byte{}
	reclaims := 0
	s.onReclaim = func(uint32, int) { reclaims++ }
	ops := workload()
	for i := 0; i < 3; i++ { // three passes wrap the ten blocks many times
		for _, o := range ops {
			require.NoError(t, apply(s, o, model), o)
		}
		requireFiles(t, model, mountTest(t, f), fmt.Sprintf("remount after pass %d", i))
	}
	require.Greater(t, reclaims, 3*testStorBlocks, "the log wrapped several times")
	require.GreaterOrEqual(t, *erases, reclaims)
	requireFiles(t, model, s, "mounted")
	_, found := s.read(cidEvil)
	require.False(t, found)

	// Writes after a remount go on from the head.
	s = mountTest(t, f)
	for _, o := range ops[:20] {
		require.NoError(t, apply(s, o, model), o)
	}
	requireFiles(t, model, mountTest(t, f), "remount after more writes")
}

// TestStorageSurvivesAPowerCutAtEveryFlashOperation runs the workload
// (which wraps the partition and reclaims blocks) once to count its flash
// operations, then once per operation with a power cut there: that
// operation is torn half-way and every later one fails. The flash is then
// mounted again: each app must have its last acknowledged file, or — for
// the app whose request was cut — the new one, never a mix, and never a
// file of an app that wrote none (the forged records in payloads). The
// store then takes the rest of the workload and a final remount agrees.
func TestStorageSurvivesAPowerCutAtEveryFlashOperation(t *testing.T) {
	ops := workload()
	ops = append(ops, workload()...)
	f := newTestFlash(t)
	e, p := counting(f)
	s := mountTest(t, f)
	golden := map[[16]byte][]byte{}
	for _, o := range ops {
		require.NoError(t, apply(s, o, golden), o)
	}
	total := *e + *p
	t.Logf("%d flash operations (%d erases, %d programs) over %d requests", total, *e, *p, len(ops))
	require.Greater(t, *e, 2*testStorBlocks, "the workload must wrap the log")

	for cut := 1; cut <= total; cut++ {
		f := newTestFlash(t)
		n, torn := 0, false
		f.SetOpHook(func(o hw.FlashOp) hw.FlashOutcome {
			n++
			switch {
			case n == cut:
				torn = true
				return hw.FlashTear
			case torn:
				return hw.FlashFail
			}
			return hw.FlashProceed
		})
		s := mountTest(t, f)
		model := map[[16]byte][]byte{}
		i := 0
		var inflight op
		for ; i < len(ops); i++ {
			if err := apply(s, ops[i], model); err != nil {
				require.True(t, torn, "op %d (%s) failed without a cut: %v", i, ops[i], err)
				inflight = ops[i]
				break
			}
		}
		require.True(t, torn, "cut %d never happened", cut)
		require.Less(t, i, len(ops), "cut %d: every request succeeded", cut)
		f.SetOpHook(nil) // powered again
		s = mountTest(t, f)
		got := s.files()
		_, evil := got[cidEvil]
		require.False(t, evil, "cut %d: a forged record was read", cut)
		for _, cid := range [][16]byte{cidA, cidB, cidC, cidD, cidF} {
			g, found := got[cid]
			w, want := model[cid]
			ok := found == want && bytes.Equal(g, w)
			if cid == inflight.cid && !ok { // the request in flight may have completed
				ok = (inflight.del && !found) || (!inflight.del && found && bytes.Equal(g, inflight.data))
			}
			require.True(t, ok, "cut %d during %s (request %d): app %x has %d bytes (found %v), acknowledged %d bytes (found %v)",
				cut, inflight, i, cid[0], len(g), found, len(w), want)
		}
		// Go on from what the flash holds.
		model = got
		for _, o := range ops[i:] {
			require.NoError(t, apply(s, o, model), "cut %d, then %s", cut, o)
		}
		requireFiles(t, model, mountTest(t, f), fmt.Sprintf("cut %d, final remount", cut))
	}
}

func TestStorageRefusesWhatDoesNotFit(t *testing.T) {
	f := newTestFlash(t)
	s := mountTest(t, f)
	_, err := s.write(cidA, make([]byte, testStorMax+1))
	require.ErrorContains(t, err, "a file of 3001 bytes exceeds the 3000-byte limit")
	// Fill the capacity with other apps' files, then one more does not fit.
	model := map[[16]byte][]byte{}
	for i := 0; ; i++ {
		cid := [16]byte{0x10, byte(i)}
		_, err := s.write(cid, make([]byte, testStorMax))
		if err != nil {
			require.ErrorIs(t, err, errStorageFull)
			require.ErrorContains(t, err, "does not fit")
			require.Positive(t, i)
			break
		}
		model[cid] = make([]byte, testStorMax)
	}
	requireFiles(t, model, mountTest(t, f), "the files that fitted")
	// Rewriting needs room for the old and the new copy: free one file's.
	for cid := range model {
		existed, err := s.remove(cid)
		require.NoError(t, err)
		require.True(t, existed)
		delete(model, cid)
		break
	}
	for range 3 {
		for cid := range model {
			_, err := s.write(cid, bytes.Repeat([]byte{1}, testStorMax))
			require.NoError(t, err)
			model[cid] = bytes.Repeat([]byte{1}, testStorMax)
		}
	}
	requireFiles(t, model, mountTest(t, f), "rewritten")
}

func TestStorageMountIsReadOnlyAndRefusesBadPartitions(t *testing.T) {
	f := newTestFlash(t)
	s := mountTest(t, f)
	_, err := s.write(cidA, []byte("x"))
	require.NoError(t, err)
	_, p := counting(f)
	ro := mountTest(t, readOnlyFlash{f})
	requireFiles(t, map[[16]byte][]byte{cidA: []byte("x")}, ro, "read-only")
	require.Zero(t, *p)
	_, err = mountStorage(f, testStorBase, 3*hw.FlashBlockSize, hw.FlashBlockSize, testStorMax)
	require.ErrorContains(t, err, "too small")
	_, err = mountStorage(f, testStorBase+1, 16*hw.FlashBlockSize, hw.FlashBlockSize, testStorMax)
	require.ErrorContains(t, err, "not whole")

	// The device's partition: a 64 KiB file rewritten again and again,
	// beside 100 small files of other apps, while a reclaim can still move
	// a whole 64 KiB record.
	img, err := hw.NewFlash(image.MutableStorageSize, nil)
	require.NoError(t, err)
	st, err := mountStorage(img, 0, image.MutableStorageSize, hw.FlashBlockSize, secmonmsg.MaxStorageFile)
	require.NoError(t, err)
	for i := range 100 {
		_, err := st.write([16]byte{9, byte(i)}, make([]byte, 100))
		require.NoError(t, err, "small file %d", i)
	}
	for i := range 12 {
		_, err := st.write([16]byte{1}, bytes.Repeat([]byte{byte(i)}, secmonmsg.MaxStorageFile))
		require.NoError(t, err, "rewrite %d", i)
		_, err = st.write([16]byte{9, byte(i)}, make([]byte, 200))
		require.NoError(t, err, "small file %d", i)
	}
	_, err = st.write([16]byte{2}, make([]byte, secmonmsg.MaxStorageFile))
	require.NoError(t, err, "a second 64 KiB file fits")
	_, err = st.write([16]byte{1}, make([]byte, secmonmsg.MaxStorageFile))
	require.ErrorIs(t, err, errStorageFull, "with two, rewriting one needs a third's room")
	_, err = st.write([16]byte{1}, make([]byte, 1000))
	require.NoError(t, err, "a smaller file fits")
	t.Logf("capacity of the device's partition: %d bytes of records", st.capacity())
	st2, err := mountStorage(readOnlyFlash{img}, 0, image.MutableStorageSize, hw.FlashBlockSize, secmonmsg.MaxStorageFile)
	require.NoError(t, err)
	require.Equal(t, st.files(), st2.files())
}

// TestStorageRequestsFromTheKernel: the Security Monitor serves mutable
// storage to the kernel alone, answers a malformed or oversized request
// with an error and a trace event, and goes on serving.
func TestStorageRequestsFromTheKernel(t *testing.T) {
	h := newHarness(t)
	h.fakePluton(t, honest)
	cid := [16]byte{1, 2, 3}
	type answer struct {
		resp []byte
		err  error
	}
	var got []answer
	h.s.Spawn("kernel", func(p *sim.Proc) {
		h.kernel.Bind(p)
		m := h.kernel.Recv()
		require.Equal(t, kernelmsg.KindStart, m.Kind)
		call := func(k mailbox.Kind, payload []byte) {
			resp, err := h.kernel.Call(mailbox.Secmon, k, payload, 10*sim.Second)
			got = append(got, answer{resp, err})
		}
		call(secmonmsg.KindStorageRead, secmonmsg.EncodeComponentID(cid))
		call(secmonmsg.KindStorageWrite, (&secmonmsg.StorageWrite{ComponentID: cid, Data: []byte("hello")}).Marshal())
		call(secmonmsg.KindStorageRead, secmonmsg.EncodeComponentID(cid))
		call(secmonmsg.KindStorageRead, []byte{1, 2, 3})                                                                   // malformed
		call(secmonmsg.KindStorageWrite, (&secmonmsg.StorageWrite{ComponentID: cid, Data: make([]byte, 65537)}).Marshal()) // too large
		call(secmonmsg.KindStorageDelete, secmonmsg.EncodeComponentID(cid))
		call(secmonmsg.KindStorageDelete, secmonmsg.EncodeComponentID(cid))
	})
	var rtErr error
	h.s.Spawn("rtcore", func(p *sim.Proc) {
		h.rtcore.Bind(p)
		p.Sleep(100 * sim.Millisecond)
		_, rtErr = h.rtcore.Call(mailbox.Secmon, secmonmsg.KindStorageRead, secmonmsg.EncodeComponentID(cid), sim.Second)
	})
	h.s.Run(5 * sim.Second)
	require.Len(t, got, 7)
	c, err := secmonmsg.UnmarshalStorageContent(got[0].resp)
	require.NoError(t, err)
	require.False(t, c.Found)
	require.NoError(t, got[1].err)
	c, err = secmonmsg.UnmarshalStorageContent(got[2].resp)
	require.NoError(t, err)
	require.Equal(t, secmonmsg.StorageContent{Found: true, Data: []byte("hello")}, c)
	var re *mailbox.RemoteError
	require.ErrorAs(t, got[3].err, &re)
	require.Equal(t, secmonmsg.ErrBadRequest, re.Code)
	require.ErrorAs(t, got[4].err, &re)
	require.Equal(t, secmonmsg.ErrBadRequest, re.Code)
	require.Contains(t, re.Text, "a file of 65537 bytes exceeds the 65536-byte limit of mutable storage")
	existed, err := secmonmsg.DecodeBool(got[5].resp)
	require.NoError(t, err)
	require.True(t, existed)
	existed, err = secmonmsg.DecodeBool(got[6].resp)
	require.NoError(t, err)
	require.False(t, existed)
	require.ErrorAs(t, rtErr, &re, "a real-time core may not read mutable storage")
	require.Equal(t, secmonmsg.ErrDenied, re.Code)
	require.Len(t, h.rec.Named("request.reject"), 3)
	e, ok := h.rec.First("storage.commit")
	require.True(t, ok)
	require.Equal(t, "5", e.Str("bytes"))
}

// FuzzStorageMount: whatever a small partition holds (torn, flipped or
// hostile bytes), mount does not panic, and a file written afterwards is
// read back by the next mount.
func FuzzStorageMount(f *testing.F) {
	good := newTestFlash(f)
	s, err := mountStorage(good, testStorBase, testStorBlocks*hw.FlashBlockSize, hw.FlashBlockSize, testStorMax)
	require.NoError(f, err)
	model := map[[16]byte][]byte{}
	for _, o := range workload()[:40] {
		require.NoError(f, apply(s, o, model))
	}
	b, err := good.Read(testStorBase, 2*hw.FlashBlockSize)
	require.NoError(f, err)
	f.Add(b)
	f.Add(forged(2 * hw.FlashBlockSize))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fl := newTestFlash(t)
		for i := 0; i*hw.FlashBlockSize < len(b) && i < testStorBlocks; i++ {
			blk := bytes.Repeat([]byte{0xFF}, hw.FlashBlockSize)
			copy(blk, b[i*hw.FlashBlockSize:])
			require.NoError(t, fl.RestoreBlock(uint32(testStorBase/hw.FlashBlockSize+i), blk))
		}
		s, err := mountStorage(fl, testStorBase, testStorBlocks*hw.FlashBlockSize, hw.FlashBlockSize, testStorMax)
		require.NoError(t, err)
		if _, err := s.write(cidA, []byte("after")); err != nil {
			require.ErrorIs(t, err, errStorageFull) // forged records may fill the capacity
			return
		}
		got, found := mountTest(t, fl).read(cidA)
		require.True(t, found)
		require.Equal(t, "after", string(got))
	})
}
