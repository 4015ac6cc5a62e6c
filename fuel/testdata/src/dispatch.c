// An interpreter-style dispatcher: call_indirect through a function table
// (an element segment), to check that table entries are renumbered.
typedef int (*op_fn)(int, int);
#define NOINLINE __attribute__((noinline))
NOINLINE static int op_add(int a, int b) { return a + b; }
NOINLINE static int op_sub(int a, int b) { return a - b; }
NOINLINE static int op_mul(int a, int b) { return a * b; }
NOINLINE static int op_xor(int a, int b) { return a ^ b; }
NOINLINE static int op_shl(int a, int b) { return a << (b & 31); }
NOINLINE static int op_rot(int a, int b) { unsigned u = a; b &= 31; return (int)(u << b | u >> ((32 - b) & 31)); }
NOINLINE static int op_div(int a, int b) { return b ? a / b : -1; }
NOINLINE static int op_min(int a, int b) { return a < b ? a : b; }

static op_fn ops[8] = {op_add, op_sub, op_mul, op_xor, op_shl, op_rot, op_div, op_min};
op_fn volatile selected;

int dispatch(int op, int a, int b) { return ops[op & 7](a, b); }

// run interprets a pseudo-random program of n operations.
int run(int n, int seed) {
    int acc = seed;
    unsigned x = (unsigned)seed | 1;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        acc = dispatch((int)(x >> 28), acc, (int)(x >> 8) | 1);
    }
    return acc;
}

// pick stores a function pointer (ref through the table) and calls it.
int pick(int op, int a, int b) {
    selected = ops[op & 7];
    return selected(a, b);
}
