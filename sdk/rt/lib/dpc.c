/* sphere-emu RT SDK: deferred procedure calls (include/rt/dpc.h). */

#include <rt/rt.h>

static CallbackNode *volatile head;
static CallbackNode *volatile tail;

void EnqueueDeferredProc(CallbackNode *node)
{
    uint32_t prev = irq_disable();
    if (!node->enqueued) {
        node->enqueued = true;
        node->next = NULL;
        if (tail == NULL) {
            head = node;
        } else {
            tail->next = node;
        }
        tail = node;
    }
    irq_restore(prev);
}

void WaitForDeferredProcs(void)
{
    /* No call and no loop between the test and wfi: an interrupt that queues a callback is either
     * seen by the test or still pending when wfi starts (sdk/rt/README.md, "Waiting"). */
    if (head == NULL) {
        wfi();
    }
}

void InvokeDeferredProcs(void)
{
    for (;;) {
        uint32_t prev = irq_disable();
        CallbackNode *node = head;
        if (node != NULL) {
            head = node->next;
            if (head == NULL) {
                tail = NULL;
            }
            node->next = NULL;
            node->enqueued = false;
        }
        irq_restore(prev);
        if (node == NULL) {
            return;
        }
        if (node->cb != NULL) {
            node->cb();
        }
    }
}
