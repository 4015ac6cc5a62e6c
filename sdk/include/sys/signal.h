// sphere-emu SDK: <sys/signal.h> is an old alias of <signal.h>. wasi-libc's version warns;
// this one just redirects (so code that includes it builds with -Werror).
#include <signal.h>
