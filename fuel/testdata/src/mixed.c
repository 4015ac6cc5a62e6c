// i64, f32 and f64 arithmetic and conversions (with saturating truncation
// and sign extension enabled).
long long i64ops(long long a, long long b) {
    long long r = a * b + (a >> 3) - (b << 5);
    r ^= (long long)((unsigned long long)a >> 7);
    if (b != 0 && !(a == (-0x7fffffffffffffffLL - 1) && b == -1)) r += a / b + a % b;
    r += __builtin_popcountll(a) + __builtin_clzll(b | 1) + __builtin_ctzll(a | 1);
    r += (long long)(signed char)a + (long long)(short)b + (long long)(int)(a >> 32);
    return r;
}

float f32ops(float x, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s = s * 0.5f + x / (float)(i + 1) - __builtin_sqrtf(x * x + (float)i);
    return s + __builtin_fabsf(x) + __builtin_copysignf(1.5f, -x) + __builtin_floorf(x) + __builtin_ceilf(x);
}

double f64ops(double x, long long n) {
    double s = 1;
    for (long long i = 0; i < n; i++) s = s * x + (double)i / 3.0 - __builtin_trunc(s / 7.0);
    return s + __builtin_sqrt(__builtin_fabs(x)) + (double)(float)x + __builtin_nearbyint(x * 10);
}

int conv(double d, float f) {
    long long a = (long long)d;        // saturating with -mnontrapping-fptoint
    unsigned b = (unsigned)f;
    int c = (int)(d * 1e12);
    return (int)(a ^ b ^ c) + (int)(unsigned long long)(f * 2.0f);
}

long long mix(int n) {
    long long acc = 0;
    for (int i = 0; i < n; i++) {
        acc += i64ops(acc + i, i * 7 + 3);
        acc ^= (long long)(f64ops((double)i / 10.0, i % 5) * 1000);
        acc += conv((double)acc / 1e9, (float)i * 1.25f);
    }
    return acc;
}
