// applibs-tour: a test app that calls every applibs function of the sphere-emu SDK (and the
// libc additions: timerfd, sigaction, clock_settime, setsockopt) at least once, checks each
// result, and logs one line per check:
//   PASS <check>
//   FAIL <check>: <what happened>
// It then logs a summary and exits with the number of failed checks (0 = all passed; capped
// at 255).
//
// Positive cases use the capabilities in app_manifest.json; negative cases check the errno
// the real API documents: EACCES for peripherals and capabilities the manifest does not grant
// (GPIO 9, ISU3, PWM controller 0, ADC controller 1, an unlisted component ID, PowerControls,
// SystemTime, NetworkConfig, SoftwareUpdateDeferral), EFAULT for NULL pointers, EINVAL for bad
// arguments, EBUSY for peripherals already open, EBADF for descriptors never opened. APIs the
// emulator does not implement yet (wificonfig.h, certstore.h, deviceauth.h, parts of
// networking.h) must fail with ENOSYS.
//
// What it assumes about the emulated board (the defaults the sample apps are written for):
// an LSM6DS3 (WHO_AM_I 0x69) at I2C address 0x6A on ISU2 and on SPI ISU1 chip select A, no
// I2C device at 0x10, the ISU0 UART looped back (TX to RX), a potentiometer on ADC channel 1,
// buttons A and B released, interface "wlan0" present, no RTApp running, and the image
// package holding resources/hello.txt ("Hello from the image package!\n").

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/adc.h>
#include <applibs/application.h>
#include <applibs/applications.h>
#include <applibs/certstore.h>
#include <applibs/eventloop.h>
#include <applibs/gpio.h>
#include <applibs/i2c.h>
#include <applibs/log.h>
#include <applibs/networking.h>
#include <applibs/powermanagement.h>
#include <applibs/pwm.h>
#include <applibs/rtc.h>
#include <applibs/spi.h>
#include <applibs/storage.h>
#include <applibs/sysevent.h>
#include <applibs/uart.h>
#include <applibs/wificonfig.h>
#include <tlsutils/deviceauth.h>

#include <hw/sample_appliance.h>

// A component ID the manifest lists in AllowedApplicationConnections (the Azure Sphere
// IntercoreComms RTApp sample's), and one it does not list.
#define LISTED_COMPONENT "005180bc-402f-4cb3-a662-72937dbcde47"
#define UNLISTED_COMPONENT "515474b9-925a-4a40-b07b-6a1352bdf885"

// A descriptor this app never opens.
#define BOGUS_FD 1234

#define LSM6DS3_I2C_ADDRESS 0x6A
#define NO_DEVICE_I2C_ADDRESS 0x10
#define LSM6DS3_WHO_AM_I 0x0F
#define LSM6DS3_WHO_AM_I_VALUE 0x69

static const char packageText[] = "Hello from the image package!\n";

// ---- Checking -------------------------------------------------------------------------------

static int passed = 0;
static int failed = 0;

// Clears errno, then evaluates a call, as a long (so -1 means failure for int, ssize_t and
// size_t results alike).
#define CALL(expr) (errno = 0, (long)(expr))

static void pass(const char *check)
{
    passed++;
    Log_Debug("PASS %s\n", check);
}

static void fail(const char *check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *check, const char *fmt, ...)
{
    failed++;
    char detail[200];
    va_list args;
    va_start(args, fmt);
    vsnprintf(detail, sizeof detail, fmt, args);
    va_end(args);
    Log_Debug("FAIL %s: %s\n", check, detail);
}

// Passes when the call did not return -1.
static void expect_ok(const char *check, long result)
{
    int err = errno;
    if (result == -1) {
        fail(check, "errno %d (%s)", err, strerror(err));
    } else {
        pass(check);
    }
}

// Passes when the call returned -1 with errno == expected.
static void expect_err(const char *check, long result, int expected)
{
    int err = errno;
    if (result == -1 && err == expected) {
        pass(check);
    } else if (result == -1) {
        fail(check, "errno %d (%s), expected %d (%s)", err, strerror(err), expected,
             strerror(expected));
    } else {
        fail(check, "returned %ld, expected -1 with errno %d (%s)", result, expected,
             strerror(expected));
    }
}

static void expect_true(const char *check, bool condition, const char *what)
{
    if (condition) {
        pass(check);
    } else {
        fail(check, "%s", what);
    }
}

static void expect_ptr(const char *check, const void *p)
{
    int err = errno;
    if (p == NULL) {
        fail(check, "NULL, errno %d (%s)", err, strerror(err));
    } else {
        pass(check);
    }
}

static void expect_null(const char *check, const void *p, int expected)
{
    int err = errno;
    if (p == NULL && err == expected) {
        pass(check);
    } else if (p == NULL) {
        fail(check, "NULL with errno %d (%s), expected %d (%s)", err, strerror(err), expected,
             strerror(expected));
    } else {
        fail(check, "returned a pointer, expected NULL with errno %d (%s)", expected,
             strerror(expected));
    }
}

static void close_fd(int fd)
{
    if (fd >= 0) {
        close(fd);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// ---- log.h ----------------------------------------------------------------------------------

static int LogVarArgs(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int r = Log_DebugVarArgs(fmt, args);
    va_end(args);
    return r;
}

static void TourLog(void)
{
    expect_ok("Log_Debug", CALL(Log_Debug("applibs-tour: Log_Debug works (%d)\n", 42)));
    expect_ok("Log_DebugVarArgs", CALL(LogVarArgs("applibs-tour: Log_DebugVarArgs works\n")));
    const char *nullFormat = NULL;
    expect_err("Log_Debug(NULL) EFAULT", CALL(Log_Debug(nullFormat, 0)), EFAULT);
}

// ---- gpio.h ---------------------------------------------------------------------------------

static void TourGpio(void)
{
    int button = (int)CALL(GPIO_OpenAsInput(SAMPLE_BUTTON_1));
    expect_ok("GPIO_OpenAsInput", button);
    GPIO_Value_Type value = 7;
    expect_ok("GPIO_GetValue", CALL(GPIO_GetValue(button, &value)));
    expect_true("GPIO_GetValue released button reads High", value == GPIO_Value_High,
                "button A did not read High");
    expect_err("GPIO_GetValue(NULL) EFAULT", CALL(GPIO_GetValue(button, NULL)), EFAULT);
    expect_ok("GPIO_SetValue on an input", CALL(GPIO_SetValue(button, GPIO_Value_Low)));
    expect_err("GPIO_OpenAsInput(open) EBUSY", CALL(GPIO_OpenAsInput(SAMPLE_BUTTON_1)), EBUSY);
    expect_err("GPIO_OpenAsOutput(unlisted GPIO 9) EACCES",
               CALL(GPIO_OpenAsOutput(MT3620_RDB_LED1_GREEN, GPIO_OutputMode_PushPull,
                                      GPIO_Value_High)),
               EACCES);
    expect_err("GPIO_OpenAsOutput(bad mode) EINVAL",
               CALL(GPIO_OpenAsOutput(SAMPLE_BUTTON_2, 7, GPIO_Value_High)), EINVAL);
    expect_err("GPIO_SetValue(bad fd) EBADF", CALL(GPIO_SetValue(BOGUS_FD, GPIO_Value_Low)),
               EBADF);
    expect_ok("close(GPIO)", CALL(close(button)));
    button = (int)CALL(GPIO_OpenAsInput(SAMPLE_BUTTON_1));
    expect_ok("GPIO_OpenAsInput after close", button);
    close_fd(button);
}

// ---- sys/timerfd.h --------------------------------------------------------------------------

static void TourTimerfd(void)
{
    int fd = (int)CALL(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    expect_ok("timerfd_create", fd);
    expect_err("timerfd_create(CLOCK_PROCESS_CPUTIME_ID) EINVAL",
               CALL(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0)), EINVAL);

    struct itimerspec set = {.it_value = {1, 500000000}, .it_interval = {0, 250000000}};
    expect_ok("timerfd_settime", CALL(timerfd_settime(fd, 0, &set, NULL)));
    struct itimerspec got;
    expect_ok("timerfd_gettime", CALL(timerfd_gettime(fd, &got)));
    int64_t remaining = (int64_t)got.it_value.tv_sec * 1000000000 + got.it_value.tv_nsec;
    expect_true("timerfd_gettime round trip",
                got.it_interval.tv_sec == 0 && got.it_interval.tv_nsec == 250000000 &&
                    remaining > 0 && remaining <= 1500000000,
                "interval or remaining time differs from what was set");

    uint64_t expirations = 0;
    expect_err("read(timerfd) before expiry EAGAIN",
               CALL(read(fd, &expirations, sizeof expirations)), EAGAIN);

    struct itimerspec old;
    struct itimerspec disarm = {{0, 0}, {0, 0}};
    expect_ok("timerfd_settime(disarm, old_value)", CALL(timerfd_settime(fd, 0, &disarm, &old)));
    expect_true("timerfd_settime old_value", old.it_interval.tv_nsec == 250000000,
                "old_value does not hold the previous interval");
    expect_ok("timerfd_gettime disarmed", CALL(timerfd_gettime(fd, &got)));
    expect_true("timerfd disarmed reads 0", got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0,
                "a disarmed timer reports time remaining");

    struct itimerspec bad = {.it_value = {0, 1000000000}, .it_interval = {0, 0}};
    expect_err("timerfd_settime(tv_nsec 1e9) EINVAL", CALL(timerfd_settime(fd, 0, &bad, NULL)),
               EINVAL);
    expect_err("timerfd_settime(NULL) EFAULT", CALL(timerfd_settime(fd, 0, NULL, NULL)), EFAULT);
    expect_err("timerfd_gettime(NULL) EFAULT", CALL(timerfd_gettime(fd, NULL)), EFAULT);
    expect_err("timerfd_gettime(bad fd) EBADF", CALL(timerfd_gettime(BOGUS_FD, &got)), EBADF);

    // Absolute expiry 10 ms from now; after sleeping 20 ms, one expiration is pending.
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = {.it_value = now, .it_interval = {0, 0}};
    abs.it_value.tv_nsec += 10000000;
    if (abs.it_value.tv_nsec >= 1000000000) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000;
    }
    expect_ok("timerfd_settime(TFD_TIMER_ABSTIME)",
              CALL(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL)));
    sleep_ms(20);
    expirations = 0;
    long n = CALL(read(fd, &expirations, sizeof expirations));
    expect_true("read(timerfd) counts one expiration", n == 8 && expirations == 1,
                "expected 8 bytes holding 1");
    close_fd(fd);
}

