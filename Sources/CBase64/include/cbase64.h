#ifndef THINKEDIT_CBASE64_H
#define THINKEDIT_CBASE64_H

// The wide middle of ThinkEditCore's base64 (Base64.swift): whole blocks with AVX2 when the CPU
// has it. Each function does what it can in blocks and returns how far it got; the Swift code
// does the rest (the tail, the padding, every check of a block these leave alone), so a CPU
// without AVX2 only loses speed.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Encodes `src` 24 bytes at a time into 32 characters at `dst` (the standard alphabet), while at
/// least 28 bytes remain (each step loads 28). Returns the bytes encoded, a multiple of 24; `dst`
/// then holds that many / 3 * 4 characters. 0 without AVX2.
size_t te_base64_encode_blocks(const uint8_t *src, size_t length, uint8_t *dst);

/// Decodes `src` 32 characters at a time into 24 bytes at `dst`, while at least 32 characters
/// remain and `dst` has room for a 32-byte store, and stops before the first block holding any
/// byte outside the standard alphabet (padding included). Returns the characters decoded, a
/// multiple of 32; `dst` then holds that many / 4 * 3 bytes. 0 without AVX2.
size_t te_base64_decode_blocks(const uint8_t *src, size_t length, uint8_t *dst, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
