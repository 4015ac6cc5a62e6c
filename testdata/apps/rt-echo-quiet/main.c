/* rt-echo-quiet: rt-echo without its per-message debug UART log, for the intercore round-trip
 * benchmark (device/intercore_bench_test.go). Same component ID as rt-echo, so intercore-hl may
 * talk to it. */

#define RT_ECHO_QUIET 1
#include "../rt-echo/main.c"
