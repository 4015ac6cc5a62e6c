/* sphere-emu RT SDK: I2C master on an ISU (include/rt/i2c.h; registers in include/mt3620/isu.h).
 *
 * A transfer: clear both FIFOs and the done flag, set the target, push the bytes to write, describe
 * the packets (length and direction of each, their count), set START with master mode; the master
 * clears START and sets MM_INT_STA when the packets are done, with ACK_VAL telling which address or
 * data byte was not acknowledged and the bytes read waiting in the RX FIFO. */

#include <rt/rt.h>

static uint32_t busSpeed[ISU_COUNT]; /* 0: I2c_Open not called */

/* Resets the ISU's functions (its I2C, SPI and UART registers) and turns on extra clock bits. */
static void IsuReset(int isu, uint32_t clocks)
{
    uint32_t g = ISU_GLOBAL_BASE(isu);
    uint32_t ctl = ReadReg32(g, ISU_GLOBAL_CTRL);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl & ~ISU_GLOBAL_SW_RST_B);
    WriteReg32(g, ISU_GLOBAL_CTRL, ctl | ISU_GLOBAL_SW_RST_B | clocks);
}

int I2c_Open(int isu, uint32_t speedHz)
{
    if (isu < 0 || isu >= ISU_COUNT) {
        return I2C_ERROR_PARAM;
    }
    if (speedHz != I2C_BUS_SPEED_STANDARD && speedHz != I2C_BUS_SPEED_FAST &&
        speedHz != I2C_BUS_SPEED_FAST_PLUS) {
        return I2C_ERROR_PARAM;
    }
    IsuReset(isu, ISU_GLOBAL_I2C_CLK_EN);
    uintptr_t base = ISU_I2C_BASE(isu);
    WriteReg32(base, I2C_MM_CON0, I2C_CON0_MASTER_EN);
    WriteReg32(base, I2C_MM_PAD_CON0, I2C_PAD_SYNC_EN | 1);

    /* One SCL period is I2C_CLOCK_HZ / speed cycles of the 26 MHz clock, split into four phases
     * that differ by at most one cycle. */
    uint32_t period = I2C_CLOCK_HZ / speedHz;
    uint32_t phase[4];
    for (int i = 0; i < 4; i++) {
        phase[i] = period / 4 + ((uint32_t)i < period % 4 ? 1 : 0);
    }
    WriteReg32(base, I2C_MM_CNT_VAL_PHL, phase[0] | phase[1] << 8);
    WriteReg32(base, I2C_MM_CNT_VAL_PHH, phase[2] | phase[3] << 8);

    WriteReg32(base, I2C_MM_FIFO_CON0, I2C_FIFO_CLR_RX | I2C_FIFO_CLR_TX);
    WriteReg32(base, I2C_INT_CTRL, I2C_INT_MM_STA); /* polled: no MM_INT_EN */
    busSpeed[isu] = speedHz;
    return 0;
}

static int Transfer(int isu, uint8_t address, const uint8_t *wdata, size_t wlen, uint8_t *rdata,
                    size_t rlen)
{
    if (isu < 0 || isu >= ISU_COUNT || busSpeed[isu] == 0 || address > 0x7F ||
        wlen > I2C_MAX_TRANSFER || rlen > I2C_MAX_TRANSFER || wlen + rlen == 0 ||
        (wlen > 0 && wdata == NULL) || (rlen > 0 && rdata == NULL)) {
        return I2C_ERROR_PARAM;
    }
    uintptr_t base = ISU_I2C_BASE(isu);
    if ((ReadReg32(base, I2C_MM_STATUS) & I2C_STATUS_START_READY) == 0) {
        return I2C_ERROR_BUSY;
    }
    WriteReg32(base, I2C_MM_FIFO_CON0, I2C_FIFO_CLR_RX | I2C_FIFO_CLR_TX);
    WriteReg32(base, I2C_INT_CTRL, I2C_INT_MM_STA);
    WriteReg32(base, I2C_MM_SLAVE_ID, address);
    for (size_t i = 0; i < wlen; i++) {
        WriteReg32(base, I2C_MM_FIFO_DATA, wdata[i]);
    }
    uint32_t packets = 0, pack = 0;
    if (wlen > 0) {
        WriteReg32(base, I2C_MM_CNT_BYTE_PK(packets), (uint32_t)wlen);
        packets++;
    }
    if (rlen > 0) {
        WriteReg32(base, I2C_MM_CNT_BYTE_PK(packets), (uint32_t)rlen);
        pack |= I2C_PACK_READ(packets);
        packets++;
    }
    WriteReg32(base, I2C_MM_PACK_CON0, pack | I2C_PACK_COUNT(packets));
    WriteReg32(base, I2C_MM_CON0, I2C_CON0_MASTER_EN | I2C_CON0_GMODE | I2C_CON0_START);

    /* Sleep for the clocks the transfer takes (start, address and data bytes of 9 clocks each,
     * the repeated start, stop), then poll. */
    uint32_t clocks = 2;
    if (wlen > 0) {
        clocks += 9 * (1 + (uint32_t)wlen);
    }
    if (rlen > 0) {
        clocks += 1 + 9 * (1 + (uint32_t)rlen);
    }
    uint32_t speed = busSpeed[isu];
    Gpt_WaitUs((clocks * 1000000u + speed - 1) / speed);
    for (uint32_t waited = 0; (ReadReg32(base, I2C_INT_CTRL) & I2C_INT_MM_STA) == 0;
         waited += I2C_POLL_US) {
        if (waited >= I2C_TIMEOUT_US) {
            return I2C_ERROR_TIMEOUT;
        }
        Gpt_WaitUs(I2C_POLL_US);
    }
    WriteReg32(base, I2C_INT_CTRL, I2C_INT_MM_STA);

    uint32_t ack = ReadReg32(base, I2C_MM_ACK_VAL);
    if (ack & (I2C_ACK_ID_NACK(0) | I2C_ACK_ID_NACK(1) | I2C_ACK_ID_NACK(2))) {
        return I2C_ERROR_NACK;
    }
    if (ack & I2C_ACK_DATA_MASK) {
        return I2C_ERROR_DATA_NACK;
    }
    for (size_t i = 0; i < rlen; i++) {
        rdata[i] = (uint8_t)ReadReg32(base, I2C_MM_FIFO_DATA);
    }
    return (int)(wlen + rlen);
}

int I2c_Write(int isu, uint8_t address, const void *data, size_t len)
{
    return len == 0 ? I2C_ERROR_PARAM : Transfer(isu, address, data, len, NULL, 0);
}

int I2c_Read(int isu, uint8_t address, void *data, size_t len)
{
    return len == 0 ? I2C_ERROR_PARAM : Transfer(isu, address, NULL, 0, data, len);
}

int I2c_WriteThenRead(int isu, uint8_t address, const void *wdata, size_t wlen, void *rdata,
                      size_t rlen)
{
    if (wlen == 0 || rlen == 0) {
        return I2C_ERROR_PARAM;
    }
    return Transfer(isu, address, wdata, wlen, rdata, rlen);
}
