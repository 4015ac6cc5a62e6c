package hw_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// isuBase returns ISU n's block address.
func isuBase(n int) uint32 { return hw.IOISUBase + uint32(n)*hw.IOBlockSize }

func isuI2C(n int, off uint32) uint32  { return isuBase(n) + hw.ISUI2COffset + off }
func isuSPI(n int, off uint32) uint32  { return isuBase(n) + hw.ISUSPIMOffset + off }
func isuUART(n int, off uint32) uint32 { return isuBase(n) + hw.ISUUARTOffset + off }

// TestISURegistersStoreWhatTheyShould writes each plain register with all
// ones and reads back what it keeps (reserved bits dropped), on every ISU.
func TestISURegistersStoreWhatTheyShould(t *testing.T) {
	type reg struct {
		name string
		addr func(n int) uint32
		want uint32 // read back after writing 0xFFFFFFFF
	}
	at := func(f func(int, uint32) uint32, off uint32) func(int) uint32 {
		return func(n int) uint32 { return f(n, off) }
	}
	gpio := func(n int, off uint32) uint32 { return isuBase(n) + off }
	regs := []reg{
		{"GLOBAL_CTRL", at(gpio, hw.GPIORegGlobalCtrl), 0xFFFF},
		{"PU", at(gpio, hw.GPIORegPU), 0x8000001F},
		{"PD", at(gpio, hw.GPIORegPD), 0x1F},
		{"SR", at(gpio, hw.GPIORegSR), 0x1F},
		{"IES", at(gpio, hw.GPIORegIES), 0x1F},
		{"PADDRV", at(gpio, hw.GPIORegPADDRV), 0x3FF},
		{"RDSEL", at(gpio, hw.GPIORegRDSEL), 0x3FF},
		{"TDSEL", at(gpio, hw.GPIORegTDSEL), 0xFFFFF},
		{"EA", at(gpio, hw.GPIORegEA), 0x1F},
		{"RSEL", at(gpio, hw.GPIORegRSEL), 0x1F},

		{"I2C INT_CTRL", at(isuI2C, hw.ISUI2CRegIntCtrl), 0x66}, // enables and masks; the status bits are W1C
		{"I2C MM_PAD_CON0", at(isuI2C, hw.ISUI2CRegPadCon0), 0xFF},
		{"I2C MM_CNT_VAL_PHL", at(isuI2C, hw.ISUI2CRegCntValPHL), 0xFFFF},
		{"I2C MM_CNT_VAL_PHH", at(isuI2C, hw.ISUI2CRegCntValPHH), 0xFFFF},
		{"I2C MM_CNT_BYTE_VAL_PK0", at(isuI2C, hw.ISUI2CRegCntBytePK0), 0xFFFF},
		{"I2C MM_CNT_BYTE_VAL_PK1", at(isuI2C, hw.ISUI2CRegCntBytePK0+4), 0xFFFF},
		{"I2C MM_CNT_BYTE_VAL_PK2", at(isuI2C, hw.ISUI2CRegCntBytePK0+8), 0xFFFF},
		{"I2C MM_SLAVE_ID", at(isuI2C, hw.ISUI2CRegSlaveID), 0x7F},
		{"I2C MM_PACK_CON0", at(isuI2C, hw.ISUI2CRegPackCon0), 0x37},
		{"I2C MM_ACK_VAL (read-only)", at(isuI2C, hw.ISUI2CRegAckVal), 0},
		{"I2C MM_FIFO_CON0 (write-only)", at(isuI2C, hw.ISUI2CRegFIFOCon0), 0},
		{"I2C DMA_CON0", at(isuI2C, hw.ISUI2CRegDMACon0), 0x30},
		{"I2C S_SLAVE_ID", at(isuI2C, hw.ISUI2CRegSSlaveID), 0x7F},
		{"I2C S_ID_RECEIVE0", at(isuI2C, hw.ISUI2CRegSIDReceive0), 0},
		{"I2C S_ID_RECEIVE1", at(isuI2C, hw.ISUI2CRegSIDReceive1), 0},
		{"I2C S_FIFO_CON0", at(isuI2C, hw.ISUI2CRegSFIFOCon0), 0},
		{"I2C S_FIFO_STATUS", at(isuI2C, hw.ISUI2CRegSFIFOStatus), 0x11},
		{"I2C S_FIFO_PTR", at(isuI2C, hw.ISUI2CRegSFIFOPtr), 0},

		{"SPI SOAR", at(isuSPI, hw.ISUSPIRegSOAR), 0xFFFFFFFF},
		{"SPI SDOR0", at(isuSPI, hw.ISUSPIRegSDOR0), 0xFFFFFFFF},
		{"SPI SDOR7", at(isuSPI, hw.ISUSPIRegSDOR0+28), 0xFFFFFFFF},
		{"SPI SMMR", at(isuSPI, hw.ISUSPIRegSMMR), 0xFFFF07FC},
		{"SPI SMBCR", at(isuSPI, hw.ISUSPIRegSMBCR), 0x3F1FF1FF},
		{"SPI Q_CTL", at(isuSPI, hw.ISUSPIRegQCtl), 0xFFFFFFFF},
		{"SPI CSPOL", at(isuSPI, hw.ISUSPIRegCSPol), 0x000FF1FF},
		{"SPI SDIR0 (read-only)", at(isuSPI, hw.ISUSPIRegSDIR0), 0},
		{"SPI SDIR7 (read-only)", at(isuSPI, hw.ISUSPIRegSDIR0+28), 0},

		{"UART IER", at(isuUART, hw.ISUUARTRegIER), 0xEF},
		{"UART MCR", at(isuUART, hw.ISUUARTRegMCR), 0x1F},
		{"UART SCR", at(isuUART, hw.ISUUARTRegSCR), 0xFF},
		{"UART MSR", at(isuUART, hw.ISUUARTRegMSR), 0},
		{"UART RX_LEVEL_CTL", at(isuUART, hw.ISUUARTRegRxLevelCtl), 0xC0},
		{"UART HIGHSPEED", at(isuUART, hw.ISUUARTRegHighSpeed), 3},
		{"UART SAMPLE_COUNT", at(isuUART, hw.ISUUARTRegSampleCount), 0xFF},
		{"UART SAMPLE_POINT", at(isuUART, hw.ISUUARTRegSamplePoint), 0xFF},
		{"UART GUARD", at(isuUART, hw.ISUUARTRegGuard), 0x1F},
		{"UART ESCAPE_DAT", at(isuUART, hw.ISUUARTRegEscapeDat), 0xFF},
		{"UART ESCAPE_EN", at(isuUART, hw.ISUUARTRegEscapeEn), 1},
		{"UART SW_RTO_LIMIT", at(isuUART, hw.ISUUARTRegSwRTOLimit), 0xFE},
		{"UART RXTRIG", at(isuUART, hw.ISUUARTRegRxTrig), 0x3F},
		{"UART FRACDIV_L", at(isuUART, hw.ISUUARTRegFracDivL), 0xFF},
		{"UART FRACDIV_M", at(isuUART, hw.ISUUARTRegFracDivM), 3},
		{"UART EXTEND_ADD", at(isuUART, hw.ISUUARTRegExtendAdd), 7},
		{"UART INTERRUPT_STA", at(isuUART, hw.ISUUARTRegIntSta), 0},
	}
	for n := range hw.ISUCount {
		b := newBench(t).board
		for _, r := range regs {
			t.Run(fmt.Sprintf("ISU%d %s", n, r.name), func(t *testing.T) {
				addr := r.addr(n)
				ioWr(t, b, addr, 0xFFFFFFFF)
				require.Equal(t, r.want, ioRd(t, b, addr), "%#08x", addr)
				if r.want != 0 && r.name != "GLOBAL_CTRL" && r.name != "I2C S_FIFO_STATUS" {
					ioWr(t, b, addr, 0)
					require.Zero(t, ioRd(t, b, addr), "%#08x", addr)
				}
			})
		}
	}
}

