// syscall-storm: a hostile (or just chatty) app that issues a million
// syscalls as fast as it can — GPIO_GetValue on button A — then logs how
// many succeeded and exits 0. The emulator must serve them all without
// stalling, and benchmarks use it to measure the syscall round trip.
// Usage (CmdArgs): [iterations], default 1000000.
// Expected output:
//   storm: 1000000 syscalls, 1000000 ok

#include <stdlib.h>

#include <applibs/gpio.h>
#include <applibs/log.h>

int main(int argc, char *argv[])
{
    long n = 1000000;
    if (argc > 1) {
        n = strtol(argv[1], NULL, 10);
    }
    int fd = GPIO_OpenAsInput(12);
    if (fd == -1) {
        Log_Debug("storm: cannot open GPIO 12\n");
        return 1;
    }
    long good = 0;
    for (long i = 0; i < n; i++) {
        GPIO_Value_Type v;
        if (GPIO_GetValue(fd, &v) == 0) {
            good++;
        }
    }
    Log_Debug("storm: %ld syscalls, %ld ok\n", n, good);
    return 0;
}
