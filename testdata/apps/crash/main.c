// crash: an app that writes through a wild pointer, like the ErrorReporting
// tutorial's null dereference. The emulator reports a crash (SIGSEGV, as the
// real OS's AppCrash would) and keeps running.
// Expected output:
//   about to crash
// Then the app is terminated by signal 11.

#include <applibs/log.h>
#include <stdint.h>

int main(void)
{
    Log_Debug("about to crash\n");
    volatile uint32_t *wild = (volatile uint32_t *)(uintptr_t)0xFFFFFFF0u;
    *wild = 42;
    Log_Debug("still alive?\n");
    return 0;
}
