# Compiler and linker flags for sphere-emu apps (C to wasm32-wasi), kept in one place:
# testdata/apps/build.sh sources this file, and sphere-emu embeds it (`sphere-emu sdk build`,
# `sphere-emu sdk env`), so the two cannot drift. Include directories (-I) are added by each
# user, since they depend on where the SDK is. Only NAME="words" lines and comments: sphere-emu
# reads this file without a shell.
#
# Flags, and why:
#   -O2 -std=gnu17 -Wall -Wextra   optimise; pin the C dialect so a newer clang's default
#                                  does not change the output
#   --max-memory=262144            the high-level app's RAM budget on the MT3620: 256 KiB,
#                                  i.e. the module's memory maximum is 4 pages of 64 KiB;
#                                  malloc fails (ENOMEM) beyond it instead of growing
#   --initial-memory=131072        2 pages at start: 16 KiB stack + static data (~3 KiB today)
#                                  with room for larger apps; the heap grows into the other
#                                  2 pages with memory.grow
#   -z stack-size=16384            16 KiB C stack (wasm-ld's default is 64 KiB)
#   --stack-first                  put the stack at the bottom of memory, so a stack overflow
#                                  traps (out-of-bounds access) instead of silently
#                                  overwriting static data
#   --strip-debug                  no DWARF; the "name" section stays, so traps still show
#                                  function names
SPHERE_EMU_CFLAGS="--target=wasm32-wasi -O2 -std=gnu17 -Wall -Wextra"
SPHERE_EMU_LDFLAGS="-Wl,--max-memory=262144 -Wl,--initial-memory=131072 -Wl,-z,stack-size=16384 -Wl,--stack-first -Wl,--strip-debug"
