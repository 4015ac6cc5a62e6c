// intercore-hl: the high-level half of an intercore exchange, modelled on the
// IntercoreComms_HighLevelApp sample. Every second it sends "hl-N" to the
// real-time app rt-echo over the socket Application_Connect returns, and logs
// each reply the event loop delivers. It also checks the send errors a
// device gives: EMSGSIZE for more than 1024 bytes.
// Expected output:
//   Sending: hl-0
//   Received 14 bytes: 'rt-echo: hl-0'.

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <applibs/application.h>
#include <applibs/eventloop.h>
#include <applibs/log.h>

#include "eventloop_timer_utilities.h"

static const char rtAppComponentId[] = "005180bc-402f-4cb3-a662-72937dbcde47";

static int sockFd = -1;
static int sent = 0;
static EventLoop *eventLoop = NULL;
static volatile sig_atomic_t exitCode = 0;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = 1;
}

static void SendTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = 2;
        return;
    }
    char msg[32];
    snprintf(msg, sizeof msg, "hl-%d", sent++);
    Log_Debug("Sending: %s\n", msg);
    if (send(sockFd, msg, strlen(msg), 0) == -1) {
        Log_Debug("ERROR: Unable to send message: %d (%s)\n", errno, strerror(errno));
    }
}

static void SocketEventHandler(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)events;
    (void)context;
    char rxBuf[64];
    ssize_t n = recv(fd, rxBuf, sizeof rxBuf - 1, 0);
    if (n == -1) {
        Log_Debug("ERROR: Unable to receive message: %d (%s)\n", errno, strerror(errno));
        return;
    }
    rxBuf[n] = '\0';
    Log_Debug("Received %zd bytes: '%s'.\n", n, rxBuf);
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    eventLoop = EventLoop_Create();
    sockFd = Application_Connect(rtAppComponentId);
    if (eventLoop == NULL || sockFd == -1) {
        Log_Debug("ERROR: Unable to create socket: %d (%s)\n", errno, strerror(errno));
        return 3;
    }
    static char big[1025];
    if (send(sockFd, big, sizeof big, 0) == -1 && errno == EMSGSIZE) {
        Log_Debug("send of 1025 bytes: EMSGSIZE, as on a device\n");
    }
    EventRegistration *reg = EventLoop_RegisterIo(eventLoop, sockFd, EventLoop_Input, SocketEventHandler, NULL);
    const struct timespec second = {.tv_sec = 1, .tv_nsec = 0};
    EventLoopTimer *timer = CreateEventLoopPeriodicTimer(eventLoop, SendTimerEventHandler, &second);
    if (reg == NULL || timer == NULL) {
        return 4;
    }
    while (exitCode == 0) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = 5;
        }
    }
    DisposeEventLoopTimer(timer);
    EventLoop_UnregisterIo(eventLoop, reg);
    EventLoop_Close(eventLoop);
    return exitCode;
}
