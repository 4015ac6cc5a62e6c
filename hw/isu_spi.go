package hw

import (
	"errors"
	"fmt"
)

// Registers of an ISU's SPI master (offsets from ISUSPIMOffset): the layout
// of MediaTek's hdl_spim.h and Codethink's mt3620_spi_t.
const (
	ISUSPIRegSTCSR    = 0x00 // control: START, BUSY
	ISUSPIRegSOAR     = 0x04 // opcode: the first cmd_bit_cnt bits on MOSI, most significant first
	ISUSPIRegSDOR0    = 0x08 // MOSI data, 8 words (32 bytes, byte 0 of SDOR0 first); SDORi at + 4i
	ISUSPIRegSMMR     = 0x28 // master mode
	ISUSPIRegSMBCR    = 0x2C // more-buffer bit counts
	ISUSPIRegQCtl     = 0x30 // MediaTek's Q_CTL (dual/quad serial mode)
	ISUSPIRegSCSR     = 0x34 // status; reading clears it
	ISUSPIRegCSPol    = 0x38
	ISUSPIRegDataPort = 0x40 // the DMA engine's data port: not modelled
	ISUSPIRegSDIR0    = 0x48 // MISO data, 8 words (32 bytes, byte 0 of SDIR0 first); SDIRi at + 4i
	ISUSPIDataWords   = 8
)

// ISU SPI register bits.
const (
	ISUSPISTCSRStart = 1 << 8  // start a transfer (reads 1 until it is done)
	ISUSPISTCSRBusy  = 1 << 16 // a transfer is on the wire
	isuSPISTCSRMask  = 0xFF1800FF

	ISUSPISMMRMoreBuf    = 1 << 2 // more-buffer mode: SMBCR gives the bit counts
	ISUSPISMMRLSBFirst   = 1 << 3
	ISUSPISMMRCPOL       = 1 << 4
	ISUSPISMMRCPHA       = 1 << 5
	ISUSPISMMRIntEn      = 1 << 9
	ISUSPISMMRFullDuplex = 1 << 10 // both_directional_data_mode
	ISUSPISMMRClkShift   = 16      // bits 27:16 rs_clk_sel: SCK = ISUSPIClockHz / (rs_clk_sel + 2)
	ISUSPISMMRCSShift    = 29      // bits 31:29 rs_slave_sel: 0 = CS A, 1 = CS B, 7 = none
	ISUSPICSNone         = 7
	isuSPISMMRMask       = 0xFFFF07FC

	ISUSPISMBCRMOSIShift = 0  // bits 8:0: MOSI data bits
	ISUSPISMBCRMISOShift = 12 // bits 20:12: MISO data bits
	ISUSPISMBCRCmdShift  = 24 // bits 29:24: opcode bits
	isuSPISMBCRMask      = 0x3F1FF1FF

	ISUSPISCSROK   = 1 << 0 // the transfer completed
	ISUSPISCSRRxOK = 1 << 1 // …and it read (MediaTek's SPI_RX_OK)
	ISUSPISCSRTxOK = 1 << 2 // …and it wrote (MediaTek's SPI_TX_OK)

	ISUSPICSPolDMAMode = 1 << 8
	isuSPICSPolMask    = 0x000FF1FF

	ISUSPIClockHz = 80_000_000 // the SPI source clock (MediaTek's driver; the datasheet's HCLK)
)

type isuSPI struct {
	stcsr, soar              uint32
	sdor, sdir               [ISUSPIDataWords]uint32
	smmr, smbcr, qctl, cspol uint32
	scsr                     uint32
	busy                     bool
}

func (b *Board) isuSPIAccess(s *isuState, write bool, addr, off, v uint32) (uint32, error) {
	r := &s.spi
	verb := accessVerb(write)
	rw := regWriter(write, v)
	switch {
	case off == ISUSPIRegSTCSR:
		if write {
			r.stcsr = v & isuSPISTCSRMask
			if v&ISUSPISTCSRStart != 0 && !r.busy {
				if err := b.isuSPIStart(s); err != nil {
					return 0, ioError(verb, addr, fmt.Sprintf("ISU%d SPI: %v", s.n, err))
				}
			}
		}
		st := r.stcsr
		if r.busy {
			st |= ISUSPISTCSRStart | ISUSPISTCSRBusy
		}
		return st, nil
	case off == ISUSPIRegSOAR:
		return rw(&r.soar, 0xFFFFFFFF)
	case off >= ISUSPIRegSDOR0 && off < ISUSPIRegSDOR0+4*ISUSPIDataWords:
		return rw(&r.sdor[(off-ISUSPIRegSDOR0)/4], 0xFFFFFFFF)
	case off == ISUSPIRegSMMR:
		return rw(&r.smmr, isuSPISMMRMask)
	case off == ISUSPIRegSMBCR:
		return rw(&r.smbcr, isuSPISMBCRMask)
	case off == ISUSPIRegQCtl:
		return rw(&r.qctl, 0xFFFFFFFF)
	case off == ISUSPIRegSCSR:
		st := r.scsr
		if !write {
			r.scsr = 0
		}
		return st, nil
	case off == ISUSPIRegCSPol:
		return rw(&r.cspol, isuSPICSPolMask)
	case off == ISUSPIRegDataPort:
		return 0, ioError(verb, addr, fmt.Sprintf("ISU%d SPI: the DMA data port is not modelled", s.n))
	case off >= ISUSPIRegSDIR0 && off < ISUSPIRegSDIR0+4*ISUSPIDataWords:
		return r.sdir[(off-ISUSPIRegSDIR0)/4], nil // read-only
	}
	return 0, ioError(verb, addr, fmt.Sprintf("no ISU%d SPI register here", s.n))
}

