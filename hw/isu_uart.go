package hw

import (
	"fmt"
	"math/bits"
)

// Registers of an ISU's UART (offsets from ISUUARTOffset): a 16550 with
// MediaTek's extensions, the layout of Codethink's mt3620_uart_t (the debug
// UART's layout too) and Microsoft's UART sample. Registers are 8 bits wide
// unless said otherwise. While LCR bit 7 (DLAB) is set, 0x00 and 0x04 are
// the divisor latch; while LCR is 0xBF, 0x08 is EFR and 0x10–0x1C are
// XON1, XON2, XOFF1, XOFF2.
const (
	ISUUARTRegRBR         = 0x00 // read: receive buffer; write: THR; DLL with DLAB
	ISUUARTRegTHR         = 0x00
	ISUUARTRegDLL         = 0x00
	ISUUARTRegIER         = 0x04 // DLM with DLAB
	ISUUARTRegDLM         = 0x04
	ISUUARTRegIIR         = 0x08 // read; write: FCR; EFR while LCR = 0xBF
	ISUUARTRegFCR         = 0x08
	ISUUARTRegEFR         = 0x08
	ISUUARTRegLCR         = 0x0C
	ISUUARTRegMCR         = 0x10 // XON1 while LCR = 0xBF
	ISUUARTRegLSR         = 0x14 // XON2 while LCR = 0xBF
	ISUUARTRegMSR         = 0x18 // XOFF1 while LCR = 0xBF
	ISUUARTRegSCR         = 0x1C // XOFF2 while LCR = 0xBF
	ISUUARTRegRxLevelCtl  = 0x20
	ISUUARTRegHighSpeed   = 0x24
	ISUUARTRegSampleCount = 0x28
	ISUUARTRegSamplePoint = 0x2C
	ISUUARTRegGuard       = 0x3C
	ISUUARTRegEscapeDat   = 0x40
	ISUUARTRegEscapeEn    = 0x44
	ISUUARTRegSwRTOLimit  = 0x48
	ISUUARTRegVFIFOEn     = 0x4C
	ISUUARTRegRxTrig      = 0x50
	ISUUARTRegFracDivL    = 0x54
	ISUUARTRegFracDivM    = 0x58
	ISUUARTRegFCRRd       = 0x5C
	ISUUARTRegExtendAdd   = 0x64
	ISUUARTRegRxOffset    = 0x68 // bytes waiting in the RX FIFO
	ISUUARTRegTxOffset    = 0x6C // bytes waiting in the TX FIFO
	ISUUARTRegIntSta      = 0x70
)

// ISU UART register bits.
const (
	ISUUARTIERERBFI = 1 << 0 // received data available
	ISUUARTIERETBEI = 1 << 1 // transmit holding register empty
	ISUUARTIERELSI  = 1 << 2 // line status

	ISUUARTIIRNone     = 0x01
	ISUUARTIIRTxEmpty  = 0x02
	ISUUARTIIRRxData   = 0x04
	ISUUARTIIRLine     = 0x06
	ISUUARTIIRFIFOBits = 0xC0 // set while FCR.FIFOE is

	ISUUARTFCRFIFOE = 1 << 0
	ISUUARTFCRClrR  = 1 << 1
	ISUUARTFCRClrT  = 1 << 2

	ISUUARTLCRStop2  = 1 << 2
	ISUUARTLCRParity = 1 << 3
	ISUUARTLCREven   = 1 << 4
	ISUUARTLCRStick  = 1 << 5
	ISUUARTLCRDLAB   = 1 << 7
	ISUUARTLCREFR    = 0xBF // selects EFR and the XON/XOFF registers

	ISUUARTEFRSwFlow  = 0x0F
	ISUUARTEFRAutoRTS = 1 << 6
	ISUUARTEFRAutoCTS = 1 << 7

	ISUUARTLSRDR   = 1 << 0
	ISUUARTLSROE   = 1 << 1
	ISUUARTLSRTHRE = 1 << 5
	ISUUARTLSRTEMT = 1 << 6

	ISUUARTFIFODepth = 16         // bytes in the TX FIFO (Codethink, Microsoft: "taken from the datasheet")
	ISUUARTClockHz   = 26_000_000 // the UART clock (Codethink's MT3620_UART_CLOCK)
	isuUARTBaudSlack = 3          // percent: how far a divisor may miss a supported rate
)

type isuUART struct {
	ier, lcr, mcr, scr, dll, dlm, fcr, efr         uint32
	xon1, xon2, xoff1, xoff2                       uint32
	rxLevelCtl, highSpeed, sampleCount, samplePt   uint32
	guard, escDat, escEn, rtoLimit, rxTrig, extAdd uint32
	fracL, fracM                                   uint32
	seenDropped                                    uint64 // UART.Dropped() when LSR last reported OE
	txDropped                                      uint64 // bytes written to a full TX FIFO
}

