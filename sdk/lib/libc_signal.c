// <signal.h> for sphere-emu: sigaction, signal, raise, signal sets and masks.
//
// The OS raises signals (SIGTERM when the app is stopped, ...). The app's dispositions live
// here; sigaction() also tells the host whether a signal is handled, ignored or left to its
// default action (import signal_set_disposition), so that the host can terminate the app
// itself for SIG_DFL, drop ignored signals, and call the exported __applibs_signal(signo) for
// handled ones. The host calls it only from inside an import (a delivery point, docs/abi.md
// "Signals"), so handlers run synchronously on the app's own stack, never in the middle of
// arbitrary code.
//
// wasi-libc's emulated-signal library is not used (its signal() only runs handlers from
// raise()); this file defines the symbols its header declares (signal, raise, __SIG_IGN,
// __SIG_ERR).
#include <signal.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "abi.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))

// SIG_IGN and SIG_ERR are the addresses of these (wasi-libc's <signal.h>: a function pointer
// value 1 is a valid function on WASM, so it uses real functions as markers).
void __SIG_IGN(int sig)
{
    (void)sig;
}

void __SIG_ERR(int sig)
{
    (void)sig;
}

static struct sigaction actions[_NSIG];  // all SIG_DFL (NULL) at start
static sigset_t blocked;
static sigset_t pending;

// Set by sigaction(): tells the host that a signal is back to its default action
// (SA_RESETHAND). Reached through a pointer so that apps that never call sigaction() do not
// import signal_set_disposition; volatile keeps the compiler from turning the call back into a
// direct one (the pointer only ever holds that one function).
static int32_t (*volatile reset_disposition)(int32_t signo, int32_t handled);

static bool valid_signal(int sig)
{
    return sig >= 1 && sig < _NSIG;
}

static void set_bit(sigset_t *set, int sig)
{
    set->__bits[(unsigned)(sig - 1) / BITS_PER_WORD] |= 1UL << ((unsigned)(sig - 1) % BITS_PER_WORD);
}

static void clear_bit(sigset_t *set, int sig)
{
    set->__bits[(unsigned)(sig - 1) / BITS_PER_WORD] &=
        ~(1UL << ((unsigned)(sig - 1) % BITS_PER_WORD));
}

static bool test_bit(const sigset_t *set, int sig)
{
    return (set->__bits[(unsigned)(sig - 1) / BITS_PER_WORD] >>
            ((unsigned)(sig - 1) % BITS_PER_WORD)) & 1UL;
}

int sigemptyset(sigset_t *set)
{
    memset(set, 0, sizeof *set);
    return 0;
}

int sigfillset(sigset_t *set)
{
    memset(set, 0xff, sizeof *set);
    return 0;
}

int sigaddset(sigset_t *set, int signum)
{
    if (!valid_signal(signum)) {
        return applibs_fail(EINVAL);
    }
    set_bit(set, signum);
    return 0;
}

int sigdelset(sigset_t *set, int signum)
{
    if (!valid_signal(signum)) {
        return applibs_fail(EINVAL);
    }
    clear_bit(set, signum);
    return 0;
}

int sigismember(const sigset_t *set, int signum)
{
    if (!valid_signal(signum)) {
        return applibs_fail(EINVAL);
    }
    return test_bit(set, signum) ? 1 : 0;
}

static void deliver(int sig);

// Runs the pending signals that are no longer blocked, lowest number first.
static void deliver_pending(void)
{
    for (int sig = 1; sig < _NSIG; sig++) {
        if (test_bit(&pending, sig) && !test_bit(&blocked, sig)) {
            clear_bit(&pending, sig);
            deliver(sig);
        }
    }
}