// isuSPIStart runs one half-duplex transfer in more-buffer mode on the
// board's SPI bus: with the chip select of SMMR asserted, the opcode
// (SMBCR cmd bits of SOAR, most significant byte first) and the MOSI bytes
// (SDOR, byte 0 first) go out as one write segment, then the MISO bytes
// come in as a read segment. Speed, mode and bit order are applied to the
// bus model first. The traffic happens now; SDIR, SCSR and the end of BUSY
// come after the time the bytes take at the SCK speed.
func (b *Board) isuSPIStart(s *isuState) error {
	r := &s.spi
	bus := b.SPI[s.n]
	switch {
	case r.smmr&ISUSPISMMRMoreBuf == 0:
		return errors.New("only more-buffer mode (SMMR bit 2) is modelled")
	case r.smmr&ISUSPISMMRFullDuplex != 0:
		return errors.New("full-duplex transfers (SMMR bit 10) are not modelled; the bus model is half duplex")
	case r.cspol&ISUSPICSPolDMAMode != 0:
		return errors.New("DMA mode (CSPOL bit 8) is not modelled; clear it and fill SOAR/SDOR yourself")
	case r.qctl&3 != 0:
		return errors.New("dual and quad serial modes (Q_CTL bits 1:0) are not modelled")
	}
	cmdBits := r.smbcr >> ISUSPISMBCRCmdShift & 0x3F
	mosiBits := r.smbcr >> ISUSPISMBCRMOSIShift & 0x1FF
	misoBits := r.smbcr >> ISUSPISMBCRMISOShift & 0x1FF
	switch {
	case cmdBits%8 != 0 || mosiBits%8 != 0 || misoBits%8 != 0:
		return fmt.Errorf("bit counts %d (opcode), %d (MOSI), %d (MISO) are not whole bytes; the bus model carries bytes", cmdBits, mosiBits, misoBits)
	case cmdBits > 32:
		return fmt.Errorf("opcode of %d bits: SOAR holds 32", cmdBits)
	case mosiBits > 8*4*ISUSPIDataWords || misoBits > 8*4*ISUSPIDataWords:
		return fmt.Errorf("%d MOSI and %d MISO bits: the data registers hold 256 each", mosiBits, misoBits)
	case cmdBits+mosiBits+misoBits == 0:
		return errors.New("nothing to transfer: SMBCR's bit counts are all 0")
	}
	cs := int(r.smmr >> ISUSPISMMRCSShift)
	if cs != SPIChipSelectA && cs != SPIChipSelectB && cs != ISUSPICSNone {
		return fmt.Errorf("chip select %d (SMMR bits 31:29): want 0 (A), 1 (B) or 7 (none)", cs)
	}
	hz := uint32(ISUSPIClockHz / (r.smmr>>ISUSPISMMRClkShift&0xFFF + 2))
	mode := SPIMode0
	if r.smmr&ISUSPISMMRCPOL != 0 {
		mode += 2
	}
	if r.smmr&ISUSPISMMRCPHA != 0 {
		mode++
	}
	order := SPIMSBFirst
	if r.smmr&ISUSPISMMRLSBFirst != 0 {
		order = SPILSBFirst
	}
	if err := errors.Join(bus.SetSpeed(hz), bus.SetMode(mode), bus.SetBitOrder(order)); err != nil {
		return err
	}

	w := make([]byte, 0, cmdBits/8+mosiBits/8)
	for i := int(cmdBits/8) - 1; i >= 0; i-- {
		w = append(w, byte(r.soar>>(8*i)))
	}
	for i := range mosiBits / 8 {
		w = append(w, byte(r.sdor[i/4]>>(8*(i%4))))
	}
	rd := make([]byte, misoBits/8)
	var segs []SPISegment
	if len(w) > 0 {
		segs = append(segs, SPISegment{Write: w})
	}
	if len(rd) > 0 {
		segs = append(segs, SPISegment{Read: rd})
	}
	status := uint32(ISUSPISCSROK)
	if len(w) > 0 {
		status |= ISUSPISCSRTxOK
	}
	if len(rd) > 0 {
		status |= ISUSPISCSRRxOK
	}
	if cs == ISUSPICSNone {
		for i := range rd { // no target selected: MISO stays pulled up
			rd[i] = 0xFF
		}
	} else if err := bus.Transfer(cs, segs); err != nil {
		status = 0 // the target failed: SCSR shows no success
	}
	r.busy = true
	s.complete(b, bus.Duration(len(w)+len(rd)), func() {
		r.busy = false
		r.sdir = [ISUSPIDataWords]uint32{}
		for i, c := range rd {
			r.sdir[i/4] |= uint32(c) << (8 * (i % 4))
		}
		r.scsr = status
	})
	return nil
}
