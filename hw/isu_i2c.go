package hw

import (
	"errors"
	"fmt"
)

// Registers of an ISU's I2C function (offsets from ISUI2COffset): the layout
// of MediaTek's hdl_i2c.h and Codethink's mt3620_i2c_t.
const (
	ISUI2CRegIntCtrl     = 0x00
	ISUI2CRegPadCon0     = 0x40
	ISUI2CRegCntValPHL   = 0x44 // SCL phases 0 (bits 7:0) and 1 (15:8), in 26 MHz cycles
	ISUI2CRegCntValPHH   = 0x48 // phases 2 and 3
	ISUI2CRegCntBytePK0  = 0x54 // length of packet 0; packet i at + 4i, i = 0..2
	ISUI2CRegSlaveID     = 0x60 // 7-bit target address
	ISUI2CRegPackCon0    = 0x68
	ISUI2CRegAckVal      = 0x6C
	ISUI2CRegCon0        = 0x70
	ISUI2CRegStatus      = 0x74
	ISUI2CRegFIFOCon0    = 0x78
	ISUI2CRegFIFOStatus  = 0x80
	ISUI2CRegFIFOPtr     = 0x84
	ISUI2CRegFIFOData    = 0x90
	ISUI2CRegDMACon0     = 0xC0
	ISUI2CRegSCon0       = 0xC4
	ISUI2CRegSSlaveID    = 0xC8
	ISUI2CRegSIDReceive0 = 0xCC
	ISUI2CRegSIDReceive1 = 0xD0
	ISUI2CRegSFIFOCon0   = 0xD8
	ISUI2CRegSFIFOStatus = 0xE0
	ISUI2CRegSFIFOPtr    = 0xE4
	ISUI2CRegSFIFOData   = 0xF0
)

// ISU I2C register bits.
const (
	ISUI2CIntMMSta = 1 << 0 // master transfer done (write 1 to clear)
	ISUI2CIntMMEn  = 1 << 1
	ISUI2CIntMMMsk = 1 << 2
	ISUI2CIntSSta  = 1 << 4
	ISUI2CIntSEn   = 1 << 5
	ISUI2CIntSMsk  = 1 << 6

	ISUI2CPackRead     = 1 // bit i of PACK_CON0: packet i reads
	ISUI2CPackValShift = 4 // bits 5:4: packets − 1

	ISUI2CAckIDShift = 8 // ACK_VAL bit 8+i: packet i's address was not acknowledged

	ISUI2CCon0Start    = 1 << 0 // start the packets (clears itself when they are done)
	ISUI2CCon0GMode    = 1 << 14
	ISUI2CCon0MasterEn = 1 << 15

	ISUI2CStatusBusBusy    = 1 << 0
	ISUI2CStatusArbLose    = 1 << 1
	ISUI2CStatusStartReady = 1 << 2

	ISUI2CFIFOClearRx = 1 << 0
	ISUI2CFIFOClearTx = 1 << 1

	ISUI2CSCon0SlaveEn = 1 << 15

	ISUI2CFIFODepth  = 8          // bytes in each FIFO (Codethink MT3620_I2C_TX/RX_FIFO_DEPTH)
	ISUI2CPackets    = 3          // packets per transfer (MT3620_I2C_QUEUE_DEPTH)
	ISUI2CClockHz    = 26_000_000 // source clock of the SCL phase counters (MT3620_I2C_CLOCK)
	ISUI2CMaxSpeedHz = 1_000_000
)

// i2cFIFO is one of the 8-byte FIFOs; its pointers count modulo 8, as
// MediaTek's driver computes the fill level from them.
type i2cFIFO struct {
	buf       [ISUI2CFIFODepth]byte
	rd, wr, n uint32
	undr, ovf bool
}

func (f *i2cFIFO) push(c byte) {
	if f.n == ISUI2CFIFODepth {
		f.ovf = true
		return
	}
	f.buf[f.wr] = c
	f.wr = (f.wr + 1) % ISUI2CFIFODepth
	f.n++
}

func (f *i2cFIFO) pop() byte {
	if f.n == 0 {
		f.undr = true
		return 0
	}
	c := f.buf[f.rd]
	f.rd = (f.rd + 1) % ISUI2CFIFODepth
	f.n--
	return c
}

// status returns the FIFO's four FIFO_STATUS bits: empty, full, underflow, overflow.
func (f *i2cFIFO) status() uint32 {
	var s uint32
	if f.n == 0 {
		s |= 1
	}
	if f.n == ISUI2CFIFODepth {
		s |= 2
	}
	if f.undr {
		s |= 4
	}
	if f.ovf {
		s |= 8
	}
	return s
}

