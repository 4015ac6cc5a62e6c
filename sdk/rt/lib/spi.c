/* sphere-emu RT SDK: SPI master on an ISU (include/rt/spi.h; registers in include/mt3620/isu.h).
 *
 * The master runs in more-buffer mode: SMBCR gives the bit counts of the opcode (from SOAR, its
 * first byte in the highest used byte), the MOSI data (SDOR, byte 0 first) and the MISO data
 * (into SDIR, byte 0 first). Writing STCSR.START starts it; BUSY drops and SCSR reports success
 * when it is done. DMA mode stays off: the registers are filled by the CPU. */

#include <rt/rt.h>

static uint32_t sckHz[ISU_COUNT]; /* 0: Spi_Open not called */

int Spi_Open(int isu, uint32_t speedHz, int mode)
{
    if (isu < 0 || isu >= ISU_COUNT || mode < 0 || mode > 3 || speedHz == 0) {
        return SPI_ERROR_PARAM;
    }
    /* The slowest divider that is still at most speedHz: 80 MHz / (div + 2). */
    uint32_t steps = (SPI_CLOCK_HZ + speedHz - 1) / speedHz;
    uint32_t div = steps < 2 ? 0 : steps - 2;
    if (div > 4095) {
        return SPI_ERROR_PARAM;
    }
    uint32_t g = ISU_GLOBAL_BASE(isu);
    uint32_t ctl = ReadReg32(g, ISU_GLOBAL_CTRL);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl & ~ISU_GLOBAL_SW_RST_B);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl | ISU_GLOBAL_SW_RST_B | ISU_GLOBAL_SPI_CLK_EN);

    uintptr_t base = ISU_SPI_BASE(isu);
    uint32_t smmr = SPI_SMMR_MORE_BUF | SPI_SMMR_CLK_DIV(div) | SPI_SMMR_CS(SPI_CS_A);
    if (mode & 2) {
        smmr |= SPI_SMMR_CPOL;
    }
    if (mode & 1) {
        smmr |= SPI_SMMR_CPHA;
    }
    WriteReg32(base, SPI_SMMR, smmr);
    WriteReg32(base, SPI_CSPOL, 0); /* chip selects active low, no DMA */
    (void)ReadReg32(base, SPI_SCSR); /* clear a stale status */
    sckHz[isu] = SPI_CLOCK_HZ / (div + 2);
    return 0;
}

int Spi_SelectCs(int isu, int cs)
{
    if (isu < 0 || isu >= ISU_COUNT || sckHz[isu] == 0 ||
        (cs != SPI_CS_A && cs != SPI_CS_B && cs != SPI_CS_NONE)) {
        return SPI_ERROR_PARAM;
    }
    uintptr_t base = ISU_SPI_BASE(isu);
    uint32_t smmr = ReadReg32(base, SPI_SMMR) & ~SPI_SMMR_CS_MASK;
    WriteReg32(base, SPI_SMMR, smmr | SPI_SMMR_CS((uint32_t)cs));
    return 0;
}

int Spi_SetLsbFirst(int isu, int lsbFirst)
{
    if (isu < 0 || isu >= ISU_COUNT || sckHz[isu] == 0) {
        return SPI_ERROR_PARAM;
    }
    uintptr_t base = ISU_SPI_BASE(isu);
    uint32_t smmr = ReadReg32(base, SPI_SMMR) & ~SPI_SMMR_LSB_FIRST;
    WriteReg32(base, SPI_SMMR, smmr | (lsbFirst ? SPI_SMMR_LSB_FIRST : 0));
    return 0;
}

/* Runs one transfer: the first min(wlen, 4) bytes as the opcode, the rest as MOSI data, then rlen
 * bytes of MISO data. */
static int Transfer(int isu, const uint8_t *wdata, size_t wlen, uint8_t *rdata, size_t rlen)
{
    uintptr_t base = ISU_SPI_BASE(isu);
    if (ReadReg32(base, SPI_STCSR) & SPI_STCSR_BUSY) {
        return SPI_ERROR_BUSY;
    }
    size_t opLen = wlen < SPI_OPCODE_BYTES ? wlen : SPI_OPCODE_BYTES;
    size_t dataLen = wlen - opLen;
    uint32_t opcode = 0;
    for (size_t i = 0; i < opLen; i++) {
        opcode = opcode << 8 | wdata[i];
    }
    WriteReg32(base, SPI_SOAR, opcode);
    for (size_t w = 0; w * 4 < dataLen; w++) {
        uint32_t word = 0;
        for (size_t i = 0; i < 4 && w * 4 + i < dataLen; i++) {
            word |= (uint32_t)wdata[opLen + w * 4 + i] << (8 * i);
        }
        WriteReg32(base, SPI_SDOR(w), word);
    }
    WriteReg32(base, SPI_SMBCR,
               SPI_SMBCR_CMD_BITS(8 * opLen) | SPI_SMBCR_MOSI_BITS(8 * dataLen) |
                   SPI_SMBCR_MISO_BITS(8 * rlen));
    (void)ReadReg32(base, SPI_SCSR);
    WriteReg32(base, SPI_STCSR, SPI_STCSR_START);

    uint32_t bits = 8 * (uint32_t)(wlen + rlen);
    uint32_t hz = sckHz[isu];
    Gpt_WaitUs((uint32_t)(((uint64_t)bits * 1000000u + hz - 1) / hz));
    for (uint32_t waited = 0; ReadReg32(base, SPI_STCSR) & SPI_STCSR_BUSY; waited += SPI_POLL_US) {
        if (waited >= SPI_TIMEOUT_US) {
            return SPI_ERROR_TIMEOUT;
        }
        Gpt_WaitUs(SPI_POLL_US);
    }
    if ((ReadReg32(base, SPI_SCSR) & SPI_SCSR_OK) == 0) {
        return SPI_ERROR_FAILED;
    }
    for (size_t i = 0; i < rlen; i += 4) {
        uint32_t word = ReadReg32(base, SPI_SDIR(i / 4));
        for (size_t j = 0; j < 4 && i + j < rlen; j++) {
            rdata[i + j] = (uint8_t)(word >> (8 * j));
        }
    }
    return (int)(wlen + rlen);
}

int Spi_Write(int isu, const void *data, size_t len)
{
    if (isu < 0 || isu >= ISU_COUNT || sckHz[isu] == 0 || data == NULL || len == 0 ||
        len > SPI_OPCODE_BYTES + SPI_DATA_BYTES) {
        return SPI_ERROR_PARAM;
    }
    return Transfer(isu, data, len, NULL, 0);
}

int Spi_WriteThenRead(int isu, const void *wdata, size_t wlen, void *rdata, size_t rlen)
{
    if (isu < 0 || isu >= ISU_COUNT || sckHz[isu] == 0 || wlen > SPI_OPCODE_BYTES ||
        (wlen > 0 && wdata == NULL) || rdata == NULL || rlen == 0 || rlen > SPI_DATA_BYTES) {
        return SPI_ERROR_PARAM;
    }
    return Transfer(isu, wdata, wlen, rdata, rlen);
}
