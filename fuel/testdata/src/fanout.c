// A loop-free call tree: treeK calls tree(K-1) twice, so treeK makes 2^K
// leaf calls without a single loop. Only function-entry checks stop it.
#define NOINLINE __attribute__((noinline))
NOINLINE unsigned tree0(unsigned x) { return x * 2654435761u + 1; }
#define T(k, j) NOINLINE unsigned tree##k(unsigned x) { return tree##j(x + k) ^ (tree##j(x * 3) >> 1); }
T(1, 0) T(2, 1) T(3, 2) T(4, 3) T(5, 4) T(6, 5) T(7, 6) T(8, 7) T(9, 8) T(10, 9)
T(11, 10) T(12, 11) T(13, 12) T(14, 13) T(15, 14) T(16, 15) T(17, 16) T(18, 17) T(19, 18) T(20, 19)
T(21, 20) T(22, 21) T(23, 22) T(24, 23) T(25, 24) T(26, 25) T(27, 26) T(28, 27) T(29, 28) T(30, 29)
T(31, 30) T(32, 31) T(33, 32) T(34, 33) T(35, 34) T(36, 35) T(37, 36) T(38, 37) T(39, 38) T(40, 39)
