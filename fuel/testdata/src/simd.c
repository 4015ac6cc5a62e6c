// SIMD (-msimd128): v128 constants, shuffles, lane ops, splats, loads and
// stores, plus an auto-vectorized loop.
#include <wasm_simd128.h>

float xs[1024], ys[1024];
unsigned char bytes[1024];

void init(int n) {
    for (int i = 0; i < n && i < 1024; i++) {
        xs[i] = (float)i * 0.25f;
        ys[i] = (float)(n - i);
        bytes[i] = (unsigned char)(i * 7);
    }
}

float dot(int n) {
    v128_t acc = wasm_f32x4_splat(0);
    for (int i = 0; i + 4 <= n && i + 4 <= 1024; i += 4)
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(xs + i), wasm_v128_load(ys + i)));
    return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
           wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
}

int shuffle(int seed) {
    v128_t a = wasm_i32x4_make(seed, seed * 3, seed ^ 0x55, 7);
    v128_t b = wasm_i32x4_const(1, 2, 3, 4);
    v128_t c = wasm_i8x16_shuffle(a, b, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31);
    c = wasm_i16x8_replace_lane(c, 3, (short)seed);
    c = wasm_v128_load32_lane(&seed, c, 2);
    v128_t d = wasm_i8x16_swizzle(c, wasm_i8x16_const(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    d = wasm_i32x4_add(d, wasm_i32x4_shl(c, 3));
    return wasm_i32x4_extract_lane(d, 0) ^ wasm_i32x4_extract_lane(d, 3) ^ wasm_i16x8_extract_lane(c, 5) ^
           wasm_i8x16_bitmask(d) ^ (int)wasm_v128_any_true(d);
}

unsigned bytesum(int n) {
    unsigned s = 0;
    for (int i = 0; i < n && i < 1024; i++) s += bytes[i] * 3u; // auto-vectorized
    return s;
}
