// Recursive Fibonacci: function-entry checks meter recursion.
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

// Ackermann: deep, irregular recursion.
int ack(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