func TestISUResetValues(t *testing.T) {
	b := newBench(t).board
	for n := range hw.ISUCount {
		require.EqualValues(t, hw.ISUGlobalDefault, ioRd(t, b, isuBase(n)+hw.GPIORegGlobalCtrl))
		require.EqualValues(t, hw.ISUI2CStatusStartReady, ioRd(t, b, isuI2C(n, hw.ISUI2CRegStatus)))
		require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(n, hw.ISUI2CRegFIFOStatus)), "both FIFOs empty")
		require.Zero(t, ioRd(t, b, isuI2C(n, hw.ISUI2CRegFIFOPtr)))
		require.Zero(t, ioRd(t, b, isuSPI(n, hw.ISUSPIRegSTCSR)))
		require.Zero(t, ioRd(t, b, isuSPI(n, hw.ISUSPIRegSCSR)))
		require.EqualValues(t, hw.ISUUARTIIRNone, ioRd(t, b, isuUART(n, hw.ISUUARTRegIIR)))
		require.EqualValues(t, hw.ISUUARTLSRTHRE|hw.ISUUARTLSRTEMT, ioRd(t, b, isuUART(n, hw.ISUUARTRegLSR)))
		require.Zero(t, ioRd(t, b, isuUART(n, hw.ISUUARTRegLCR)))
	}
}