// ---- eventloop.h ----------------------------------------------------------------------------

static EventLoop *loop = NULL;
static int timerCalls = 0;
static int stopAfter = 0;
static int recursiveRunErrno = 0;
static bool recursiveRunChecked = false;

static void ConsumeTimer(int fd)
{
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) != (ssize_t)sizeof expirations) {
        Log_Debug("applibs-tour: could not consume timer: %s\n", strerror(errno));
    }
}

static void TimerHandler(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)events;
    (void)context;
    ConsumeTimer(fd);
    timerCalls++;
    if (!recursiveRunChecked) {
        recursiveRunChecked = true;
        errno = 0;
        if (EventLoop_Run(el, 0, false) == EventLoop_Run_Failed) {
            recursiveRunErrno = errno;
        }
    }
    if (stopAfter != 0 && timerCalls == stopAfter) {
        EventLoop_Stop(el);
    }
}

static void NestedHandler(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)fd;
    *(EventLoop_IoEvents *)context = events;
}

static void ArmOneShot(int fd, long ms)
{
    struct itimerspec spec = {.it_value = {ms / 1000, (ms % 1000) * 1000000},
                              .it_interval = {0, 0}};
    timerfd_settime(fd, 0, &spec, NULL);
}

static void TourEventLoop(void)
{
    expect_err("EventLoop_Run(NULL) EFAULT", CALL(EventLoop_Run(NULL, 0, false)), EFAULT);
    loop = EventLoop_Create();
    expect_ptr("EventLoop_Create", loop);
    if (loop == NULL) {
        return;
    }
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    expect_null("EventLoop_RegisterIo(NULL loop) EFAULT",
                EventLoop_RegisterIo(NULL, timer, EventLoop_Input, TimerHandler, NULL), EFAULT);
    errno = 0;
    expect_null("EventLoop_RegisterIo(NULL callback) EFAULT",
                EventLoop_RegisterIo(loop, timer, EventLoop_Input, NULL, NULL), EFAULT);
    errno = 0;
    expect_null("EventLoop_RegisterIo(bad events) EINVAL",
                EventLoop_RegisterIo(loop, timer, 0x2, TimerHandler, NULL), EINVAL);
    errno = 0;
    expect_null("EventLoop_RegisterIo(fd -1) EBADF",
                EventLoop_RegisterIo(loop, -1, EventLoop_Input, TimerHandler, NULL), EBADF);
    errno = 0;
    expect_null("EventLoop_RegisterIo(never opened fd) EBADF",
                EventLoop_RegisterIo(loop, BOGUS_FD, EventLoop_Input, TimerHandler, NULL), EBADF);

    int gpio = GPIO_OpenAsInput(SAMPLE_BUTTON_2);
    errno = 0;
    expect_null("EventLoop_RegisterIo(GPIO fd) EPERM",
                EventLoop_RegisterIo(loop, gpio, EventLoop_Input, TimerHandler, NULL), EPERM);
    close_fd(gpio);

    errno = 0;
    EventRegistration *reg = EventLoop_RegisterIo(loop, timer, EventLoop_Input, TimerHandler, NULL);
    expect_ptr("EventLoop_RegisterIo", reg);
    errno = 0;
    expect_null("EventLoop_RegisterIo(again) EEXIST",
                EventLoop_RegisterIo(loop, timer, EventLoop_Input, TimerHandler, NULL), EEXIST);
    expect_ok("EventLoop_ModifyIoEvents",
              CALL(EventLoop_ModifyIoEvents(loop, reg, EventLoop_Input | EventLoop_Error)));
    expect_err("EventLoop_ModifyIoEvents(NULL) EFAULT",
               CALL(EventLoop_ModifyIoEvents(loop, NULL, EventLoop_Input)), EFAULT);
    expect_err("EventLoop_ModifyIoEvents(bad events) EINVAL",
               CALL(EventLoop_ModifyIoEvents(loop, reg, 0x100)), EINVAL);

    expect_true("EventLoop_Run(0) with nothing ready: FinishedEmpty",
                EventLoop_Run(loop, 0, false) == EventLoop_Run_FinishedEmpty,
                "did not return EventLoop_Run_FinishedEmpty");

    int64_t start = monotonic_ns();
    expect_true("EventLoop_Run(50 ms) times out: FinishedEmpty",
                EventLoop_Run(loop, 50, false) == EventLoop_Run_FinishedEmpty,
                "did not return EventLoop_Run_FinishedEmpty");
    expect_true("EventLoop_Run(50 ms) waits 50 ms", monotonic_ns() - start >= 50000000,
                "returned before 50 ms had passed");

    ArmOneShot(timer, 10);
    timerCalls = 0;
    expect_true("EventLoop_Run(-1, process one): Finished",
                EventLoop_Run(loop, -1, true) == EventLoop_Run_Finished && timerCalls == 1,
                "handler not called exactly once");
    expect_true("EventLoop_Run from a handler EBUSY", recursiveRunErrno == EBUSY,
                "the nested run did not fail with EBUSY");

    // Periodic 5 ms timer; the handler stops the loop on its third call.
    struct itimerspec periodic = {.it_value = {0, 5000000}, .it_interval = {0, 5000000}};
    timerfd_settime(timer, 0, &periodic, NULL);
    timerCalls = 0;
    stopAfter = 3;
    expect_true("EventLoop_Stop ends EventLoop_Run(-1)",
                EventLoop_Run(loop, -1, false) == EventLoop_Run_Finished && timerCalls == 3,
                "the run did not stop after the third call");
    stopAfter = 0;
    struct itimerspec off = {{0, 0}, {0, 0}};
    timerfd_settime(timer, 0, &off, NULL);
    EventLoop_Run(loop, 0, false);  // drop a pending expiration, if any

    int waitFd = (int)CALL(EventLoop_GetWaitDescriptor(loop));
    expect_ok("EventLoop_GetWaitDescriptor", waitFd);
    expect_err("EventLoop_GetWaitDescriptor(NULL) EFAULT", CALL(EventLoop_GetWaitDescriptor(NULL)),
               EFAULT);
    expect_err("EventLoop_Stop(NULL) EFAULT", CALL(EventLoop_Stop(NULL)), EFAULT);
    expect_ok("EventLoop_Stop outside a run", CALL(EventLoop_Stop(loop)));

    // Nesting: the wait descriptor is readable in an outer loop when the inner one has work.
    EventLoop *outer = EventLoop_Create();
    EventLoop_IoEvents nestedEvents = 0;
    EventRegistration *nested =
        outer ? EventLoop_RegisterIo(outer, waitFd, EventLoop_Input, NestedHandler, &nestedEvents)
              : NULL;
    expect_ptr("EventLoop_RegisterIo(wait descriptor)", nested);
    ArmOneShot(timer, 5);
    expect_true("wait descriptor readable when the inner loop is ready",
                outer != NULL && EventLoop_Run(outer, 1000, true) == EventLoop_Run_Finished &&
                    (nestedEvents & EventLoop_Input) != 0,
                "the outer loop did not see the inner loop's readiness");
    timerCalls = 0;
    expect_true("inner loop then processes its event",
                EventLoop_Run(loop, 0, false) == EventLoop_Run_Finished && timerCalls == 1,
                "the inner loop had no event");
    expect_ok("EventLoop_UnregisterIo(wait descriptor)", CALL(EventLoop_UnregisterIo(outer, nested)));
    EventLoop_Close(outer);

    expect_ok("EventLoop_UnregisterIo(NULL registration)", CALL(EventLoop_UnregisterIo(loop, NULL)));
    expect_err("EventLoop_UnregisterIo(NULL loop) EFAULT", CALL(EventLoop_UnregisterIo(NULL, reg)),
               EFAULT);
    expect_ok("EventLoop_UnregisterIo", CALL(EventLoop_UnregisterIo(loop, reg)));
    close_fd(timer);
    // The loop stays open for the sysevent checks; EventLoop_Close runs at the end.
}

