// sphere-emu SDK: extends wasi-libc's <signal.h> with the POSIX signal API that Azure Sphere
// apps use (sigaction, struct sigaction, sigset_t functions, SA_* flags), so that the samples'
//
//     struct sigaction action;
//     memset(&action, 0, sizeof(struct sigaction));
//     action.sa_handler = TerminationHandler;
//     sigaction(SIGTERM, &action, NULL);
//
// compiles and works unchanged. wasi-libc hides signals unless _WASI_EMULATED_SIGNAL is
// defined; this header defines it, so apps need no extra flags, and the SDK's own C library
// (sdk/lib/libc_signal.c) provides signal(), raise(), sigaction() etc. Do not link
// -lwasi-emulated-signal as well.
//
// How signals reach the app: the emulated OS raises them (SIGTERM when the app is stopped, the
// device powers down or reboots, ...). sigaction() tells the host whether a handler is
// installed ("applibs" import signal_set_disposition); the host then calls the module's
// exported function __applibs_signal(signo), which runs the handler. Delivery happens only at
// calls into the host, and a blocking call (EventLoop_Run, nanosleep, a blocking read) that
// was interrupted fails with EINTR. See docs/abi.md, "Signals".
#ifndef _WASI_EMULATED_SIGNAL
#define _WASI_EMULATED_SIGNAL 1
#endif

#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include_next <signal.h>
#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifndef SPHERE_EMU_SIGNAL_H
#define SPHERE_EMU_SIGNAL_H

#define __NEED_sigset_t
#define __NEED_pid_t
#define __NEED_uid_t
#include <bits/alltypes.h>

#ifdef __cplusplus
extern "C" {
#endif

// sigprocmask() "how" values.
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

// struct sigaction sa_flags (Linux values).
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

// si_code values.
#define SI_USER 0
#define SI_KERNEL 128

union sigval {
    int sival_int;
    void *sival_ptr;
};

// Information passed to an SA_SIGINFO handler. The SDK fills si_signo and zeroes the rest
// (signals come from the OS, so si_code is SI_USER (0)).
typedef struct {
    int si_signo;
    int si_errno;
    int si_code;
    pid_t si_pid;
    uid_t si_uid;
    int si_status;
    void *si_addr;
    union sigval si_value;
} siginfo_t;

struct sigaction {
    union {
        void (*sa_handler)(int);
        void (*sa_sigaction)(int, siginfo_t *, void *);
    } __sa_handler;
    sigset_t sa_mask;
    int sa_flags;
    void (*sa_restorer)(void);
};
#define sa_handler __sa_handler.sa_handler
#define sa_sigaction __sa_handler.sa_sigaction

int sigaction(int signum, const struct sigaction *__restrict act,
              struct sigaction *__restrict oldact);
int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int signum);
int sigdelset(sigset_t *set, int signum);
int sigismember(const sigset_t *set, int signum);
int sigprocmask(int how, const sigset_t *__restrict set, sigset_t *__restrict oldset);
int sigpending(sigset_t *set);

#ifdef __cplusplus
}
#endif

#endif
