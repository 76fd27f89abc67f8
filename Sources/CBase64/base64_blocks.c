// AVX2 blocks for Base64.swift. Per 128-bit lane, encoding spreads 12 input bytes over four
// 32-bit words, cuts each word's 24 bits into four 6-bit values with two multiplies, and turns
// the values into characters with one table lookup of an offset; decoding classifies every
// character by its two nibbles, adds a per-class offset, and packs four 6-bit values back into
// three bytes with two multiply-adds.

#include "cbase64.h"

#if defined(__x86_64__)

#include <immintrin.h>

// A read of the CPU model the runtime filled in at start-up: cheap enough to ask every time.
static int te_has_avx2(void) {
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

__attribute__((target("avx2")))
static size_t te_encode_avx2(const uint8_t *src, size_t length, uint8_t *dst) {
    // Lane bytes 3k, 3k+1, 3k+2 (a, b, c) become the word's bytes b, a, c, b.
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                            1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    // The offset from a 6-bit value to its character, looked up by the value's class: 13 for
    // A-Z (0-25), 0 for a-z (26-51), 1-10 for the digits (52-61), 11 for '+', 12 for '/'.
    const __m256i offsets = _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
                                             'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    size_t i = 0, o = 0;
    while (length - i >= 28) {
        __m128i low = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i high = _mm_loadu_si128((const __m128i *)(src + i + 12));
        __m256i in = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1), spread);
        // Word bytes (b, a, c, b): the values a>>2 and (a&3)<<4|b>>4 come from the first pair of
        // 16-bit halves shifted right, (b&15)<<2|c>>6 and c&63 from the second shifted left.
        __m256i first = _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)), _mm256_set1_epi32(0x04000040));
        __m256i second = _mm256_mullo_epi16(_mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)), _mm256_set1_epi32(0x01000010));
        __m256i values = _mm256_or_si256(first, second);
        __m256i classes = _mm256_subs_epu8(values, _mm256_set1_epi8(51));
        classes = _mm256_or_si256(classes, _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), values), _mm256_set1_epi8(13)));
        __m256i text = _mm256_add_epi8(values, _mm256_shuffle_epi8(offsets, classes));
        _mm256_storeu_si256((__m256i *)(dst + o), text);
        i += 24;
        o += 32;
    }
    return i;
}

__attribute__((target("avx2")))
static size_t te_decode_avx2(const uint8_t *src, size_t length, uint8_t *dst, size_t capacity) {
    // A character is refused when its low nibble's bits meet its high nibble's class bit:
    // class 0x01 (high nibble 0, 1, 8-15) refuses every low nibble; 0x02 ('+' '/' row) all but B
    // and F; 0x04 (digits row) A-F; 0x08 (rows 4 and 6) 0; 0x10 (rows 5 and 7) B-F.
    const __m256i low_bits = _mm256_setr_epi8(0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
                                              0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15,
                                              0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
                                              0x03, 0x03, 0x07, 0x15, 0x17, 0x17, 0x17, 0x15);
    const __m256i high_class = _mm256_setr_epi8(0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10,
                                                0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
                                                0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x10,
                                                0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01);
    // Character to value by high nibble; '/' shares '+''s nibble and is moved to index 1.
    const __m256i shifts = _mm256_setr_epi8(0, 63 - '/', 62 - '+', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 63 - '/', 62 - '+', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0);
    // The three bytes of each packed word, most significant first, then the lanes' 12 bytes together.
    const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                            2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    size_t i = 0, o = 0;
    while (length - i >= 32 && capacity - o >= 32) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i high = _mm256_and_si256(_mm256_srli_epi32(in, 4), nibble);
        __m256i low = _mm256_and_si256(in, nibble);
        __m256i refused = _mm256_and_si256(_mm256_shuffle_epi8(low_bits, low), _mm256_shuffle_epi8(high_class, high));
        if (!_mm256_testz_si256(refused, refused)) {
            break;
        }
        __m256i slash = _mm256_cmpeq_epi8(in, _mm256_set1_epi8('/'));
        __m256i values = _mm256_add_epi8(in, _mm256_shuffle_epi8(shifts, _mm256_add_epi8(high, slash)));
        // Pairs of 6-bit values into 12 bits, pairs of those into 24 bits per word.
        __m256i words = _mm256_madd_epi16(_mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140)), _mm256_set1_epi32(0x00011000));
        __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(words, gather), lanes);
        _mm256_storeu_si256((__m256i *)(dst + o), packed);
        i += 32;
        o += 24;
    }
    return i;
}

size_t te_base64_encode_blocks(const uint8_t *src, size_t length, uint8_t *dst) {
    if (src == NULL || dst == NULL || !te_has_avx2()) {
        return 0;
    }
    return te_encode_avx2(src, length, dst);
}

size_t te_base64_decode_blocks(const uint8_t *src, size_t length, uint8_t *dst, size_t capacity) {
    if (src == NULL || dst == NULL || !te_has_avx2()) {
        return 0;
    }
    return te_decode_avx2(src, length, dst, capacity);
}

#else

size_t te_base64_encode_blocks(const uint8_t *src, size_t length, uint8_t *dst) {
    (void)src; (void)length; (void)dst;
    return 0;
}

size_t te_base64_decode_blocks(const uint8_t *src, size_t length, uint8_t *dst, size_t capacity) {
    (void)src; (void)length; (void)dst; (void)capacity;
    return 0;
}

#endif