func TestISURejectsUnknownOffsets(t *testing.T) {
	b := newBench(t).board
	for _, addr := range []uint32{
		isuBase(0) + 0x08, isuBase(0) + 0x1C, isuBase(0) + 0xC0, isuBase(0) + 0x1FC, // GPIO holes
		isuBase(0) + 0x100, isuBase(0) + 0x154, // event counter
		isuI2C(1, 0x04), isuI2C(1, 0x3C), isuI2C(1, 0x4C), isuI2C(1, 0x64), isuI2C(1, 0x7C), isuI2C(1, 0x88),
		isuI2C(1, 0x94), isuI2C(1, 0xBC), isuI2C(1, 0xD4), isuI2C(1, 0xF4), isuI2C(1, 0xFC),
		isuI2C(1, hw.ISUI2CRegSFIFOData), // subordinate mode
		isuSPI(2, 0x3C), isuSPI(2, 0x44), isuSPI(2, 0x68), isuSPI(2, 0xFC), isuSPI(2, hw.ISUSPIRegDataPort),
		isuBase(3) + hw.ISUSPISOffset, isuBase(3) + hw.ISUSPISOffset + 0x40, // SPI subordinate
		isuUART(4, 0x30), isuUART(4, 0x38), isuUART(4, 0x60), isuUART(4, 0x74), isuUART(4, 0xFC),
		isuBase(4) + 0x600, isuBase(4) + 0xFFFC, // beyond the UART
		isuBase(5), isuBase(5) + hw.ISUUARTOffset, // ISU5: not on the board
		isuUART(0, 1), isuI2C(0, 2), // unaligned
	} {
		_, err := b.IORead32(addr)
		require.Truef(t, errors.Is(err, hw.ErrInvalid), "read %#08x: %v", addr, err)
		require.Truef(t, errors.Is(b.IOWrite32(addr, 0), hw.ErrInvalid), "write %#08x", addr)
	}
	_, err := b.IORead32(isuBase(5))
	require.ErrorContains(t, err, "ISU5 is not modelled at register level")
	_, err = b.IORead32(isuBase(3) + hw.ISUSPISOffset)
	require.ErrorContains(t, err, "ISU3's SPI subordinate is not modelled")
}

func TestISUGPIORegistersDriveTheISUPins(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	for n, first := range []int{26, 31, 36, 66, 71} {
		require.Equal(t, first, hw.ISUFirstPin(n))
	}
	require.Equal(t, -1, hw.ISUFirstPin(5))

	blk := isuBase(2) // GPIO 36–40
	ioWr(t, b, blk+hw.GPIORegDOUTSet, 1<<4)
	ioWr(t, b, blk+hw.GPIORegOESet, 1<<4) // GPIO 40 drives high
	e, ok := bn.rec.First("gpio.set", "gpio", "40")
	require.True(t, ok)
	require.Equal(t, "1", e.Str("value"))
	require.EqualValues(t, 1<<4, ioRd(t, b, blk+hw.GPIORegOE))
	ioWr(t, b, blk+hw.GPIORegDOUTReset, 1<<4)
	lv, err := b.GPIO.Get(40)
	require.NoError(t, err)
	require.Zero(t, lv)

	require.NoError(t, b.GPIO.ConfigureInput(37))
	require.NoError(t, b.GPIO.Drive(37, 0))
	require.Zero(t, ioRd(t, b, blk+hw.GPIORegDIN)&(1<<1), "GPIO 37 driven low")
	require.NotZero(t, ioRd(t, b, blk+hw.GPIORegDIN)&(1<<0), "GPIO 36 pulled up")
	ioWr(t, b, blk+hw.GPIORegOEReset, 1<<4)
	require.Zero(t, ioRd(t, b, blk+hw.GPIORegOE))

	// Set/reset variants of the pad registers.
	ioWr(t, b, blk+hw.GPIORegEA+4, 0x6) // MediaTek's I2C init: SCL and SDA EA
	ioWr(t, b, blk+hw.GPIORegEA+4, 0x1)
	ioWr(t, b, blk+hw.GPIORegEA+8, 0x1)
	require.EqualValues(t, 0x6, ioRd(t, b, blk+hw.GPIORegEA))
}

