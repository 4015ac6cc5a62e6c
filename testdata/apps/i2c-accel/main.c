// i2c-accel: reads an ST LSM6DS3 accelerometer over I2C every second, in the style of the
// Azure Sphere I2C_LSM6DS3_HighLevelApp sample.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LSM6DS3_I2C = the ISU2 I2C
// bus on header 4 ("ISU2" in the manifest). The LSM6DS3 answers at 0x6A (SA0 low).
//
// LSM6DS3 registers used (datasheet DocID026899):
//   0x0F WHO_AM_I   reads 0x69
//   0x10 CTRL1_XL   ODR_XL[7:4] | FS_XL[3:2] | BW_XL[1:0]; 0x18 = 12.5 Hz, +/-4 g (FS_XL 10)
//   0x12 CTRL3_C    bit 0 SW_RESET (clears itself when the reset is done); IF_INC (bit 2, set
//                   by default) makes multi-byte reads walk through consecutive registers
//   0x1E STATUS_REG bit 0 XLDA: new accelerometer data available
//   0x28..0x2D      OUTX_L_XL .. OUTZ_H_XL, three little-endian int16 samples
// At +/-4 g the sensitivity is 0.122 mg per LSB.
//
// Output:
//   Starting i2c-accel sample.
//   LSM6DS3 WHO_AM_I: 0x69
//   Acceleration: 0.000g, 0.000g, 1.000g   (every second)

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/eventloop.h>
#include <applibs/i2c.h>
#include <applibs/log.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_AccelTimer_Consume = 2,
    ExitCode_AccelTimer_ReadStatus = 3,
    ExitCode_AccelTimer_ReadZAcceleration = 4,
    ExitCode_ReadWhoAmI_WriteThenRead = 5,
    ExitCode_ReadWhoAmI_WrongDevice = 6,
    ExitCode_Reset_Write = 7,
    ExitCode_Reset_Timeout = 8,
    ExitCode_SetCtrl1Xl_Write = 9,
    ExitCode_Init_EventLoop = 10,
    ExitCode_Init_AccelTimer = 11,
    ExitCode_Init_OpenMaster = 12,
    ExitCode_Init_SetBusSpeed = 13,
    ExitCode_Init_SetTimeout = 14,
    ExitCode_Init_SetDefaultTarget = 15,
    ExitCode_Main_EventLoopFail = 16,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int i2cFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *accelTimer = NULL;

static const uint8_t lsm6ds3Address = 0x6A;
static const uint8_t whoAmIRegister = 0x0F;
static const uint8_t expectedWhoAmI = 0x69;
static const uint8_t ctrl1XlRegister = 0x10;
static const uint8_t ctrl3cRegister = 0x12;
static const uint8_t statusRegister = 0x1E;
static const uint8_t outXlRegister = 0x28;
static const double milliGPerLsb = 0.122;  // +/-4 g

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

