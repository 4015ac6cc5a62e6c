/* sphere-emu RT SDK: deferred procedure calls, like the IntercoreComms RT sample's logical-dpc.h.
 * An interrupt handler enqueues a node; the main loop runs the queued callbacks in thread mode:
 *
 *     for (;;) {
 *         WaitForDeferredProcs(); // the sample's bare wfi, without its lost-wakeup window
 *         InvokeDeferredProcs();
 *     }
 */
#pragma once

#include <stdbool.h>

#include <rt/nvic.h>

typedef struct CallbackNode {
    struct CallbackNode *next;
    Callback cb;
    bool enqueued;
} CallbackNode;

/* Queues node (no-op if it is already queued). Safe from interrupt handlers and thread mode. */
void EnqueueDeferredProc(CallbackNode *node);

/* Sleeps in wfi unless a callback is queued. Returns after an interrupt (or at once). */
void WaitForDeferredProcs(void);

/* Runs queued callbacks, oldest first, until the queue is empty (including nodes queued meanwhile).
 * Thread mode only. */
void InvokeDeferredProcs(void);