func TestISUIRQLevels(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	for _, irq := range []int{0, 43, 46, 50, 64, 100} {
		_, ok := b.ISUIRQLevel(irq)
		require.False(t, ok, "IRQ %d", irq)
	}
	for n := range hw.ISUCount {
		for _, irq := range []int{hw.ISUIRQI2CBase, hw.ISUIRQSPIBase, hw.ISUIRQUARTBase} {
			lv, ok := b.ISUIRQLevel(irq + n*hw.ISUIRQStride)
			require.True(t, ok)
			require.False(t, lv)
		}
	}
	// I2C: a finished transfer with MM_INT_EN set.
	i2cWhoAmI(t, bn, hw.I2CSpeedStandard)
	lv, _ := b.ISUIRQLevel(hw.ISUIRQI2CBase + 2*hw.ISUIRQStride)
	require.False(t, lv, "MM_INT_EN is clear")
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl), hw.ISUI2CIntMMEn)
	lv, _ = b.ISUIRQLevel(hw.ISUIRQI2CBase + 2*hw.ISUIRQStride)
	require.True(t, lv)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl), hw.ISUI2CIntMMEn|hw.ISUI2CIntMMSta)
	lv, _ = b.ISUIRQLevel(hw.ISUIRQI2CBase + 2*hw.ISUIRQStride)
	require.False(t, lv, "writing 1 clears MM_INT_STA")

	// UART: THR empty with ETBEI.
	ioWr(t, b, isuUART(0, hw.ISUUARTRegIER), hw.ISUUARTIERETBEI)
	lv, _ = b.ISUIRQLevel(hw.ISUIRQUARTBase)
	require.True(t, lv)

	// SPI: status pending with int_en.
	spiRead(t, bn, 1, hw.SPIChipSelectA, 0x80|hw.LSM6DS3RegWhoAmI, 1, hw.ISUSPISMMRIntEn)
	lv, _ = b.ISUIRQLevel(hw.ISUIRQSPIBase + hw.ISUIRQStride)
	require.True(t, lv)
	ioRd(t, b, isuSPI(1, hw.ISUSPIRegSCSR))
	lv, _ = b.ISUIRQLevel(hw.ISUIRQSPIBase + hw.ISUIRQStride)
	require.False(t, lv, "reading SCSR clears it")
}

func TestISUSoftwareResetCancelsATransfer(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	i2cSetup(t, b, 2, hw.I2CSpeedStandard, hw.AccelI2CAddress)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	i2cStart(t, b, 2, []int{1, -1})
	require.EqualValues(t, hw.ISUI2CStatusBusBusy, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)))

	g := isuBase(2) + hw.GPIORegGlobalCtrl
	ioWr(t, b, g, hw.ISUGlobalDefault&^hw.ISUGlobalSwRstB) // MediaTek: clear SW_RST, then set it
	ioWr(t, b, g, hw.ISUGlobalDefault)
	require.EqualValues(t, hw.ISUGlobalDefault, ioRd(t, b, g))
	require.EqualValues(t, hw.ISUI2CStatusStartReady, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)))
	require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegCon0)), "registers back to reset")
	bn.runTo(10 * sim.Millisecond)
	require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl)), "the cancelled transfer never completes")
	require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)))
}

func TestISUIRQHookRunsWhenATransferCompletes(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	var at []int64
	b.OnISUIRQ(func() { at = append(at, bn.sim.Now()) })
	b.OnISUIRQ(nil)
	i2cSetup(t, b, 2, hw.I2CSpeedStandard, hw.AccelI2CAddress)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	i2cStart(t, b, 2, []int{1, -1})
	require.Empty(t, at, "not at the start")
	bn.runTo(sim.Millisecond)
	require.Equal(t, []int64{390 * sim.Microsecond}, at)

	spiRead(t, bn, 1, hw.SPIChipSelectA, 0x8F, 1, 0)
	require.Len(t, at, 2)
	require.Equal(t, sim.Millisecond+8*sim.Microsecond, at[1])
}