// ---- uart.h ---------------------------------------------------------------------------------

static void TourUart(void)
{
    UART_Config config;
    UART_InitConfig(&config);
    expect_true("UART_InitConfig defaults",
                config.baudRate == 115200 && config.dataBits == UART_DataBits_Eight &&
                    config.parity == UART_Parity_None && config.stopBits == UART_StopBits_One &&
                    config.flowControl == UART_FlowControl_None &&
                    config.blockingMode == UART_BlockingMode_NonBlocking,
                "defaults are not 115200 8N1, no flow control, non-blocking");
    expect_err("UART_Open(NULL config) EFAULT", CALL(UART_Open(SAMPLE_UART, NULL)), EFAULT);
    expect_err("UART_Open(unlisted ISU3) EACCES",
               CALL(UART_Open(MT3620_RDB_HEADER3_ISU3_UART, &config)), EACCES);
    UART_Config corrupt = config;
    corrupt.z__magicAndVersion = 0x12345678;
    expect_err("UART_Open(uninitialised config) EINVAL", CALL(UART_Open(SAMPLE_UART, &corrupt)),
               EINVAL);
    UART_Config nineBits = config;
    nineBits.dataBits = 9;
    expect_err("UART_Open(9 data bits) EINVAL", CALL(UART_Open(SAMPLE_UART, &nineBits)), EINVAL);

    int fd = (int)CALL(UART_Open(SAMPLE_UART, &config));
    expect_ok("UART_Open", fd);
    expect_err("UART_Open(open) EBUSY", CALL(UART_Open(SAMPLE_UART, &config)), EBUSY);
    expect_true("write(UART)", CALL(write(fd, "ping", 4)) == 4, "did not write 4 bytes");
    char buffer[8] = {0};
    size_t got = 0;
    for (int tries = 0; tries < 100 && got < 4; tries++) {
        ssize_t n = read(fd, buffer + got, 4 - got);
        if (n > 0) {
            got += (size_t)n;
        } else {
            sleep_ms(10);
        }
    }
    expect_true("read(UART) loopback", got == 4 && memcmp(buffer, "ping", 4) == 0,
                "did not read back \"ping\"");
    expect_err("read(UART) when empty EAGAIN", CALL(read(fd, buffer, sizeof buffer)), EAGAIN);
    close_fd(fd);
}

// ---- i2c.h ----------------------------------------------------------------------------------

static void TourI2c(void)
{
    expect_err("I2CMaster_Open(unlisted ISU3) EACCES",
               CALL(I2CMaster_Open(MT3620_RDB_HEADER3_ISU3_I2C)), EACCES);
    int fd = (int)CALL(I2CMaster_Open(SAMPLE_LSM6DS3_I2C));
    expect_ok("I2CMaster_Open", fd);
    expect_err("I2CMaster_Open(open) EBUSY", CALL(I2CMaster_Open(SAMPLE_LSM6DS3_I2C)), EBUSY);
    expect_ok("I2CMaster_SetBusSpeed", CALL(I2CMaster_SetBusSpeed(fd, I2C_BUS_SPEED_FAST)));
    expect_err("I2CMaster_SetBusSpeed(12345 Hz) EINVAL", CALL(I2CMaster_SetBusSpeed(fd, 12345)),
               EINVAL);
    expect_err("I2CMaster_SetBusSpeed(bad fd) EBADF",
               CALL(I2CMaster_SetBusSpeed(BOGUS_FD, I2C_BUS_SPEED_STANDARD)), EBADF);
    expect_ok("I2CMaster_SetTimeout", CALL(I2CMaster_SetTimeout(fd, 100)));
    expect_ok("I2CMaster_SetDefaultTargetAddress",
              CALL(I2CMaster_SetDefaultTargetAddress(fd, LSM6DS3_I2C_ADDRESS)));
    expect_err("I2CMaster_SetDefaultTargetAddress(0x80) EINVAL",
               CALL(I2CMaster_SetDefaultTargetAddress(fd, 0x80)), EINVAL);

    const uint8_t reg = LSM6DS3_WHO_AM_I;
    uint8_t value = 0;
    long n = CALL(I2CMaster_WriteThenRead(fd, LSM6DS3_I2C_ADDRESS, &reg, 1, &value, 1));
    expect_true("I2CMaster_WriteThenRead WHO_AM_I", n == 2 && value == LSM6DS3_WHO_AM_I_VALUE,
                "did not transfer 2 bytes reading 0x69");
    expect_true("I2CMaster_Write", CALL(I2CMaster_Write(fd, LSM6DS3_I2C_ADDRESS, &reg, 1)) == 1,
                "did not write 1 byte");
    expect_true("I2CMaster_Read", CALL(I2CMaster_Read(fd, LSM6DS3_I2C_ADDRESS, &value, 1)) == 1,
                "did not read 1 byte");
    expect_err("I2CMaster_Read(NULL) EFAULT",
               CALL(I2CMaster_Read(fd, LSM6DS3_I2C_ADDRESS, NULL, 1)), EFAULT);
    expect_err("I2CMaster_Write(no device) ENXIO",
               CALL(I2CMaster_Write(fd, NO_DEVICE_I2C_ADDRESS, &reg, 1)), ENXIO);
    // read()/write() use the default target address.
    value = 0;
    bool viaFd = write(fd, &reg, 1) == 1 && read(fd, &value, 1) == 1;
    expect_true("write()+read() on the default target",
                viaFd && value == LSM6DS3_WHO_AM_I_VALUE, "did not read WHO_AM_I back");
    close_fd(fd);
}

// ---- spi.h ----------------------------------------------------------------------------------

