/* rt-dw100: the real-time half of the DW100 dishwasher controller (docs/dw100.md).
 *
 * On IO core 0, bare metal: a GPT1 periodic interrupt at 10 Hz queues a deferred procedure that
 * samples the water temperature and the rinse-agent level on the ADC, switches the heater with
 * hysteresis around the set point, kicks the watchdog, and once a second sends a telemetry
 * message to the high-level app dw100-hl over the intercore rings. dw100-hl sends new set points.
 *
 * Hardware (the scenario's plant models it: testdata/scenarios/dw100.json):
 *   GPIO4 (GPIO block 1)  heater relay, active-high: 1 = heating. Off at reset and on any fault.
 *   ADC channel 0 (GPIO41) water temperature sensor: 10 mV/°C, 0 V at 0 °C (LM35-like);
 *                         with the 2.5 V reference, 0–250 °C in steps of about 0.06 °C.
 *   ADC channel 1 (GPIO42) rinse-agent level sensor: 0 V empty, 2.0 V full, linear.
 *
 * Intercore messages (text, no terminator):
 *   RT -> HL, every second:  "temp=60.3 rinse=27 heater=1 setpoint=60"
 *   HL -> RT:                "setpoint=70"  (whole °C, 30 to 85)
 *   RT -> HL, the reply:     "ack setpoint=70" or "nak <reason>"
 *
 * Debug UART: heater switches, set-point changes and errors (rt.uart in the trace).
 */

#include <rt/rt.h>

#define HEATER_PIN 4
#define TEMP_CHANNEL 0
#define RINSE_CHANNEL 1

#define SAMPLE_PERIOD_US (100 * 1000) /* 10 Hz */
#define TELEMETRY_EVERY 10            /* samples between telemetry messages: 1 s */
#define WATCHDOG_MS 1000              /* ten missed samples reset the core */

#define ADC_REF_MV 2500
#define ADC_MAX 4095
#define MV_PER_DEGREE 10   /* temperature sensor: 10 mV/°C, so 1 mV = 0.1 °C */
#define RINSE_FULL_MV 2000 /* level sensor at 100 % */

#define DEFAULT_SETPOINT 60 /* °C */
#define SETPOINT_MIN 30
#define SETPOINT_MAX 85
#define HYSTERESIS_DECI 20 /* the heater turns on at set point - 2.0 °C and off at + 2.0 °C */
#define OVERHEAT_DECI 950  /* 95.0 °C: heater off whatever the set point */

static const char hlAppIdText[] = "acf30e5f-c88f-4f89-8276-19b11ddb970d";
static ComponentId hlAppId;
static IntercoreComm icc;

static int setPoint = DEFAULT_SETPOINT; /* °C */
static int heater;                      /* 1 while heating */
static int tempDeci;                    /* last temperature, 0.1 °C */
static int rinsePercent;                /* last rinse-agent level, % */
static uint32_t samples;
static uint32_t sendFailures;

/* Converts a 12-bit sample of the 2.5 V reference to millivolts, rounded. */
static int SampleToMillivolts(int sample)
{
    return (sample * ADC_REF_MV + ADC_MAX / 2) / ADC_MAX;
}

/* Formats a value in tenths as "-12.3". */
static void FormatDeci(char *buf, size_t size, int deci)
{
    int mag = deci < 0 ? -deci : deci;
    Rt_Snprintf(buf, size, "%s%d.%d", deci < 0 ? "-" : "", mag / 10, mag % 10);
}

static void SetHeater(int on, const char *why)
{
    if (on == heater) {
        return;
    }
    heater = on;
    Gpio_Write(HEATER_PIN, on);
    char t[16];
    FormatDeci(t, sizeof t, tempDeci);
    Uart_Printf("dw100-rt: heater %s at %s C (set point %d C)%s\r\n", on ? "on" : "off", t, setPoint,
                why);
}

static void Send(const char *text)
{
    IntercoreResult r = IntercoreSend(&icc, &hlAppId, text, __builtin_strlen(text));
    if (r != Intercore_OK) {
        /* The HL app is not reading (not started, or busy): drop this one, report the first. */
        if (sendFailures++ == 0) {
            Uart_Printf("dw100-rt: send failed: 0x%x (further failures are counted)\r\n", r);
        }
    }
}

