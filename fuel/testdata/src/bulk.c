// memcpy/memset-heavy code built with -mbulk-memory: memory.copy and
// memory.fill are charged by their length at run time.
unsigned char a[1 << 16], b[1 << 16];

void copy(unsigned dst, unsigned src, unsigned n) { __builtin_memmove(a + (dst & 0x7fff), b + (src & 0x7fff), n & 0x7fff); }
void set(unsigned off, int v, unsigned n) { __builtin_memset(a + (off & 0x7fff), v, n & 0x7fff); }

unsigned sum(unsigned n) {
    unsigned s = 0;
    for (unsigned i = 0; i < n && i < sizeof a; i++) s = s * 31 + a[i];
    return s;
}

// shuffle mixes both buffers with copies and fills of varying lengths.
unsigned shuffle(unsigned rounds) {
    unsigned x = 12345;
    for (unsigned r = 0; r < rounds; r++) {
        x = x * 1103515245u + 12345u;
        __builtin_memset(b + (x & 0x3fff), (int)(x >> 24), (x >> 10) & 0x1fff);
        x = x * 1103515245u + 12345u;
        __builtin_memmove(a + (x & 0x3fff), b + ((x >> 14) & 0x3fff), (x >> 4) & 0x1fff);
    }
    return sum(sizeof a);
}