static void TourSpi(void)
{
    SPIMaster_Config config;
    expect_ok("SPIMaster_InitConfig", CALL(SPIMaster_InitConfig(&config)));
    expect_err("SPIMaster_InitConfig(NULL) EFAULT", CALL(SPIMaster_InitConfig(NULL)), EFAULT);
    config.csPolarity = SPI_ChipSelectPolarity_ActiveLow;
    expect_err("SPIMaster_Open(NULL config) EFAULT",
               CALL(SPIMaster_Open(SAMPLE_LSM6DS3_SPI, SAMPLE_LSM6DS3_SPI_CS, NULL)), EFAULT);
    expect_err("SPIMaster_Open(unlisted ISU3) EACCES",
               CALL(SPIMaster_Open(MT3620_RDB_HEADER3_ISU3_SPI, MT3620_SPI_CS_A, &config)),
               EACCES);
    int fd = (int)CALL(SPIMaster_Open(SAMPLE_LSM6DS3_SPI, SAMPLE_LSM6DS3_SPI_CS, &config));
    expect_ok("SPIMaster_Open", fd);
    expect_err("SPIMaster_Open(open) EBUSY",
               CALL(SPIMaster_Open(SAMPLE_LSM6DS3_SPI, SAMPLE_LSM6DS3_SPI_CS, &config)), EBUSY);
    expect_ok("SPIMaster_SetBusSpeed", CALL(SPIMaster_SetBusSpeed(fd, 400000)));
    expect_ok("SPIMaster_SetMode", CALL(SPIMaster_SetMode(fd, SPI_Mode_3)));
    expect_err("SPIMaster_SetMode(invalid) EINVAL", CALL(SPIMaster_SetMode(fd, SPI_Mode_Invalid)),
               EINVAL);
    expect_ok("SPIMaster_SetBitOrder", CALL(SPIMaster_SetBitOrder(fd, SPI_BitOrder_MsbFirst)));
    expect_err("SPIMaster_SetBitOrder(invalid) EINVAL",
               CALL(SPIMaster_SetBitOrder(fd, SPI_BitOrder_Invalid)), EINVAL);

    const uint8_t command = 0x80 | LSM6DS3_WHO_AM_I;
    uint8_t value = 0;
    long n = CALL(SPIMaster_WriteThenRead(fd, &command, 1, &value, 1));
    expect_true("SPIMaster_WriteThenRead WHO_AM_I", n == 2 && value == LSM6DS3_WHO_AM_I_VALUE,
                "did not transfer 2 bytes reading 0x69");
    expect_err("SPIMaster_WriteThenRead(NULL) EFAULT",
               CALL(SPIMaster_WriteThenRead(fd, NULL, 1, &value, 1)), EFAULT);
    expect_err("SPIMaster_WriteThenRead(length 0) EINVAL",
               CALL(SPIMaster_WriteThenRead(fd, &command, 0, &value, 1)), EINVAL);

    SPIMaster_Transfer transfers[2];
    expect_ok("SPIMaster_InitTransfers", CALL(SPIMaster_InitTransfers(transfers, 2)));
    expect_err("SPIMaster_InitTransfers(NULL) EFAULT", CALL(SPIMaster_InitTransfers(NULL, 1)),
               EFAULT);
    transfers[0].flags = SPI_TransferFlags_Write;
    transfers[0].writeData = &command;
    transfers[0].length = 1;
    transfers[1].flags = SPI_TransferFlags_Read;
    transfers[1].readData = &value;
    transfers[1].length = 1;
    value = 0;
    n = CALL(SPIMaster_TransferSequential(fd, transfers, 2));
    expect_true("SPIMaster_TransferSequential", n == 2 && value == LSM6DS3_WHO_AM_I_VALUE,
                "did not transfer 2 bytes reading 0x69");
    expect_err("SPIMaster_TransferSequential(0 transfers) EINVAL",
               CALL(SPIMaster_TransferSequential(fd, transfers, 0)), EINVAL);
    expect_err("SPIMaster_TransferSequential(257 transfers) EINVAL",
               CALL(SPIMaster_TransferSequential(fd, transfers, SPI_MASTER_MAX_TRANSFERS + 1)),
               EINVAL);
    SPIMaster_Transfer bad = transfers[0];
    bad.flags = SPI_TransferFlags_Read | SPI_TransferFlags_Write;
    expect_err("SPIMaster_TransferSequential(read+write) EINVAL",
               CALL(SPIMaster_TransferSequential(fd, &bad, 1)), EINVAL);
    bad = transfers[0];
    bad.z__magicAndVersion = 0;
    expect_err("SPIMaster_TransferSequential(uninitialised) EINVAL",
               CALL(SPIMaster_TransferSequential(fd, &bad, 1)), EINVAL);
    expect_err("SPIMaster_TransferSequential(bad fd) EBADF",
               CALL(SPIMaster_TransferSequential(BOGUS_FD, transfers, 2)), EBADF);
    close_fd(fd);
}

// ---- adc.h ----------------------------------------------------------------------------------

static void TourAdc(void)
{
    expect_err("ADC_Open(unlisted controller 1) EACCES", CALL(ADC_Open(1)), EACCES);
    int fd = (int)CALL(ADC_Open(SAMPLE_ADC_CONTROLLER));
    expect_ok("ADC_Open", fd);
    expect_true("ADC_GetSampleBitCount is 12",
                CALL(ADC_GetSampleBitCount(fd, SAMPLE_ADC_CHANNEL)) == 12, "not 12 bits");
    expect_err("ADC_GetSampleBitCount(channel 99) ENODEV", CALL(ADC_GetSampleBitCount(fd, 99)),
               ENODEV);
    expect_ok("ADC_SetReferenceVoltage", CALL(ADC_SetReferenceVoltage(fd, SAMPLE_ADC_CHANNEL, 2.5f)));
    expect_err("ADC_SetReferenceVoltage(5 V) EINVAL",
               CALL(ADC_SetReferenceVoltage(fd, SAMPLE_ADC_CHANNEL, 5.0f)), EINVAL);
    uint32_t sample = UINT32_MAX;
    expect_ok("ADC_Poll", CALL(ADC_Poll(fd, SAMPLE_ADC_CHANNEL, &sample)));
    expect_true("ADC_Poll sample fits 12 bits", sample < 4096, "sample out of range");
    expect_err("ADC_Poll(NULL) EFAULT", CALL(ADC_Poll(fd, SAMPLE_ADC_CHANNEL, NULL)), EFAULT);
    expect_err("ADC_Poll(bad fd) EBADF", CALL(ADC_Poll(BOGUS_FD, SAMPLE_ADC_CHANNEL, &sample)),
               EBADF);
    close_fd(fd);
}

// ---- pwm.h ----------------------------------------------------------------------------------

static void TourPwm(void)
{
    expect_err("PWM_Open(unlisted controller 0) EACCES",
               CALL(PWM_Open(MT3620_RDB_PWM_CONTROLLER0)), EACCES);
    int fd = (int)CALL(PWM_Open(SAMPLE_PWM_CONTROLLER));
    expect_ok("PWM_Open", fd);
    PwmState state = {.period_nsec = 1000000,
                      .dutyCycle_nsec = 250000,
                      .polarity = PWM_Polarity_Inversed,
                      .enabled = true};
    expect_ok("PWM_Apply", CALL(PWM_Apply(fd, SAMPLE_PWM_CHANNEL, &state)));
    expect_err("PWM_Apply(NULL) EINVAL", CALL(PWM_Apply(fd, SAMPLE_PWM_CHANNEL, NULL)), EINVAL);
    expect_err("PWM_Apply(channel 9) ENODEV", CALL(PWM_Apply(fd, 9, &state)), ENODEV);
    PwmState tooLong = state;
    tooLong.dutyCycle_nsec = 2000000;
    expect_err("PWM_Apply(duty > period) EINVAL",
               CALL(PWM_Apply(fd, SAMPLE_PWM_CHANNEL, &tooLong)), EINVAL);
    expect_err("PWM_Apply(bad fd) EBADF", CALL(PWM_Apply(BOGUS_FD, SAMPLE_PWM_CHANNEL, &state)),
               EBADF);
    state.enabled = false;
    PWM_Apply(fd, SAMPLE_PWM_CHANNEL, &state);
    close_fd(fd);
}

// ---- storage.h ------------------------------------------------------------------------------

