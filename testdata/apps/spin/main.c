// spin: a hostile app that logs one line and then computes forever without a
// syscall. The emulator must stop it (watchdog) and keep running.
// Expected output:
//   spinning forever
// Then the app is killed (signal 9).

#include <applibs/log.h>

int main(void)
{
    Log_Debug("spinning forever\n");
    volatile unsigned counter = 0;
    for (;;) {
        counter++;
    }
}