type isuI2C struct {
	intCtrl, padCon0, phl, phh uint32
	pk                         [ISUI2CPackets]uint32
	slaveID, packCon0, ackVal  uint32
	con0                       uint32
	arbLose                    bool
	busy                       bool
	tx, rx                     i2cFIFO
	dmaCon0, sCon0, sSlaveID   uint32
}

// i2cClocks is the SCL clocks of one transfer, as I2CBus.Duration counts them.
func i2cClocks(wlen, rlen int) int64 {
	clocks := int64(2)
	if wlen > 0 {
		clocks += 9 * int64(1+wlen)
	}
	if rlen > 0 {
		clocks += 1 + 9*int64(1+rlen)
	}
	return clocks
}

// speedHz returns the SCL frequency the phase counters give: 26 MHz over the
// sum of the four phases (Codethink's I2CMaster_GetBusSpeed), or the bus
// model's speed while they are all 0.
func (r *isuI2C) speedHz(bus *I2CBus) (uint32, error) {
	sum := r.phl&0xFF + r.phl>>8&0xFF + r.phh&0xFF + r.phh>>8&0xFF
	switch {
	case sum == 0:
		return bus.Speed(), nil
	case sum < ISUI2CClockHz/ISUI2CMaxSpeedHz:
		return 0, fmt.Errorf("SCL phases of %d cycles give %d Hz, faster than the 1 MHz the MT3620 supports", sum, ISUI2CClockHz/sum)
	}
	return ISUI2CClockHz / sum, nil
}

func (b *Board) isuI2CAccess(s *isuState, write bool, addr, off, v uint32) (uint32, error) {
	r := &s.i2c
	verb := accessVerb(write)
	rw := regWriter(write, v)
	ro := func(val uint32) (uint32, error) { return val, nil } // writes ignored
	switch off {
	case ISUI2CRegIntCtrl:
		if write {
			const sta = ISUI2CIntMMSta | ISUI2CIntSSta
			const en = ISUI2CIntMMEn | ISUI2CIntMMMsk | ISUI2CIntSEn | ISUI2CIntSMsk
			r.intCtrl = r.intCtrl&sta&^(v&sta) | v&en
		}
		return r.intCtrl, nil
	case ISUI2CRegPadCon0:
		return rw(&r.padCon0, 0xFF)
	case ISUI2CRegCntValPHL:
		return rw(&r.phl, 0xFFFF)
	case ISUI2CRegCntValPHH:
		return rw(&r.phh, 0xFFFF)
	case ISUI2CRegCntBytePK0, ISUI2CRegCntBytePK0 + 4, ISUI2CRegCntBytePK0 + 8:
		return rw(&r.pk[(off-ISUI2CRegCntBytePK0)/4], 0xFFFF)
	case ISUI2CRegSlaveID:
		return rw(&r.slaveID, 0x7F)
	case ISUI2CRegPackCon0:
		return rw(&r.packCon0, 0x37)
	case ISUI2CRegAckVal:
		return ro(r.ackVal)
	case ISUI2CRegCon0:
		if !write {
			return r.con0, nil
		}
		r.con0 = r.con0&ISUI2CCon0Start | v&(ISUI2CCon0GMode|ISUI2CCon0MasterEn)
		if v&ISUI2CCon0Start != 0 && !r.busy {
			if err := b.isuI2CStart(s); err != nil {
				return 0, ioError(verb, addr, fmt.Sprintf("ISU%d I2C: %v", s.n, err))
			}
		}
		return r.con0, nil
	case ISUI2CRegStatus:
		if write && v&ISUI2CStatusArbLose != 0 {
			r.arbLose = false
		}
		var st uint32
		if r.busy {
			st |= ISUI2CStatusBusBusy
		} else {
			st |= ISUI2CStatusStartReady
		}
		if r.arbLose {
			st |= ISUI2CStatusArbLose
		}
		return st, nil
	case ISUI2CRegFIFOCon0:
		if write {
			if v&ISUI2CFIFOClearRx != 0 {
				r.rx = i2cFIFO{}
			}
			if v&ISUI2CFIFOClearTx != 0 {
				r.tx = i2cFIFO{}
			}
		}
		return 0, nil
	case ISUI2CRegFIFOStatus:
		return ro(r.rx.status() | r.tx.status()<<4)
	case ISUI2CRegFIFOPtr:
		return ro(r.rx.rd | r.rx.wr<<4 | r.tx.rd<<8 | r.tx.wr<<12)
	case ISUI2CRegFIFOData:
		if write {
			r.tx.push(byte(v))
			return v & 0xFF, nil
		}
		return uint32(r.rx.pop()), nil
	case ISUI2CRegDMACon0:
		return rw(&r.dmaCon0, 0x30) // handshake enable/select, stored: transfers always use the FIFOs
	case ISUI2CRegSCon0:
		if write && v&ISUI2CSCon0SlaveEn != 0 {
			return 0, ioError(verb, addr, fmt.Sprintf("ISU%d I2C: subordinate mode is not modelled", s.n))
		}
		return rw(&r.sCon0, 0x4800)
	case ISUI2CRegSSlaveID:
		return rw(&r.sSlaveID, 0x7F)
	case ISUI2CRegSIDReceive0, ISUI2CRegSIDReceive1, ISUI2CRegSFIFOPtr, ISUI2CRegSFIFOCon0:
		return ro(0)
	case ISUI2CRegSFIFOStatus:
		return ro(0x11) // both subordinate FIFOs empty
	case ISUI2CRegSFIFOData:
		return 0, ioError(verb, addr, fmt.Sprintf("ISU%d I2C: subordinate mode is not modelled", s.n))
	}
	return 0, ioError(verb, addr, fmt.Sprintf("no ISU%d I2C register here", s.n))
}