static void TourStorage(void)
{
    int fd = (int)CALL(Storage_OpenMutableFile());
    expect_ok("Storage_OpenMutableFile", fd);
    const uint32_t written = 0xC0FFEE;
    expect_true("write(mutable file)", CALL(write(fd, &written, sizeof written)) == 4,
                "did not write 4 bytes");
    expect_true("lseek(mutable file)", CALL(lseek(fd, 0, SEEK_SET)) == 0, "did not seek to 0");
    uint32_t readBack = 0;
    expect_true("read(mutable file)",
                CALL(read(fd, &readBack, sizeof readBack)) == 4 && readBack == written,
                "did not read back what was written");
    // The quota is MutableStorage.SizeKB (8 KiB here): filling it works, one byte more does
    // not, and the failed write changes nothing.
    static uint8_t block[1024];
    expect_true("lseek(mutable file) to 0 before filling", CALL(lseek(fd, 0, SEEK_SET)) == 0,
                "did not seek to 0");
    long filled = 0;
    for (int i = 0; i < 8; i++) {
        filled += CALL(write(fd, block, sizeof block));
    }
    expect_true("write(mutable file) up to the 8 KiB quota", filled == 8192, "short writes");
    expect_err("write(mutable file) past the quota EDQUOT", CALL(write(fd, block, 1)), EDQUOT);
    expect_true("the failed write left the size at 8 KiB", CALL(lseek(fd, 0, SEEK_END)) == 8192,
                "size changed");
    close_fd(fd);
    expect_ok("Storage_DeleteMutableFile", CALL(Storage_DeleteMutableFile()));
    expect_err("Storage_DeleteMutableFile(no file) ENOENT", CALL(Storage_DeleteMutableFile()),
               ENOENT);

    errno = 0;
    expect_null("Storage_GetAbsolutePathInImagePackage(NULL) EFAULT",
                Storage_GetAbsolutePathInImagePackage(NULL), EFAULT);
    static const char *const badPaths[] = {"/etc/passwd", "../x", "a/../b", "./hello.txt", ""};
    for (size_t i = 0; i < sizeof badPaths / sizeof badPaths[0]; i++) {
        char check[96];
        snprintf(check, sizeof check, "Storage_GetAbsolutePathInImagePackage(\"%s\") EINVAL",
                 badPaths[i]);
        errno = 0;
        expect_null(check, Storage_GetAbsolutePathInImagePackage(badPaths[i]), EINVAL);
    }
    errno = 0;
    char *path = Storage_GetAbsolutePathInImagePackage("resources/hello.txt");
    expect_ptr("Storage_GetAbsolutePathInImagePackage", path);
    if (path != NULL) {
        const char suffix[] = "/resources/hello.txt";
        size_t len = strlen(path);
        expect_true("package path is /mnt/apps/<component id>/resources/hello.txt",
                    strncmp(path, "/mnt/apps/", 10) == 0 && len > sizeof suffix &&
                        strcmp(path + len - (sizeof suffix - 1), suffix) == 0,
                    path);
        free(path);
    }

    fd = (int)CALL(Storage_OpenFileInImagePackage("resources/hello.txt"));
    expect_ok("Storage_OpenFileInImagePackage", fd);
    char text[64] = {0};
    long n = fd >= 0 ? CALL(read(fd, text, sizeof text - 1)) : -1;
    expect_true("read(package file)",
                n == (long)strlen(packageText) && strcmp(text, packageText) == 0,
                "content differs from resources/hello.txt");
    expect_err("write(package file) EBADF", CALL(write(fd, "x", 1)), EBADF);
    close_fd(fd);
    expect_err("Storage_OpenFileInImagePackage(missing) ENOENT",
               CALL(Storage_OpenFileInImagePackage("resources/missing.txt")), ENOENT);
}

// ---- application.h, sys/socket.h ------------------------------------------------------------

static void TourApplication(void)
{
    expect_err("Application_Connect(NULL) EFAULT", CALL(Application_Connect(NULL)), EFAULT);
    expect_err("Application_Connect(not a GUID) EINVAL",
               CALL(Application_Connect("not-a-component-id")), EINVAL);
    expect_err("Application_Connect(unlisted) EACCES",
               CALL(Application_Connect(UNLISTED_COMPONENT)), EACCES);
    int sock = (int)CALL(Application_Connect(LISTED_COMPONENT));
    expect_ok("Application_Connect", sock);
    const struct timeval timeout = {.tv_sec = 0, .tv_usec = 100000};
    expect_ok("setsockopt(SO_RCVTIMEO)",
              CALL(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout)));
    expect_ok("setsockopt(SO_SNDTIMEO)",
              CALL(setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout)));
    int one = 1;
    expect_err("setsockopt(unknown option) ENOPROTOOPT",
               CALL(setsockopt(sock, SOL_SOCKET, 9999, &one, sizeof one)), ENOPROTOOPT);
    expect_err("setsockopt(NULL value) EFAULT",
               CALL(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, NULL, sizeof timeout)), EFAULT);
    char message[8];
    expect_err("recv() times out EAGAIN", CALL(recv(sock, message, sizeof message, 0)), EAGAIN);
    expect_err("send() with no RTApp ECONNRESET", CALL(send(sock, "hi", 2, 0)), ECONNRESET);
    close_fd(sock);

    bool ready = true;
    expect_ok("Application_IsDeviceAuthReady", CALL(Application_IsDeviceAuthReady(&ready)));
    expect_err("Application_IsDeviceAuthReady(NULL) EFAULT",
               CALL(Application_IsDeviceAuthReady(NULL)), EFAULT);
}

// ---- applications.h -------------------------------------------------------------------------

static void TourApplications(void)
{
    size_t total = Applications_GetTotalMemoryUsageInKB();
    size_t user = Applications_GetUserModeMemoryUsageInKB();
    size_t peak = Applications_GetPeakUserModeMemoryUsageInKB();
    expect_true("Applications_GetTotalMemoryUsageInKB > 0", total > 0, "returned 0");
    expect_true("Applications_GetUserModeMemoryUsageInKB > 0", user > 0, "returned 0");
    expect_true("Applications_GetPeakUserModeMemoryUsageInKB >= user", peak >= user && peak > 0,
                "peak below current use");
    Log_Debug("applibs-tour: memory total %zu KiB, user %zu KiB, peak %zu KiB\n", total, user, peak);

    Applications_OsVersion version;
    memset(&version, 0, sizeof version);
    expect_ok("Applications_GetOsVersion", CALL(Applications_GetOsVersion(&version)));
    expect_true("Applications_GetOsVersion is not empty", version.version[0] != '\0', "empty");
    Log_Debug("applibs-tour: OS version %s\n", version.version);
    expect_err("Applications_GetOsVersion(NULL) EFAULT", CALL(Applications_GetOsVersion(NULL)),
               EFAULT);
}

// ---- powermanagement.h (no PowerControls in the manifest) ----------------------------------

static void TourPowerManagement(void)
{
    expect_err("PowerManagement_ForceSystemReboot EACCES",
               CALL(PowerManagement_ForceSystemReboot()), EACCES);
    expect_err("PowerManagement_ForceSystemPowerDown EACCES",
               CALL(PowerManagement_ForceSystemPowerDown(10)), EACCES);
    expect_err("PowerManagement_SetSystemPowerProfile EACCES",
               CALL(PowerManagement_SetSystemPowerProfile(PowerManagement_Balanced)), EACCES);
}

// ---- sysevent.h -----------------------------------------------------------------------------

static void SysEventCallback(SysEvent_Events event, SysEvent_Status state,
                             const SysEvent_Info *info, void *context)
{
    (void)context;
    Log_Debug("applibs-tour: system event 0x%x status %u\n", (unsigned)event, (unsigned)state);
    SysEvent_Info_UpdateData data;
    if (event == SysEvent_Events_UpdateReadyForInstall) {
        SysEvent_Info_GetUpdateData(info, &data);
    }
}

static void TourSysEvent(void)
{
    errno = 0;
    expect_null("SysEvent_RegisterForEventNotifications(NULL loop) EFAULT",
                SysEvent_RegisterForEventNotifications(NULL, SysEvent_Events_UpdateReadyForInstall,
                                                       SysEventCallback, NULL),
                EFAULT);
    errno = 0;
    expect_null("SysEvent_RegisterForEventNotifications(bad mask) EINVAL",
                SysEvent_RegisterForEventNotifications(loop, 0x80, SysEventCallback, NULL), EINVAL);
    errno = 0;
    EventRegistration *reg = SysEvent_RegisterForEventNotifications(
        loop, SysEvent_Events_UpdateReadyForInstall | SysEvent_Events_NoUpdateAvailable,
        SysEventCallback, NULL);
    expect_ptr("SysEvent_RegisterForEventNotifications", reg);
    EventLoop_Run(loop, 0, false);  // deliver anything already queued
    if (reg != NULL) {
        expect_ok("SysEvent_UnregisterForEventNotifications",
                  CALL(SysEvent_UnregisterForEventNotifications(reg)));
    }
    expect_err("SysEvent_UnregisterForEventNotifications(NULL) EFAULT",
               CALL(SysEvent_UnregisterForEventNotifications(NULL)), EFAULT);
    SysEvent_Info_UpdateData data;
    expect_err("SysEvent_Info_GetUpdateData(NULL) EFAULT",
               CALL(SysEvent_Info_GetUpdateData(NULL, &data)), EFAULT);
    expect_err("SysEvent_DeferEvent without SoftwareUpdateDeferral EACCES",
               CALL(SysEvent_DeferEvent(SysEvent_Events_UpdateReadyForInstall, 10)), EACCES);
    expect_err("SysEvent_ResumeEvent without SoftwareUpdateDeferral EACCES",
               CALL(SysEvent_ResumeEvent(SysEvent_Events_UpdateReadyForInstall)), EACCES);
}