static void SendTelemetry(void)
{
    char t[16], msg[64];
    FormatDeci(t, sizeof t, tempDeci);
    Rt_Snprintf(msg, sizeof msg, "temp=%s rinse=%d heater=%d setpoint=%d", t, rinsePercent, heater,
                setPoint);
    Send(msg);
}

/* Deferred from the 10 Hz timer interrupt. */
static void Sample(void)
{
    Wdt_Kick();
    int t = Adc_Read(TEMP_CHANNEL);
    int r = Adc_Read(RINSE_CHANNEL);
    if (t < 0 || r < 0) {
        SetHeater(0, " (ADC error)");
        Uart_Printf("dw100-rt: ADC error %d/%d\r\n", t, r);
        return;
    }
    tempDeci = SampleToMillivolts(t) * 10 / MV_PER_DEGREE;
    int rinse = (SampleToMillivolts(r) * 100 + RINSE_FULL_MV / 2) / RINSE_FULL_MV;
    rinsePercent = rinse > 100 ? 100 : rinse;

    int target = setPoint * 10;
    if (tempDeci >= OVERHEAT_DECI) {
        SetHeater(0, " (overheat)");
    } else if (!heater && tempDeci <= target - HYSTERESIS_DECI) {
        SetHeater(1, "");
    } else if (heater && tempDeci >= target + HYSTERESIS_DECI) {
        SetHeater(0, "");
    }

    if (++samples % TELEMETRY_EVERY == 0) {
        SendTelemetry();
    }
}

static CallbackNode sampleNode = {.cb = Sample};

static void OnSampleTimer(void) /* interrupt context */
{
    EnqueueDeferredProc(&sampleNode);
}

/* Parses "setpoint=N"; returns N, or -1. */
static int ParseSetPoint(const char *p, size_t len)
{
    static const char key[] = "setpoint=";
    size_t k = sizeof key - 1;
    if (len <= k || __builtin_memcmp(p, key, k) != 0 || len - k > 3) {
        return -1;
    }
    int v = 0;
    for (size_t i = k; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Deferred: the HL app sent something. */
static void HandleMessages(void)
{
    for (;;) {
        ComponentId sender;
        char msg[64];
        size_t len = sizeof msg - 1;
        IntercoreResult r = IntercoreRecv(&icc, &sender, msg, &len);
        if (r == Intercore_Recv_NoBlockSize) {
            return;
        }
        if (r != Intercore_OK) {
            Uart_Printf("dw100-rt: receive failed: 0x%x\r\n", r);
            return;
        }
        msg[len] = '\0';
        int sp = ParseSetPoint(msg, len);
        char reply[48];
        if (sp < SETPOINT_MIN || sp > SETPOINT_MAX) {
            Uart_Printf("dw100-rt: rejected \"%s\"\r\n", msg);
            Rt_Snprintf(reply, sizeof reply, "nak want setpoint=%d..%d", SETPOINT_MIN, SETPOINT_MAX);
        } else {
            if (sp != setPoint) {
                Uart_Printf("dw100-rt: set point %d C -> %d C\r\n", setPoint, sp);
                setPoint = sp;
            }
            Rt_Snprintf(reply, sizeof reply, "ack setpoint=%d", sp);
        }
        IntercoreSend(&icc, &sender, reply, __builtin_strlen(reply));
    }
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_Printf("dw100-rt: starting%s\r\n",
                Wdt_LastResetWasWatchdog() ? " (last reset: watchdog)" : "");
    ComponentId_Parse(hlAppIdText, &hlAppId);

    Gpio_Write(HEATER_PIN, 0); /* latch low first, so enabling the output never heats */
    Gpio_SetOutput(HEATER_PIN);

    IntercoreResult r = SetupIntercoreComm(&icc, HandleMessages);
    if (r != Intercore_OK) {
        Uart_Printf("dw100-rt: SetupIntercoreComm failed: 0x%x\r\n", r);
        return;
    }
    Wdt_Enable(WATCHDOG_MS);
    Gpt_StartPeriodic(TimerGpt1, SAMPLE_PERIOD_US, OnSampleTimer);
    Uart_Printf("dw100-rt: regulating at %d C +/- %d.%d C; telemetry every %d ms\r\n", setPoint,
                HYSTERESIS_DECI / 10, HYSTERESIS_DECI % 10,
                SAMPLE_PERIOD_US / 1000 * TELEMETRY_EVERY);

    for (;;) {
        WaitForDeferredProcs();
        InvokeDeferredProcs();
    }
}
