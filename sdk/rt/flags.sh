# Compiler and linker flags for sphere-emu real-time core apps (C to a WASM module that stands
# for the M4's TCM), kept in one place: testdata/apps/build-rt.sh sources this file. Include
# directories (-I) are added by each user. Only NAME="words" lines and comments, like
# sdk/flags.sh, so a program can read it without a shell.
#
# Flags, and why (those shared with sdk/flags.sh are explained there):
#   --target=wasm32-wasi           wasi-libc provides the freestanding parts (string.h); nothing
#                                  may pull in a WASI import (build-rt.sh checks)
#   -nostartfiles                  no crt1.o: there is no _start/main; the SDK's lib/startup.c
#                                  defines rt_main (reset) and rt_irq (interrupts)
#   --no-entry                     a library-style module without a start function
#   --export=rt_main,rt_irq        the two entry points the emulated core calls (sdk/rt/README.md)
#   --initial-memory=196608        the TCM: 192 KiB = 3 pages of 64 KiB, all present at reset...
#   --max-memory=196608            ...and never more (memory.grow fails; there is no heap)
#   -z stack-size=8192             8 KiB C stack (the samples' stacks are a few KiB); static data
#                                  lives after it
#   --stack-first                  stack at the bottom of memory: an overflow traps instead of
#                                  overwriting static data
#   --strip-debug                  no DWARF; the name section stays, for readable traps
SPHERE_EMU_RT_CFLAGS="--target=wasm32-wasi -O2 -std=gnu17 -Wall -Wextra"
SPHERE_EMU_RT_LDFLAGS="-nostartfiles -Wl,--no-entry -Wl,--export=rt_main -Wl,--export=rt_irq -Wl,--initial-memory=196608 -Wl,--max-memory=196608 -Wl,-z,stack-size=8192 -Wl,--stack-first -Wl,--strip-debug"