// ---- networking.h ---------------------------------------------------------------------------

static void TourNetworking(void)
{
    long count = CALL(Networking_GetInterfaceCount());
    expect_true("Networking_GetInterfaceCount > 0", count > 0, "no interfaces");
    Networking_NetworkInterface interfaces[8];
    expect_err("Networking_GetInterfaces(NULL) EFAULT", CALL(Networking_GetInterfaces(NULL, 1)),
               EFAULT);
    expect_err("Networking_GetInterfaces(count 0) ERANGE",
               CALL(Networking_GetInterfaces(interfaces, 0)), ERANGE);
    long got = CALL(Networking_GetInterfaces(interfaces, 8));
    expect_true("Networking_GetInterfaces", got > 0 && got == (count < 8 ? count : 8),
                "count differs from Networking_GetInterfaceCount");
    for (long i = 0; i < got; i++) {
        Log_Debug("applibs-tour: interface %s enabled=%d ip=%u medium=%u\n",
                  interfaces[i].interfaceName, interfaces[i].isEnabled,
                  interfaces[i].ipConfigurationType, interfaces[i].interfaceMediumType);
    }

    Networking_InterfaceConnectionStatus status;
    expect_ok("Networking_GetInterfaceConnectionStatus(wlan0)",
              CALL(Networking_GetInterfaceConnectionStatus("wlan0", &status)));
    expect_err("Networking_GetInterfaceConnectionStatus(unknown) ENOENT",
               CALL(Networking_GetInterfaceConnectionStatus("nope0", &status)), ENOENT);
    expect_err("Networking_GetInterfaceConnectionStatus(NULL) EFAULT",
               CALL(Networking_GetInterfaceConnectionStatus("wlan0", NULL)), EFAULT);
    bool ready;
    expect_ok("Networking_IsNetworkingReady", CALL(Networking_IsNetworkingReady(&ready)));
    expect_err("Networking_IsNetworkingReady(NULL) EFAULT",
               CALL(Networking_IsNetworkingReady(NULL)), EFAULT);
    expect_err("Networking_SetInterfaceState without NetworkConfig EACCES",
               CALL(Networking_SetInterfaceState("wlan0", true)), EACCES);

    bool timeSync = false;
    expect_ok("Networking_TimeSync_GetEnabled", CALL(Networking_TimeSync_GetEnabled(&timeSync)));
    expect_ok("Networking_TimeSync_SetEnabled", CALL(Networking_TimeSync_SetEnabled(timeSync)));
    expect_err("Networking_TimeSync_GetEnabled(NULL) EFAULT",
               CALL(Networking_TimeSync_GetEnabled(NULL)), EFAULT);

    // IP configuration: the object is C; applying it is not emulated yet (ENOSYS).
    Networking_IpConfig ipConfig;
    Networking_IpConfig_Init(&ipConfig);
    struct in_addr ip = {.s_addr = htonl(0xC0A80A02)};    // 192.168.10.2
    struct in_addr mask = {.s_addr = htonl(0xFFFFFF00)};  // 255.255.255.0
    struct in_addr gw = {.s_addr = htonl(0xC0A80A01)};    // 192.168.10.1
    Networking_IpConfig_EnableStaticIp(&ipConfig, ip, mask, gw);
    struct in_addr dns[4] = {gw, gw, gw, gw};
    expect_ok("Networking_IpConfig_EnableCustomDns", CALL(Networking_IpConfig_EnableCustomDns(&ipConfig, dns, 1)));
    expect_err("Networking_IpConfig_EnableCustomDns(4 servers) EINVAL",
               CALL(Networking_IpConfig_EnableCustomDns(&ipConfig, dns, 4)), EINVAL);
    Networking_IpConfig_EnableAutomaticDns(&ipConfig);
    Networking_IpConfig_EnableDynamicIp(&ipConfig);
    expect_err("Networking_IpConfig_Apply ENOSYS",
               CALL(Networking_IpConfig_Apply("eth0", &ipConfig)), ENOSYS);
    expect_err("Networking_IpConfig_Apply(NULL) EFAULT",
               CALL(Networking_IpConfig_Apply("eth0", NULL)), EFAULT);
    Networking_IpConfig_Destroy(&ipConfig);
    pass("Networking_IpConfig_Init/EnableStaticIp/EnableAutomaticDns/EnableDynamicIp/Destroy");
    expect_err("Networking_IpConfig_ReleaseIp ENOSYS", CALL(Networking_IpConfig_ReleaseIp("eth0")),
               ENOSYS);
    expect_err("Networking_IpConfig_RenewIp ENOSYS", CALL(Networking_IpConfig_RenewIp("eth0")),
               ENOSYS);

    expect_err("Networking_TimeSync_EnableDefaultNtp ENOSYS",
               CALL(Networking_TimeSync_EnableDefaultNtp()), ENOSYS);
    expect_err("Networking_TimeSync_EnableAutomaticNtp ENOSYS",
               CALL(Networking_TimeSync_EnableAutomaticNtp(Networking_NtpOption_FallbackServerEnabled)),
               ENOSYS);
    expect_err("Networking_TimeSync_EnableAutomaticNtp(bad option) EINVAL",
               CALL(Networking_TimeSync_EnableAutomaticNtp(7)), EINVAL);
    expect_err("Networking_TimeSync_EnableCustomNtp ENOSYS",
               CALL(Networking_TimeSync_EnableCustomNtp("pool.ntp.org", NULL,
                                                        Networking_NtpOption_FallbackServerDisabled)),
               ENOSYS);
    expect_err("Networking_TimeSync_EnableCustomNtp(NULL) EFAULT",
               CALL(Networking_TimeSync_EnableCustomNtp(NULL, NULL, 0)), EFAULT);
    char server[64];
    size_t serverLength = sizeof server;
    expect_err("Networking_TimeSync_GetLastNtpSyncInfo ENOSYS",
               CALL(Networking_TimeSync_GetLastNtpSyncInfo(server, &serverLength, NULL, NULL)),
               ENOSYS);

    Networking_SntpServerConfig sntp;
    Networking_SntpServerConfig_Init(&sntp);
    expect_err("Networking_SntpServer_Start ENOSYS", CALL(Networking_SntpServer_Start("eth0", &sntp)),
               ENOSYS);
    Networking_SntpServerConfig_Destroy(&sntp);

    Networking_DhcpServerConfig dhcp;
    Networking_DhcpServerConfig_Init(&dhcp);
    struct in_addr start = {.s_addr = htonl(0xC0A80A0A)};  // 192.168.10.10
    expect_ok("Networking_DhcpServerConfig_SetLease",
              CALL(Networking_DhcpServerConfig_SetLease(&dhcp, start, 5, mask, gw, 24)));
    struct in_addr otherNet = {.s_addr = htonl(0x0A000001)};  // 10.0.0.1
    expect_err("Networking_DhcpServerConfig_SetLease(gateway elsewhere) EINVAL",
               CALL(Networking_DhcpServerConfig_SetLease(&dhcp, start, 5, mask, otherNet, 24)),
               EINVAL);
    expect_ok("Networking_DhcpServerConfig_SetNtpServerAddresses",
              CALL(Networking_DhcpServerConfig_SetNtpServerAddresses(&dhcp, dns, 1)));
    expect_err("Networking_DhcpServerConfig_SetNtpServerAddresses(4) EINVAL",
               CALL(Networking_DhcpServerConfig_SetNtpServerAddresses(&dhcp, dns, 4)), EINVAL);
    expect_err("Networking_DhcpServer_Start ENOSYS", CALL(Networking_DhcpServer_Start("eth0", &dhcp)),
               ENOSYS);
    Networking_DhcpServerConfig_Destroy(&dhcp);

    const uint8_t mac[HARDWARE_ADDRESS_LENGTH] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    const uint8_t zeroMac[HARDWARE_ADDRESS_LENGTH] = {0};
    expect_err("Networking_SetHardwareAddress(length 5) ERANGE",
               CALL(Networking_SetHardwareAddress("eth0", mac, 5)), ERANGE);
    expect_err("Networking_SetHardwareAddress(all zero) EINVAL",
               CALL(Networking_SetHardwareAddress("eth0", zeroMac, HARDWARE_ADDRESS_LENGTH)), EINVAL);
    expect_err("Networking_SetHardwareAddress ENOSYS",
               CALL(Networking_SetHardwareAddress("eth0", mac, HARDWARE_ADDRESS_LENGTH)), ENOSYS);
    Networking_Interface_HardwareAddress hwAddress;
    expect_err("Networking_GetHardwareAddress ENOSYS",
               CALL(Networking_GetHardwareAddress("eth0", &hwAddress)), ENOSYS);

    Networking_ProxyConfig *proxy = Networking_Proxy_Create();
    expect_ptr("Networking_Proxy_Create", proxy);
    if (proxy != NULL) {
        expect_ok("Networking_Proxy_SetProxyAddress",
                  CALL(Networking_Proxy_SetProxyAddress(proxy, "proxy.example", 8080)));
        uint16_t port = 0;
        expect_ok("Networking_Proxy_GetProxyPort", CALL(Networking_Proxy_GetProxyPort(proxy, &port)));
        const char *address = Networking_Proxy_GetProxyAddress(proxy);
        expect_true("Networking_Proxy_GetProxyAddress",
                    address != NULL && strcmp(address, "proxy.example") == 0 && port == 8080,
                    "address or port not kept");
        expect_ok("Networking_Proxy_SetBasicAuthentication",
                  CALL(Networking_Proxy_SetBasicAuthentication(proxy, "user", "secret")));
        const char *user = Networking_Proxy_GetProxyUsername(proxy);
        const char *password = Networking_Proxy_GetProxyPassword(proxy);
        expect_true("Networking_Proxy_GetAuthType/GetProxyUsername/GetProxyPassword",
                    Networking_Proxy_GetAuthType(proxy) == Networking_ProxyAuthType_Basic &&
                        user != NULL && strcmp(user, "user") == 0 && password != NULL &&
                        strcmp(password, "secret") == 0,
                    "basic authentication not kept");
        expect_ok("Networking_Proxy_SetAnonymousAuthentication",
                  CALL(Networking_Proxy_SetAnonymousAuthentication(proxy)));
        expect_true("Networking_Proxy_GetAuthType anonymous",
                    Networking_Proxy_GetAuthType(proxy) == Networking_ProxyAuthType_Anonymous,
                    "not anonymous");
        expect_ok("Networking_Proxy_SetProxyNoProxyAddresses",
                  CALL(Networking_Proxy_SetProxyNoProxyAddresses(proxy, "localhost,10.0.0.1")));
        const char *noProxy = Networking_Proxy_GetNoProxyAddresses(proxy);
        expect_true("Networking_Proxy_GetNoProxyAddresses",
                    noProxy != NULL && strcmp(noProxy, "localhost,10.0.0.1") == 0, "not kept");
        expect_ok("Networking_Proxy_SetProxyOptions",
                  CALL(Networking_Proxy_SetProxyOptions(proxy, Networking_ProxyOptions_Enabled)));
        Networking_ProxyOptions options = 0;
        expect_true("Networking_Proxy_GetProxyOptions",
                    Networking_Proxy_GetProxyOptions(proxy, &options) == 0 &&
                        options == Networking_ProxyOptions_Enabled,
                    "not kept");
        expect_true("Networking_Proxy_GetProxyType",
                    Networking_Proxy_GetProxyType(proxy) == Networking_ProxyType_HTTP, "not HTTP");
        char longAddress[PROXY_ADDRESS_MAX_LENGTH + 2];
        memset(longAddress, 'a', sizeof longAddress - 1);
        longAddress[sizeof longAddress - 1] = '\0';
        expect_err("Networking_Proxy_SetProxyAddress(too long) ERANGE",
                   CALL(Networking_Proxy_SetProxyAddress(proxy, longAddress, 80)), ERANGE);
        expect_err("Networking_Proxy_Apply ENOSYS", CALL(Networking_Proxy_Apply(proxy)), ENOSYS);
        expect_err("Networking_Proxy_Get ENOSYS", CALL(Networking_Proxy_Get(proxy)), ENOSYS);
        Networking_Proxy_Destroy(proxy);
    }
    Networking_ProxyStatus proxyStatus;
    expect_err("Networking_Proxy_GetProxyStatus ENOSYS",
               CALL(Networking_Proxy_GetProxyStatus(&proxyStatus)), ENOSYS);
}

