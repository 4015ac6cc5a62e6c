// reboot-once: power management and signals, as the Powerdown sample uses
// them. The app counts its boots in mutable storage. On the first boot it
// asks the OS for a reboot (PowerManagement_ForceSystemReboot); the OS sends
// SIGTERM, the handler makes the event loop stop, and the app exits cleanly
// with the SIGTERM exit code. After the reboot it logs the count and idles.
// Expected output:
//   boot 1
//   requesting a reboot
//   SIGTERM received, exiting
//   boot 2
//   staying up

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <applibs/eventloop.h>
#include <applibs/log.h>
#include <applibs/powermanagement.h>
#include <applibs/storage.h>

#include "eventloop_timer_utilities.h"

enum { ExitCode_Success = 0, ExitCode_SigTerm = 1, ExitCode_Storage = 2, ExitCode_Reboot = 3, ExitCode_Loop = 4 };

static volatile sig_atomic_t exitCode = ExitCode_Success;
static volatile sig_atomic_t terminated = 0;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    terminated = 1;
    exitCode = ExitCode_SigTerm;
}

// countBoot increments the boot counter in mutable storage and returns it (0 on error).
static uint32_t countBoot(void)
{
    int fd = Storage_OpenMutableFile();
    if (fd == -1) {
        Log_Debug("ERROR: Storage_OpenMutableFile: %s (%d)\n", strerror(errno), errno);
        return 0;
    }
    uint32_t boots = 0;
    if (read(fd, &boots, sizeof boots) != (ssize_t)sizeof boots) {
        boots = 0;
    }
    boots++;
    if (lseek(fd, 0, SEEK_SET) != 0 || write(fd, &boots, sizeof boots) != (ssize_t)sizeof boots) {
        Log_Debug("ERROR: could not write the boot counter: %s (%d)\n", strerror(errno), errno);
        boots = 0;
    }
    close(fd);
    return boots;
}

static void TickHandler(EventLoopTimer *timer)
{
    ConsumeEventLoopTimerEvent(timer);
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    uint32_t boots = countBoot();
    if (boots == 0) {
        return ExitCode_Storage;
    }
    Log_Debug("boot %u\n", boots);
    if (boots == 1) {
        Log_Debug("requesting a reboot\n");
        if (PowerManagement_ForceSystemReboot() == -1) {
            Log_Debug("ERROR: PowerManagement_ForceSystemReboot: %s (%d)\n", strerror(errno), errno);
            return ExitCode_Reboot;
        }
    } else {
        Log_Debug("staying up\n");
    }

    EventLoop *loop = EventLoop_Create();
    const struct timespec second = {.tv_sec = 1, .tv_nsec = 0};
    EventLoopTimer *tick = CreateEventLoopPeriodicTimer(loop, TickHandler, &second);
    if (loop == NULL || tick == NULL) {
        return ExitCode_Loop;
    }
    while (!terminated) {
        EventLoop_Run_Result r = EventLoop_Run(loop, -1, true);
        if (r == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Loop;
            break;
        }
    }
    if (terminated) {
        Log_Debug("SIGTERM received, exiting\n");
    }
    DisposeEventLoopTimer(tick);
    EventLoop_Close(loop);
    return exitCode;
}
