// exit-code: logs one line and returns 7 from main, so tests can check that the emulator
// records the exit code (AppExit) and that boot stops waiting once the app has exited.
// Expected output:
//   exiting with 7
// Exit code 7 (delivered through WASI proc_exit(7)).

#include <applibs/log.h>

int main(void)
{
    Log_Debug("exiting with 7\n");
    return 7;
}