static void AccelTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_AccelTimer_Consume;
        return;
    }
    uint8_t status;
    ssize_t transferred = I2CMaster_WriteThenRead(i2cFd, lsm6ds3Address, &statusRegister, 1,
                                                  &status, 1);
    if (transferred != 2) {
        Log_Debug("ERROR: Could not read STATUS_REG: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_AccelTimer_ReadStatus;
        return;
    }
    if ((status & 0x01) == 0) {
        Log_Debug("No new accelerometer data.\n");
        return;
    }
    uint8_t raw[6];
    transferred = I2CMaster_WriteThenRead(i2cFd, lsm6ds3Address, &outXlRegister, 1, raw, sizeof raw);
    if (transferred != 1 + (ssize_t)sizeof raw) {
        Log_Debug("ERROR: Could not read acceleration: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_AccelTimer_ReadZAcceleration;
        return;
    }
    double g[3];
    for (int axis = 0; axis < 3; axis++) {
        int16_t sample = (int16_t)(raw[2 * axis] | (raw[2 * axis + 1] << 8));
        g[axis] = (double)sample * milliGPerLsb / 1000.0;
    }
    Log_Debug("Acceleration: %.3lfg, %.3lfg, %.3lfg\n", g[0], g[1], g[2]);
}

static ExitCode ReadWhoAmI(void)
{
    uint8_t whoAmI;
    ssize_t transferred = I2CMaster_WriteThenRead(i2cFd, lsm6ds3Address, &whoAmIRegister, 1,
                                                  &whoAmI, 1);
    if (transferred != 2) {
        Log_Debug("ERROR: Could not read WHO_AM_I: %s (%d).\n", strerror(errno), errno);
        return ExitCode_ReadWhoAmI_WriteThenRead;
    }
    Log_Debug("LSM6DS3 WHO_AM_I: 0x%02x\n", whoAmI);
    if (whoAmI != expectedWhoAmI) {
        Log_Debug("ERROR: Unexpected WHO_AM_I value (expected 0x%02x).\n", expectedWhoAmI);
        return ExitCode_ReadWhoAmI_WrongDevice;
    }
    return ExitCode_Success;
}

static ExitCode ResetAndConfigure(void)
{
    // Software reset, then wait (a bounded number of polls) for SW_RESET to clear.
    const uint8_t resetCommand[] = {ctrl3cRegister, 0x01};
    if (I2CMaster_Write(i2cFd, lsm6ds3Address, resetCommand, sizeof resetCommand) !=
        (ssize_t)sizeof resetCommand) {
        Log_Debug("ERROR: Could not reset LSM6DS3: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Reset_Write;
    }
    int polls = 0;
    uint8_t ctrl3c = 0x01;
    while ((ctrl3c & 0x01) != 0) {
        if (++polls > 100) {
            Log_Debug("ERROR: LSM6DS3 did not come out of reset.\n");
            return ExitCode_Reset_Timeout;
        }
        if (I2CMaster_WriteThenRead(i2cFd, lsm6ds3Address, &ctrl3cRegister, 1, &ctrl3c, 1) != 2) {
            ctrl3c = 0x01;
        }
    }

    // 12.5 Hz output data rate, +/-4 g full scale.
    const uint8_t ctrl1XlCommand[] = {ctrl1XlRegister, 0x18};
    if (I2CMaster_Write(i2cFd, lsm6ds3Address, ctrl1XlCommand, sizeof ctrl1XlCommand) !=
        (ssize_t)sizeof ctrl1XlCommand) {
        Log_Debug("ERROR: Could not set CTRL1_XL: %s (%d).\n", strerror(errno), errno);
        return ExitCode_SetCtrl1Xl_Write;
    }
    return ExitCode_Success;
}

static ExitCode InitPeripheralsAndHandlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(struct sigaction));
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    eventLoop = EventLoop_Create();
    if (eventLoop == NULL) {
        Log_Debug("Could not create event loop.\n");
        return ExitCode_Init_EventLoop;
    }
    static const struct timespec accelReadPeriod = {.tv_sec = 1, .tv_nsec = 0};
    accelTimer = CreateEventLoopPeriodicTimer(eventLoop, AccelTimerEventHandler, &accelReadPeriod);
    if (accelTimer == NULL) {
        return ExitCode_Init_AccelTimer;
    }

    i2cFd = I2CMaster_Open(SAMPLE_LSM6DS3_I2C);
    if (i2cFd == -1) {
        Log_Debug("ERROR: I2CMaster_Open: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_OpenMaster;
    }
    if (I2CMaster_SetBusSpeed(i2cFd, I2C_BUS_SPEED_STANDARD) != 0) {
        Log_Debug("ERROR: I2CMaster_SetBusSpeed: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetBusSpeed;
    }
    if (I2CMaster_SetTimeout(i2cFd, 100) != 0) {
        Log_Debug("ERROR: I2CMaster_SetTimeout: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetTimeout;
    }
    // Lets plain read() and write() reach the device too (not used below).
    if (I2CMaster_SetDefaultTargetAddress(i2cFd, lsm6ds3Address) != 0) {
        Log_Debug("ERROR: I2CMaster_SetDefaultTargetAddress: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetDefaultTarget;
    }

    ExitCode e = ReadWhoAmI();
    if (e != ExitCode_Success) {
        return e;
    }
    return ResetAndConfigure();
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(accelTimer);
    EventLoop_Close(eventLoop);
    if (i2cFd >= 0) {
        close(i2cFd);
    }
}

int main(void)
{
    Log_Debug("Starting i2c-accel sample.\n");
    exitCode = InitPeripheralsAndHandlers();

    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    Log_Debug("Application exiting.\n");
    return exitCode;
}
