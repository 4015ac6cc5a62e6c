// cloud-telemetry: the DW100 dishwasher's uplink to the company cloud. Every 10 seconds the
// high-level app samples the water-temperature sensor (ADC controller 0, channel 0: 10 mV/°C,
// 0 V at 0 °C, as on the DW100's real-time core) and POSTs the reading as JSON to
//     https://<cloud host>/cloud/v1/telemetry
// with libcurl, authenticated by the device's client certificate (DeviceAuthentication:
// CURLOPT_SSL_CTX_FUNCTION = DeviceAuth_CurlSslFunc). The cloud accepts only certificates its
// tenant CA issued, so only a genuine, attested device of the tenant can upload.
//
// CmdArgs: [ "<cloud host>" ] (the manifest's AllowedConnections must name it too).
// Before the device has attested (Application_IsDeviceAuthReady) or while the network is down,
// readings are counted and logged, not sent. SIGTERM ends the app (exit code 1).
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/adc.h>
#include <applibs/application.h>
#include <applibs/eventloop.h>
#include <applibs/log.h>
#include <applibs/networking.h>
#include <curl/curl.h>
#include <tlsutils/deviceauth_curl.h>

#include "eventloop_timer_utilities.h"

#define ADC_CONTROLLER 0
#define TEMP_CHANNEL 0
#define REFERENCE_VOLTS 2.5f
#define UPLOAD_PERIOD_S 10

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_Init_EventLoop = 2,
    ExitCode_Init_Adc = 3,
    ExitCode_Init_Timer = 4,
    ExitCode_Init_Curl = 5,
    ExitCode_Usage = 6,
    ExitCode_Main_EventLoopFail = 7,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;
static EventLoop *eventLoop;
static EventLoopTimer *uploadTimer;
static int adcFd = -1;
static int sampleBits = 12;
static char url[300];
static unsigned readings, uploads;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

// ReadTemperatureDeci returns the water temperature in 0.1 °C.
static int ReadTemperatureDeci(void)
{
    uint32_t value = 0;
    if (ADC_Poll(adcFd, TEMP_CHANNEL, &value) != 0) {
        Log_Debug("ADC_Poll: %s (%d)\n", strerror(errno), errno);
        return 0;
    }
    float millivolts = (float)value * REFERENCE_VOLTS * 1000.0f / (float)((1u << sampleBits) - 1);
    return (int)(millivolts + 0.5f);  // 10 mV/°C: 1 mV is 0.1 °C
}

static size_t DiscardResponse(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

// Upload POSTs one reading; it returns the HTTP status, or -1 when curl failed.
static long Upload(const char *json)
{
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        return -1;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardResponse);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, DeviceAuth_CurlSslFunc);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "dw100-cloud-telemetry/1.0");
    long status = -1;
    CURLcode r = curl_easy_perform(curl);
    if (r == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    } else {
        Log_Debug("upload failed: curl %d (%s)\n", r, curl_easy_strerror(r));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

static void UploadTimerHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_Main_EventLoopFail;
        return;
    }
    int deci = ReadTemperatureDeci();
    readings++;
    bool networkReady = false, authReady = false;
    if (Networking_IsNetworkingReady(&networkReady) != 0 || !networkReady) {
        Log_Debug("reading %u: %d.%d C, not sent: the network is not ready\n", readings,
                  deci / 10, deci % 10);
        return;
    }
    if (Application_IsDeviceAuthReady(&authReady) != 0 || !authReady) {
        Log_Debug("reading %u: %d.%d C, not sent: no device certificate yet\n", readings,
                  deci / 10, deci % 10);
        return;
    }
    char json[128];
    snprintf(json, sizeof json, "{\"appliance\":\"DW100\",\"reading\":%u,\"water_temperature_c\":%d.%d}",
             readings, deci / 10, deci % 10);
    long status = Upload(json);
    if (status >= 200 && status < 300) {
        uploads++;
        Log_Debug("reading %u: %d.%d C, uploaded (HTTP %ld, %u uploads)\n", readings, deci / 10,
                  deci % 10, status, uploads);
    } else if (status > 0) {
        Log_Debug("reading %u: the cloud answered HTTP %ld\n", readings, status);
    }
}

static ExitCode Init(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        return ExitCode_Init_Curl;
    }
    eventLoop = EventLoop_Create();
    if (eventLoop == NULL) {
        return ExitCode_Init_EventLoop;
    }
    adcFd = ADC_Open(ADC_CONTROLLER);
    if (adcFd < 0) {
        Log_Debug("ADC_Open: %s (%d)\n", strerror(errno), errno);
        return ExitCode_Init_Adc;
    }
    int bits = ADC_GetSampleBitCount(adcFd, TEMP_CHANNEL);
    if (bits > 0) {
        sampleBits = bits;
    }
    ADC_SetReferenceVoltage(adcFd, TEMP_CHANNEL, REFERENCE_VOLTS);
    static const struct timespec period = {.tv_sec = UPLOAD_PERIOD_S, .tv_nsec = 0};
    uploadTimer = CreateEventLoopPeriodicTimer(eventLoop, UploadTimerHandler, &period);
    if (uploadTimer == NULL) {
        return ExitCode_Init_Timer;
    }
    return ExitCode_Success;
}

int main(int argc, char *argv[])
{
    if (argc < 2 || strlen(argv[1]) > 200) {
        Log_Debug("usage: CmdArgs [ \"<cloud host>\" ]\n");
        return ExitCode_Usage;
    }
    snprintf(url, sizeof url, "https://%s/cloud/v1/telemetry", argv[1]);
    Log_Debug("DW100 cloud telemetry: uploading to %s every %d s\n", url, UPLOAD_PERIOD_S);
    exitCode = Init();
    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result r = EventLoop_Run(eventLoop, -1, true);
        if (r == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }
    DisposeEventLoopTimer(uploadTimer);
    EventLoop_Close(eventLoop);
    if (adcFd >= 0) {
        close(adcFd);
    }
    curl_global_cleanup();
    Log_Debug("exiting: %d\n", (int)exitCode);
    return exitCode;
}
