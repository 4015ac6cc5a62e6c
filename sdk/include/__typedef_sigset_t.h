// sphere-emu SDK: replaces wasi-libc's private <__typedef_sigset_t.h>.
//
// wasi-libc (0.0~git20220510) defines sigset_t as a one-byte placeholder, which cannot hold
// SIGTERM (15) or any signal above 8. This SDK implements sigaction() and the signal-set
// functions (see <signal.h>), so it needs a real set. Because sdk/include is searched before
// wasi-libc's include directory, wasi-libc's own headers (<bits/alltypes.h>, used by
// <sys/select.h>, <poll.h> and <signal.h>) pick up this definition, and sigset_t has one type
// in every translation unit. The guard is wasi-libc's, so its file is never read as well.
//
// 64 bits: one per signal 1..64 (_NSIG is 65). Only ever passed by pointer to wasi-libc code
// (pselect, ppoll), which does not look inside.
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h

typedef struct __sigset_t {
    unsigned long __bits[64 / (8 * sizeof(unsigned long))];
} sigset_t;

#endif