// isuI2CStart runs the packets PACK_CON0 describes on the board's I2C bus.
// A write packet followed by a read packet is one write-then-read transfer
// (a repeated start); every other packet is a transfer of its own. The bus
// traffic happens now; the completion — START cleared, MM_INT_STA set,
// ACK_VAL, the received bytes in the RX FIFO — comes after the time the
// clocks take at the SCL speed.
func (b *Board) isuI2CStart(s *isuState) error {
	r := &s.i2c
	bus := b.I2C[s.n]
	if r.con0&ISUI2CCon0MasterEn == 0 {
		return errors.New("START without master mode (MM_CON0 bit 15)")
	}
	npk := int(r.packCon0>>ISUI2CPackValShift&3) + 1
	if npk > ISUI2CPackets {
		return fmt.Errorf("PACK_CON0 asks for %d packets; there are %d", npk, ISUI2CPackets)
	}
	hz, err := r.speedHz(bus)
	if err != nil {
		return err
	}
	reads := func(i int) bool { return r.packCon0>>i&ISUI2CPackRead != 0 }
	var wtotal, rtotal uint32
	for i := range npk {
		n := r.pk[i] & 0xFFFF
		switch {
		case n == 0:
			return fmt.Errorf("packet %d has length 0 (MM_CNT_BYTE_VAL_PK%d)", i, i)
		case reads(i):
			rtotal += n
		default:
			wtotal += n
		}
	}
	if wtotal > r.tx.n {
		return fmt.Errorf("the packets write %d bytes but the TX FIFO holds %d (DMA is not modelled)", wtotal, r.tx.n)
	}
	if rtotal > ISUI2CFIFODepth {
		return fmt.Errorf("the packets read %d bytes but the RX FIFO holds %d (DMA is not modelled)", rtotal, ISUI2CFIFODepth)
	}
	for _, std := range []uint32{I2CSpeedStandard, I2CSpeedFast, I2CSpeedFastPlus} {
		if hz >= std-std/100 && hz <= std+std/100 {
			_ = bus.SetSpeed(std) // keep the bus model's setting in step where it has one
		}
	}

	target := uint8(r.slaveID & 0x7F)
	var ack uint32
	var got []byte
	var clocks int64
packets:
	for i := 0; i < npk; {
		first := i
		var w []byte
		rl := 0
		if reads(i) {
			rl = int(r.pk[i] & 0xFFFF)
			i++
		} else {
			w = make([]byte, r.pk[i]&0xFFFF)
			for j := range w {
				w[j] = r.tx.pop()
			}
			i++
			if i < npk && reads(i) {
				rl = int(r.pk[i] & 0xFFFF)
				i++
			}
		}
		data, err := bus.Transfer(target, w, rl)
		switch {
		case errors.Is(err, ErrNoAck):
			ack |= 1 << (ISUI2CAckIDShift + first)
			clocks += i2cClocks(0, 0) + 9 // start, address, stop
			break packets
		case err != nil: // the target refused a data byte
			ack |= 1
			clocks += i2cClocks(len(w), 0)
			break packets
		}
		clocks += i2cClocks(len(w), rl)
		got = append(got, data...)
	}
	r.busy = true
	r.con0 |= ISUI2CCon0Start
	r.ackVal = 0
	s.complete(b, clocks*1_000_000_000/int64(hz), func() {
		r.busy = false
		r.con0 &^= ISUI2CCon0Start
		r.ackVal = ack
		r.intCtrl |= ISUI2CIntMMSta
		for _, c := range got {
			r.rx.push(c)
		}
	})
	return nil
}