// ---- rtc.h, clock_settime (no SystemTime in the manifest) ----------------------------------

static void TourTime(void)
{
    expect_err("clock_systohc without SystemTime EACCES", CALL(clock_systohc()), EACCES);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    expect_err("clock_settime without SystemTime EACCES",
               CALL(clock_settime(CLOCK_REALTIME, &now)), EACCES);
    struct timespec bad = {.tv_sec = now.tv_sec, .tv_nsec = 2000000000};
    expect_err("clock_settime(tv_nsec 2e9) EINVAL", CALL(clock_settime(CLOCK_REALTIME, &bad)),
               EINVAL);
    expect_err("clock_settime(CLOCK_MONOTONIC) EINVAL",
               CALL(clock_settime(CLOCK_MONOTONIC, &now)), EINVAL);
    expect_err("clock_settime(NULL) EFAULT", CALL(clock_settime(CLOCK_REALTIME, NULL)), EFAULT);
}

// ---- signal.h -------------------------------------------------------------------------------

static volatile sig_atomic_t termReceived = 0;
static volatile sig_atomic_t usr1Count = 0;
static volatile sig_atomic_t infoSigno = 0;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    termReceived = 1;
}

static void Usr1Handler(int signalNumber)
{
    (void)signalNumber;
    usr1Count++;
}

static void InfoHandler(int signalNumber, siginfo_t *info, void *ucontext)
{
    (void)signalNumber;
    (void)ucontext;
    infoSigno = info->si_signo;
}

static void TourSignals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(struct sigaction));
    action.sa_handler = TerminationHandler;
    expect_ok("sigaction(SIGTERM)", CALL(sigaction(SIGTERM, &action, NULL)));
    expect_err("sigaction(SIGKILL) EINVAL", CALL(sigaction(SIGKILL, &action, NULL)), EINVAL);
    expect_err("sigaction(0) EINVAL", CALL(sigaction(0, &action, NULL)), EINVAL);
    struct sigaction old;
    expect_true("sigaction reports the installed handler",
                sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == TerminationHandler,
                "old action differs");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    expect_true("sigemptyset/sigaddset/sigismember",
                sigismember(&set, SIGUSR1) == 1 && sigismember(&set, SIGUSR2) == 0, "bad set");
    sigdelset(&set, SIGUSR1);
    sigfillset(&set);
    expect_true("sigdelset/sigfillset", sigismember(&set, SIGTERM) == 1, "bad set");
    expect_err("sigaddset(99) EINVAL", CALL(sigaddset(&set, 99)), EINVAL);

    memset(&action, 0, sizeof action);
    action.sa_handler = Usr1Handler;
    sigaction(SIGUSR1, &action, NULL);
    usr1Count = 0;
    expect_true("raise(SIGUSR1) runs the handler", raise(SIGUSR1) == 0 && usr1Count == 1,
                "handler did not run");

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigset_t pendingSet;
    sigpending(&pendingSet);
    expect_true("sigprocmask(SIG_BLOCK) defers the signal",
                usr1Count == 1 && sigismember(&pendingSet, SIGUSR1) == 1, "not deferred");
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    expect_true("sigprocmask(SIG_UNBLOCK) delivers it", usr1Count == 2, "not delivered");

    memset(&action, 0, sizeof action);
    action.sa_sigaction = InfoHandler;
    action.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGUSR2, &action, NULL);
    raise(SIGUSR2);
    expect_true("SA_SIGINFO handler gets si_signo", infoSigno == SIGUSR2, "wrong si_signo");
    expect_true("SA_RESETHAND restores SIG_DFL",
                sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL,
                "handler still installed");

    expect_true("signal(SIGUSR2, SIG_IGN) returns SIG_DFL", signal(SIGUSR2, SIG_IGN) == SIG_DFL,
                "wrong previous handler");
    expect_true("signal(SIGUSR2, SIG_DFL) returns SIG_IGN", signal(SIGUSR2, SIG_DFL) == SIG_IGN,
                "wrong previous handler");
    expect_true("signal(SIGKILL) fails", signal(SIGKILL, SIG_IGN) == SIG_ERR, "did not fail");
}

// ---- wificonfig.h, certstore.h, deviceauth.h (not emulated yet: ENOSYS) --------------------

