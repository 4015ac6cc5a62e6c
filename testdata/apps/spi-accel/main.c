// spi-accel: reads an ST LSM6DS3 accelerometer over SPI every second, in the style of the
// Azure Sphere SPI_LSM6DS3_HighLevelApp sample.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LSM6DS3_SPI = the ISU1 SPI bus
// on header 4 ("ISU1" in the manifest), SAMPLE_LSM6DS3_SPI_CS = chip select A. The bus runs in
// SPI mode 3, MSB first, at 400 kHz; chip select is active low.
//
// On SPI the first byte of a transaction is the register address, with bit 7 set for a read.
// Registers used (LSM6DS3 datasheet): 0x0F WHO_AM_I (0x69), 0x10 CTRL1_XL (0x18 = 12.5 Hz,
// +/-4 g), 0x12 CTRL3_C (bit 0 SW_RESET), 0x1E STATUS_REG (bit 0 XLDA), 0x28..0x2D the X/Y/Z
// samples (little-endian int16, 0.122 mg per LSB at +/-4 g).
//
// Output:
//   Starting spi-accel sample.
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
#include <applibs/log.h>
#include <applibs/spi.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_AccelTimer_Consume = 2,
    ExitCode_AccelTimer_ReadStatus = 3,
    ExitCode_AccelTimer_ReadAcceleration = 4,
    ExitCode_ReadWhoAmI_Read = 5,
    ExitCode_ReadWhoAmI_WrongDevice = 6,
    ExitCode_Reset_Write = 7,
    ExitCode_Reset_Timeout = 8,
    ExitCode_SetCtrl1Xl_Write = 9,
    ExitCode_Init_EventLoop = 10,
    ExitCode_Init_AccelTimer = 11,
    ExitCode_Init_InitConfig = 12,
    ExitCode_Init_OpenSpiMaster = 13,
    ExitCode_Init_SetBusSpeed = 14,
    ExitCode_Init_SetMode = 15,
    ExitCode_Init_SetBitOrder = 16,
    ExitCode_Main_EventLoopFail = 17,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int spiFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *accelTimer = NULL;

static const uint8_t readBit = 0x80;
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

// Reads length bytes starting at register reg (one transaction: address, then data).
static ssize_t ReadRegisters(uint8_t reg, uint8_t *data, size_t length)
{
    const uint8_t command = reg | readBit;
    ssize_t transferred = SPIMaster_WriteThenRead(spiFd, &command, 1, data, length);
    return transferred == (ssize_t)(1 + length) ? (ssize_t)length : -1;
}

// Writes one register: a single write transfer of the address and the value.
static int WriteRegister(uint8_t reg, uint8_t value)
{
    const uint8_t command[] = {reg, value};
    SPIMaster_Transfer transfer;
    if (SPIMaster_InitTransfers(&transfer, 1) != 0) {
        return -1;
    }
    transfer.flags = SPI_TransferFlags_Write;
    transfer.writeData = command;
    transfer.length = sizeof command;
    return SPIMaster_TransferSequential(spiFd, &transfer, 1) == (ssize_t)sizeof command ? 0 : -1;
}

static void AccelTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_AccelTimer_Consume;
        return;
    }
    uint8_t status;
    if (ReadRegisters(statusRegister, &status, 1) != 1) {
        Log_Debug("ERROR: Could not read STATUS_REG: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_AccelTimer_ReadStatus;
        return;
    }
    if ((status & 0x01) == 0) {
        Log_Debug("No new accelerometer data.\n");
        return;
    }
    uint8_t raw[6];
    if (ReadRegisters(outXlRegister, raw, sizeof raw) != (ssize_t)sizeof raw) {
        Log_Debug("ERROR: Could not read acceleration: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_AccelTimer_ReadAcceleration;
        return;
    }
    double g[3];
    for (int axis = 0; axis < 3; axis++) {
        int16_t sample = (int16_t)(raw[2 * axis] | (raw[2 * axis + 1] << 8));
        g[axis] = (double)sample * milliGPerLsb / 1000.0;
    }
    Log_Debug("Acceleration: %.3lfg, %.3lfg, %.3lfg\n", g[0], g[1], g[2]);
}

static ExitCode ConfigureDevice(void)
{
    uint8_t whoAmI;
    if (ReadRegisters(whoAmIRegister, &whoAmI, 1) != 1) {
        Log_Debug("ERROR: Could not read WHO_AM_I: %s (%d).\n", strerror(errno), errno);
        return ExitCode_ReadWhoAmI_Read;
    }
    Log_Debug("LSM6DS3 WHO_AM_I: 0x%02x\n", whoAmI);
    if (whoAmI != expectedWhoAmI) {
        Log_Debug("ERROR: Unexpected WHO_AM_I value (expected 0x%02x).\n", expectedWhoAmI);
        return ExitCode_ReadWhoAmI_WrongDevice;
    }

    if (WriteRegister(ctrl3cRegister, 0x01) != 0) {
        Log_Debug("ERROR: Could not reset LSM6DS3: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Reset_Write;
    }
    uint8_t ctrl3c = 0x01;
    for (int polls = 0; (ctrl3c & 0x01) != 0; polls++) {
        if (polls == 100) {
            Log_Debug("ERROR: LSM6DS3 did not come out of reset.\n");
            return ExitCode_Reset_Timeout;
        }
        if (ReadRegisters(ctrl3cRegister, &ctrl3c, 1) != 1) {
            ctrl3c = 0x01;
        }
    }

    if (WriteRegister(ctrl1XlRegister, 0x18) != 0) {  // 12.5 Hz, +/-4 g
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

    SPIMaster_Config config;
    if (SPIMaster_InitConfig(&config) != 0) {
        Log_Debug("ERROR: SPIMaster_InitConfig: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_InitConfig;
    }
    config.csPolarity = SPI_ChipSelectPolarity_ActiveLow;
    spiFd = SPIMaster_Open(SAMPLE_LSM6DS3_SPI, SAMPLE_LSM6DS3_SPI_CS, &config);
    if (spiFd == -1) {
        Log_Debug("ERROR: SPIMaster_Open: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_OpenSpiMaster;
    }
    if (SPIMaster_SetBusSpeed(spiFd, 400000) != 0) {
        Log_Debug("ERROR: SPIMaster_SetBusSpeed: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetBusSpeed;
    }
    if (SPIMaster_SetMode(spiFd, SPI_Mode_3) != 0) {
        Log_Debug("ERROR: SPIMaster_SetMode: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetMode;
    }
    if (SPIMaster_SetBitOrder(spiFd, SPI_BitOrder_MsbFirst) != 0) {
        Log_Debug("ERROR: SPIMaster_SetBitOrder: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_SetBitOrder;
    }
    return ConfigureDevice();
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(accelTimer);
    EventLoop_Close(eventLoop);
    if (spiFd >= 0) {
        close(spiFd);
    }
}

int main(void)
{
    Log_Debug("Starting spi-accel sample.\n");
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
