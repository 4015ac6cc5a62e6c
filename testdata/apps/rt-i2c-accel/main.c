/* rt-i2c-accel: the LSM6DS3 accelerometer on ISU2's I2C bus, read by a real-time core through the
 * ISU's registers (sdk/rt include/rt/i2c.h): WHO_AM_I once, a probe of an empty address, then the
 * accelerometer at 104 Hz, +/-2 g, every 500 ms, printed on the debug UART in milli-g.
 *
 * LSM6DS3 registers (ST datasheet DocID026899): 0x0F WHO_AM_I (0x69), 0x10 CTRL1_XL
 * (ODR_XL 7:4, FS_XL 3:2; 0x40 = 104 Hz, +/-2 g), 0x1E STATUS_REG (bit 0 XLDA), 0x28..0x2D
 * OUTX_L_XL..OUTZ_H_XL (three little-endian int16; 0.061 mg per LSB at +/-2 g). */

#include <rt/rt.h>

#define ACCEL_ISU 2
#define ACCEL_ADDRESS 0x6A /* SA0 low on the RDB */
#define EMPTY_ADDRESS 0x50 /* nothing answers here */
#define REG_WHO_AM_I 0x0F
#define REG_CTRL1_XL 0x10
#define REG_STATUS 0x1E
#define REG_OUTX_L_XL 0x28
#define CTRL1_XL_104HZ_2G 0x40
#define PERIOD_US (500 * 1000)

static int ReadRegisters(uint8_t reg, uint8_t *out, size_t n)
{
    return I2c_WriteThenRead(ACCEL_ISU, ACCEL_ADDRESS, &reg, 1, out, n);
}

/* 0.061 mg per LSB, rounded half away from zero. */
static int MilliG(int16_t raw)
{
    int32_t v = (int32_t)raw * 61;
    return v >= 0 ? (int)((v + 500) / 1000) : -(int)((-v + 500) / 1000);
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("rt-i2c-accel: starting\r\n");
    if (I2c_Open(ACCEL_ISU, I2C_BUS_SPEED_FAST) != 0) {
        Uart_WriteString("rt-i2c-accel: I2c_Open failed\r\n");
        return;
    }

    uint8_t who = 0;
    int r = ReadRegisters(REG_WHO_AM_I, &who, 1);
    if (r < 0) {
        Uart_Printf("rt-i2c-accel: reading WHO_AM_I failed: %d\r\n", r);
        return;
    }
    Uart_Printf("rt-i2c-accel: WHO_AM_I 0x%02x%s\r\n", who, who == 0x69 ? " (LSM6DS3)" : " (unexpected)");

    uint8_t probe;
    r = I2c_Read(ACCEL_ISU, EMPTY_ADDRESS, &probe, 1);
    Uart_Printf("rt-i2c-accel: address 0x%02x: %s\r\n", EMPTY_ADDRESS,
                r == I2C_ERROR_NACK ? "not acknowledged" : "unexpected answer");

    const uint8_t ctrl[2] = {REG_CTRL1_XL, CTRL1_XL_104HZ_2G};
    r = I2c_Write(ACCEL_ISU, ACCEL_ADDRESS, ctrl, sizeof ctrl);
    if (r < 0) {
        Uart_Printf("rt-i2c-accel: writing CTRL1_XL failed: %d\r\n", r);
        return;
    }

    for (uint32_t n = 1;; n++) {
        Gpt_WaitUs(PERIOD_US);
        uint8_t status = 0, raw[6];
        r = ReadRegisters(REG_STATUS, &status, 1);
        if (r >= 0) {
            r = ReadRegisters(REG_OUTX_L_XL, raw, sizeof raw);
        }
        if (r < 0) {
            Uart_Printf("rt-i2c-accel: %lu read failed: %d\r\n", (unsigned long)n, r);
            continue;
        }
        int16_t x = (int16_t)(raw[0] | raw[1] << 8);
        int16_t y = (int16_t)(raw[2] | raw[3] << 8);
        int16_t z = (int16_t)(raw[4] | raw[5] << 8);
        Uart_Printf("rt-i2c-accel: %lu x=%d y=%d z=%d mg%s\r\n", (unsigned long)n, MilliG(x), MilliG(y),
                    MilliG(z), (status & 1) ? "" : " (no new sample)");
    }
}