static void TourWifiConfig(void)
{
    const uint8_t ssid[] = "sphere-emu";
    WifiConfig_StoredNetwork stored[2];
    WifiConfig_ConnectedNetwork connected;
    WifiConfig_ScannedNetwork scanned[2];
    WifiConfig_NetworkDiagnostics diagnostics;
    WifiConfig_ClientIdentity identity;
    CertStore_Identifier certId;

    expect_err("WifiConfig_AddNetwork ENOSYS", CALL(WifiConfig_AddNetwork()), ENOSYS);
    expect_err("WifiConfig_AddDuplicateNetwork ENOSYS", CALL(WifiConfig_AddDuplicateNetwork(0, "copy")),
               ENOSYS);
    expect_err("WifiConfig_SetSSID ENOSYS", CALL(WifiConfig_SetSSID(0, ssid, 10)), ENOSYS);
    expect_err("WifiConfig_SetSSID(NULL) EFAULT", CALL(WifiConfig_SetSSID(0, NULL, 10)), EFAULT);
    expect_err("WifiConfig_SetSecurityType ENOSYS",
               CALL(WifiConfig_SetSecurityType(0, WifiConfig_Security_Wpa2_Psk)), ENOSYS);
    expect_err("WifiConfig_SetPSK ENOSYS", CALL(WifiConfig_SetPSK(0, "password", 8)), ENOSYS);
    expect_err("WifiConfig_SetNetworkEnabled ENOSYS", CALL(WifiConfig_SetNetworkEnabled(0, true)),
               ENOSYS);
    expect_err("WifiConfig_SetConfigName ENOSYS", CALL(WifiConfig_SetConfigName(0, "home")), ENOSYS);
    expect_err("WifiConfig_SetTargetedScanEnabled ENOSYS",
               CALL(WifiConfig_SetTargetedScanEnabled(0, true)), ENOSYS);
    expect_err("WifiConfig_SetClientIdentity ENOSYS", CALL(WifiConfig_SetClientIdentity(0, "me")),
               ENOSYS);
    expect_err("WifiConfig_SetClientCertStoreIdentifier ENOSYS",
               CALL(WifiConfig_SetClientCertStoreIdentifier(0, "client")), ENOSYS);
    expect_err("WifiConfig_SetRootCACertStoreIdentifier ENOSYS",
               CALL(WifiConfig_SetRootCACertStoreIdentifier(0, "root")), ENOSYS);
    expect_err("WifiConfig_PersistConfig ENOSYS", CALL(WifiConfig_PersistConfig()), ENOSYS);
    expect_err("WifiConfig_ReloadConfig ENOSYS", CALL(WifiConfig_ReloadConfig()), ENOSYS);
    expect_err("WifiConfig_GetStoredNetworkCount ENOSYS", CALL(WifiConfig_GetStoredNetworkCount()),
               ENOSYS);
    expect_err("WifiConfig_GetStoredNetworks ENOSYS", CALL(WifiConfig_GetStoredNetworks(stored, 2)),
               ENOSYS);
    expect_err("WifiConfig_GetCurrentNetwork ENOSYS", CALL(WifiConfig_GetCurrentNetwork(&connected)),
               ENOSYS);
    expect_err("WifiConfig_GetConnectedNetworkId ENOSYS", CALL(WifiConfig_GetConnectedNetworkId()),
               ENOSYS);
    expect_err("WifiConfig_TriggerScanAndGetScannedNetworkCount ENOSYS",
               CALL(WifiConfig_TriggerScanAndGetScannedNetworkCount()), ENOSYS);
    expect_err("WifiConfig_GetScannedNetworks ENOSYS",
               CALL(WifiConfig_GetScannedNetworks(scanned, 2)), ENOSYS);
    expect_err("WifiConfig_GetNetworkIdByConfigName ENOSYS",
               CALL(WifiConfig_GetNetworkIdByConfigName("home")), ENOSYS);
    expect_err("WifiConfig_GetNetworkDiagnostics ENOSYS",
               CALL(WifiConfig_GetNetworkDiagnostics(0, &diagnostics)), ENOSYS);
    expect_err("WifiConfig_GetClientIdentity ENOSYS", CALL(WifiConfig_GetClientIdentity(0, &identity)),
               ENOSYS);
    expect_err("WifiConfig_GetClientCertStoreIdentifier ENOSYS",
               CALL(WifiConfig_GetClientCertStoreIdentifier(0, &certId)), ENOSYS);
    expect_err("WifiConfig_GetRootCACertStoreIdentifier ENOSYS",
               CALL(WifiConfig_GetRootCACertStoreIdentifier(0, &certId)), ENOSYS);
    expect_err("WifiConfig_SetPowerSavingsEnabled ENOSYS",
               CALL(WifiConfig_SetPowerSavingsEnabled(true)), ENOSYS);
    expect_err("WifiConfig_ForgetNetworkById ENOSYS", CALL(WifiConfig_ForgetNetworkById(0)), ENOSYS);
    expect_err("WifiConfig_ForgetAllNetworks ENOSYS", CALL(WifiConfig_ForgetAllNetworks()), ENOSYS);
}

static void TourCertStoreAndDeviceAuth(void)
{
    static const char pem[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    CertStore_Identifier id;
    CertStore_SubjectName subject;
    CertStore_IssuerName issuer;
    struct tm when;
    expect_err("CertStore_InstallRootCACertificate ENOSYS",
               CALL(CertStore_InstallRootCACertificate("root", pem, sizeof pem - 1)), ENOSYS);
    expect_err("CertStore_InstallClientCertificate ENOSYS",
               CALL(CertStore_InstallClientCertificate("client", pem, sizeof pem - 1, pem,
                                                       sizeof pem - 1, NULL)),
               ENOSYS);
    expect_err("CertStore_InstallRootCACertificate(NULL) EFAULT",
               CALL(CertStore_InstallRootCACertificate(NULL, pem, sizeof pem - 1)), EFAULT);
    expect_err("CertStore_GetCertificateCount ENOSYS", CALL(CertStore_GetCertificateCount()), ENOSYS);
    expect_err("CertStore_GetCertificateIdentifierAt ENOSYS",
               CALL(CertStore_GetCertificateIdentifierAt(0, &id)), ENOSYS);
    expect_err("CertStore_GetAvailableSpace ENOSYS", CALL(CertStore_GetAvailableSpace()), ENOSYS);
    expect_err("CertStore_GetCertificateSubjectName ENOSYS",
               CALL(CertStore_GetCertificateSubjectName("root", &subject)), ENOSYS);
    expect_err("CertStore_GetCertificateIssuerName ENOSYS",
               CALL(CertStore_GetCertificateIssuerName("root", &issuer)), ENOSYS);
    expect_err("CertStore_GetCertificateNotBefore ENOSYS",
               CALL(CertStore_GetCertificateNotBefore("root", &when)), ENOSYS);
    expect_err("CertStore_GetCertificateNotAfter ENOSYS",
               CALL(CertStore_GetCertificateNotAfter("root", &when)), ENOSYS);
    expect_err("CertStore_MoveCertificate ENOSYS", CALL(CertStore_MoveCertificate("root", "root2")),
               ENOSYS);
    expect_err("CertStore_DeleteCertificate ENOSYS", CALL(CertStore_DeleteCertificate("root")),
               ENOSYS);

    // The tour's manifest has no DeviceAuthentication capability.
    errno = 0;
    expect_null("DeviceAuth_GetCertificatePath EACCES", DeviceAuth_GetCertificatePath(), EACCES);
    expect_true("DeviceAuth_SslCtxFunc GetTenantCertificateError",
                DeviceAuth_SslCtxFunc(NULL) == DeviceAuthSslResult_GetTenantCertificateError,
                "did not fail with DeviceAuthSslResult_GetTenantCertificateError");
}

// ---- main -----------------------------------------------------------------------------------

int main(void)
{
    Log_Debug("applibs-tour: starting.\n");
    TourSignals();  // first, so SIGTERM has a handler for the rest of the run
    TourLog();
    TourGpio();
    TourTimerfd();
    TourEventLoop();
    TourUart();
    TourI2c();
    TourSpi();
    TourAdc();
    TourPwm();
    TourStorage();
    TourApplication();
    TourApplications();
    TourPowerManagement();
    TourSysEvent();
    TourNetworking();
    TourTime();
    TourWifiConfig();
    TourCertStoreAndDeviceAuth();
    EventLoop_Close(loop);

    Log_Debug("applibs-tour: %d passed, %d failed%s.\n", passed, failed,
              termReceived ? " (SIGTERM received)" : "");
    return failed > 255 ? 255 : failed;
}
