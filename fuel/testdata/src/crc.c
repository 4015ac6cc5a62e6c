// Table-driven CRC-32 (IEEE) over a buffer: the CPU-bound loop of the
// benchmarks, plus spin(), a loop that never ends.
static unsigned table[256];
unsigned char buf[1 << 20];
volatile unsigned spins;

void crc_init(void) {
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

// fill writes n pseudo-random bytes (xorshift32 from seed) into buf.
void fill(unsigned seed, unsigned n) {
    unsigned x = seed | 1;
    for (unsigned i = 0; i < n && i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
}

unsigned crc32(const unsigned char *p, unsigned n) {
    unsigned c = 0xffffffffu;
    for (unsigned i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

unsigned crc_buf(unsigned n) { return crc32(buf, n > sizeof buf ? sizeof buf : n); }

// loop_n runs an empty-bodied counted loop: its cost is linear in n.
unsigned loop_n(unsigned n) {
    unsigned s = 0;
    for (unsigned i = 0; i < n; i++) spins = i;
    return s + spins;
}

void spin(void) {
    for (;;) spins++;
}