// Signals whose default action is to do nothing.
static bool ignored_by_default(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

static void deliver(int sig)
{
    struct sigaction action = actions[sig];
    if (action.sa_handler == SIG_IGN) {
        return;
    }
    if (action.sa_handler == SIG_DFL) {
        // Only reachable through raise(): the host applies default actions itself and never
        // calls __applibs_signal for them. Terminating is a trap (reported as a crash).
        if (!ignored_by_default(sig)) {
            __builtin_trap();
        }
        return;
    }
    sigset_t saved = blocked;
    for (size_t i = 0; i < sizeof blocked.__bits / sizeof blocked.__bits[0]; i++) {
        blocked.__bits[i] |= action.sa_mask.__bits[i];
    }
    if ((action.sa_flags & SA_NODEFER) == 0) {
        set_bit(&blocked, sig);
    }
    if ((action.sa_flags & SA_RESETHAND) != 0) {
        memset(&actions[sig], 0, sizeof actions[sig]);
        if (reset_disposition != NULL) {
            reset_disposition(sig, 0);
        }
    }
    if ((action.sa_flags & SA_SIGINFO) != 0) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = sig;
        info.si_code = SI_USER;
        action.sa_sigaction(sig, &info, NULL);
    } else {
        action.sa_handler(sig);
    }
    blocked = saved;
    deliver_pending();
}

// Called by the host to deliver signal signo (see docs/abi.md "Signals"). A blocked signal
// stays pending until sigprocmask unblocks it. errno is preserved for the interrupted code.
__attribute__((export_name("__applibs_signal"))) void __applibs_signal(int32_t signo)
{
    if (!valid_signal(signo)) {
        return;
    }
    int savedErrno = errno;
    if (test_bit(&blocked, signo)) {
        set_bit(&pending, signo);
    } else {
        deliver(signo);
    }
    errno = savedErrno;
}

int sigaction(int signum, const struct sigaction *__restrict act,
              struct sigaction *__restrict oldact)
{
    if (!valid_signal(signum) || (act != NULL && (signum == SIGKILL || signum == SIGSTOP))) {
        return applibs_fail(EINVAL);
    }
    if (oldact != NULL) {
        *oldact = actions[signum];
    }
    if (act != NULL) {
        int32_t handled = act->sa_handler == SIG_DFL   ? 0
                          : act->sa_handler == SIG_IGN ? 2
                                                       : 1;
        reset_disposition = __applibs_signal_set_disposition;
        int32_t r = __applibs_signal_set_disposition(signum, handled);
        if (r < 0) {
            return applibs_result(r);
        }
        actions[signum] = *act;
        if (handled == 2 || (handled == 0 && ignored_by_default(signum))) {
            clear_bit(&pending, signum);  // POSIX: ignoring discards a pending signal
        }
    }
    return 0;
}

void (*signal(int sig, void (*func)(int)))(int)
{
    struct sigaction action, old;
    memset(&action, 0, sizeof action);
    action.sa_handler = func;
    action.sa_flags = SA_RESTART;
    if (sigaction(sig, &action, &old) != 0) {
        return SIG_ERR;
    }
    return old.sa_handler;
}

int raise(int sig)
{
    if (!valid_signal(sig)) {
        return applibs_fail(EINVAL);
    }
    if (test_bit(&blocked, sig)) {
        set_bit(&pending, sig);
        return 0;
    }
    deliver(sig);
    return 0;
}

int sigprocmask(int how, const sigset_t *__restrict set, sigset_t *__restrict oldset)
{
    if (oldset != NULL) {
        *oldset = blocked;
    }
    if (set == NULL) {
        return 0;
    }
    size_t words = sizeof blocked.__bits / sizeof blocked.__bits[0];
    switch (how) {
    case SIG_BLOCK:
        for (size_t i = 0; i < words; i++) {
            blocked.__bits[i] |= set->__bits[i];
        }
        break;
    case SIG_UNBLOCK:
        for (size_t i = 0; i < words; i++) {
            blocked.__bits[i] &= ~set->__bits[i];
        }
        break;
    case SIG_SETMASK:
        blocked = *set;
        break;
    default:
        return applibs_fail(EINVAL);
    }
    clear_bit(&blocked, SIGKILL);  // cannot be blocked
    clear_bit(&blocked, SIGSTOP);
    deliver_pending();
    return 0;
}

int sigpending(sigset_t *set)
{
    *set = pending;
    return 0;
}