// baud returns the bit rate the divisor registers give from the 26 MHz
// clock: HIGHSPEED 0, 1, 2 divide by 16, 8, 4 times the divisor; 3 by the
// divisor times (SAMPLE_COUNT + 1 + tenths), one tenth of a clock for each
// bit set in FRACDIV_M:FRACDIV_L. ok is false while the divisor is 0.
func (u *isuUART) baud() (hz uint64, ok bool) {
	div := uint64(u.dlm<<8 | u.dll)
	if div == 0 {
		return 0, false
	}
	switch u.highSpeed {
	case 0:
		return ISUUARTClockHz / (16 * div), true
	case 1:
		return ISUUARTClockHz / (8 * div), true
	case 2:
		return ISUUARTClockHz / (4 * div), true
	}
	tenths := 10*(uint64(u.sampleCount)+1) + uint64(bits.OnesCount32(u.fracM<<8|u.fracL))
	return ISUUARTClockHz * 10 / (div * tenths), true
}

// isuUARTConfigure gives the board's UART the line settings of LCR, EFR and the
// divisor registers. A divisor of 0 keeps the UART's rate.
func (b *Board) isuUARTConfigure(s *isuState) error {
	u := &s.uart
	uart := b.UART[s.n]
	cfg := uart.Config()
	cfg.DataBits = uint8(5 + u.lcr&3)
	cfg.StopBits = 1
	if u.lcr&ISUUARTLCRStop2 != 0 {
		cfg.StopBits = 2
	}
	switch {
	case u.lcr&ISUUARTLCRParity == 0:
		cfg.Parity = ParityNone
	case u.lcr&ISUUARTLCRStick != 0:
		return fmt.Errorf("stick parity (LCR bit 5) is not modelled")
	case u.lcr&ISUUARTLCREven != 0:
		cfg.Parity = ParityEven
	default:
		cfg.Parity = ParityOdd
	}
	switch {
	case u.efr&(ISUUARTEFRAutoRTS|ISUUARTEFRAutoCTS) != 0:
		cfg.FlowControl = FlowRTSCTS
	case u.efr&ISUUARTEFRSwFlow != 0:
		cfg.FlowControl = FlowXONXOFF
	default:
		cfg.FlowControl = FlowNone
	}
	if hz, ok := u.baud(); ok {
		best := uartBaudRates[0]
		for _, r := range uartBaudRates {
			if absDiff(hz, uint64(r)) < absDiff(hz, uint64(best)) {
				best = r
			}
		}
		if absDiff(hz, uint64(best))*100 > isuUARTBaudSlack*uint64(best) {
			return fmt.Errorf("divisor %d, HIGHSPEED %d, SAMPLE_COUNT %d, FRACDIV %#x give %d baud, not within %d%% of a rate the MT3620 supports",
				u.dlm<<8|u.dll, u.highSpeed, u.sampleCount, u.fracM<<8|u.fracL, hz, isuUARTBaudSlack)
		}
		cfg.BaudRate = best
	}
	if cfg != uart.Config() {
		return uart.Configure(cfg)
	}
	return nil
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// isuUARTLSR returns LSR; consume reports (and clears) an overrun.
func (b *Board) isuUARTLSR(s *isuState, consume bool) uint32 {
	uart := b.UART[s.n]
	var lsr uint32
	if uart.Buffered() > 0 {
		lsr |= ISUUARTLSRDR
	}
	if d := uart.Dropped(); d != s.uart.seenDropped {
		lsr |= ISUUARTLSROE
		if consume {
			s.uart.seenDropped = d
		}
	}
	switch pending := uart.TxPending(); {
	case pending == 0:
		lsr |= ISUUARTLSRTHRE | ISUUARTLSRTEMT
	case pending == 1: // the last byte is in the shift register
		lsr |= ISUUARTLSRTHRE
	}
	return lsr
}

// isuUARTIIR returns IIR: the highest-priority enabled interrupt that is pending.
func (b *Board) isuUARTIIR(s *isuState) uint32 {
	u := &s.uart
	lsr := b.isuUARTLSR(s, false)
	id := uint32(ISUUARTIIRNone)
	switch {
	case u.ier&ISUUARTIERELSI != 0 && lsr&ISUUARTLSROE != 0:
		id = ISUUARTIIRLine
	case u.ier&ISUUARTIERERBFI != 0 && lsr&ISUUARTLSRDR != 0:
		id = ISUUARTIIRRxData
	case u.ier&ISUUARTIERETBEI != 0 && lsr&ISUUARTLSRTHRE != 0:
		id = ISUUARTIIRTxEmpty
	}
	if u.fcr&ISUUARTFCRFIFOE != 0 {
		id |= ISUUARTIIRFIFOBits
	}
	return id
}

func (b *Board) isuUARTAccess(s *isuState, write bool, addr, off, v uint32) (uint32, error) {
	u := &s.uart
	uart := b.UART[s.n]
	verb := accessVerb(write)
	rw := regWriter(write, v)
	dlab := u.lcr&ISUUARTLCRDLAB != 0
	efrBank := u.lcr == ISUUARTLCREFR
	switch off {
	case ISUUARTRegRBR:
		switch {
		case dlab:
			return rw(&u.dll, 0xFF)
		case write:
			limit := 2 // THR and the shift register
			if u.fcr&ISUUARTFCRFIFOE != 0 {
				limit = ISUUARTFIFODepth + 1
			}
			if uart.TxPending() >= limit {
				u.txDropped++ // a full FIFO loses the byte
				return v & 0xFF, nil
			}
			if _, err := uart.Write([]byte{byte(v)}); err != nil {
				return 0, ioError(verb, addr, err.Error())
			}
			return v & 0xFF, nil
		}
		var c [1]byte
		uart.Read(c[:])
		return uint32(c[0]), nil
	case ISUUARTRegIER:
		if dlab {
			return rw(&u.dlm, 0xFF)
		}
		return rw(&u.ier, 0xEF)
	case ISUUARTRegIIR:
		switch {
		case efrBank:
			return rw(&u.efr, 0xDF)
		case !write:
			return b.isuUARTIIR(s), nil
		}
		u.fcr = v & 0xF1 // FIFOE, TX and RX trigger levels; the clear bits clear themselves
		if v&ISUUARTFCRClrR != 0 {
			uart.Read(make([]byte, uart.Buffered()))
		}
		return 0, nil
	case ISUUARTRegLCR:
		if write {
			u.lcr = v & 0xFF
			if u.lcr&ISUUARTLCRDLAB == 0 {
				if err := b.isuUARTConfigure(s); err != nil {
					return 0, ioError(verb, addr, fmt.Sprintf("ISU%d UART: %v", s.n, err))
				}
			}
		}
		return u.lcr, nil
	case ISUUARTRegMCR:
		if efrBank {
			return rw(&u.xon1, 0xFF)
		}
		return rw(&u.mcr, 0x1F) // stored: the loop bit does not rewire the board (docs/rt-hardware.md)
	case ISUUARTRegLSR:
		if efrBank {
			return rw(&u.xon2, 0xFF)
		}
		if write {
			return 0, nil
		}
		return b.isuUARTLSR(s, true), nil
	case ISUUARTRegMSR:
		if efrBank {
			return rw(&u.xoff1, 0xFF)
		}
		return 0, nil
	case ISUUARTRegSCR:
		if efrBank {
			return rw(&u.xoff2, 0xFF)
		}
		return rw(&u.scr, 0xFF)
	case ISUUARTRegRxLevelCtl:
		return rw(&u.rxLevelCtl, 0xC0)
	case ISUUARTRegHighSpeed:
		return rw(&u.highSpeed, 3)
	case ISUUARTRegSampleCount:
		return rw(&u.sampleCount, 0xFF)
	case ISUUARTRegSamplePoint:
		return rw(&u.samplePt, 0xFF)
	case ISUUARTRegGuard:
		return rw(&u.guard, 0x1F)
	case ISUUARTRegEscapeDat:
		return rw(&u.escDat, 0xFF)
	case ISUUARTRegEscapeEn:
		return rw(&u.escEn, 1)
	case ISUUARTRegSwRTOLimit:
		return rw(&u.rtoLimit, 0xFE)
	case ISUUARTRegVFIFOEn:
		if write && v&1 != 0 {
			return 0, ioError(verb, addr, fmt.Sprintf("ISU%d UART: DMA (VFIFO_EN) is not modelled", s.n))
		}
		return 0, nil
	case ISUUARTRegRxTrig:
		return rw(&u.rxTrig, 0x3F)
	case ISUUARTRegFracDivL:
		return rw(&u.fracL, 0xFF)
	case ISUUARTRegFracDivM:
		return rw(&u.fracM, 3)
	case ISUUARTRegFCRRd:
		return u.fcr, nil
	case ISUUARTRegExtendAdd:
		return rw(&u.extAdd, 7)
	case ISUUARTRegRxOffset:
		return uint32(min(uart.Buffered(), 63)), nil
	case ISUUARTRegTxOffset:
		return uint32(min(max(uart.TxPending()-1, 0), ISUUARTFIFODepth)), nil
	case ISUUARTRegIntSta:
		return 0, nil
	}
	return 0, ioError(verb, addr, fmt.Sprintf("no ISU%d UART register here", s.n))
}
