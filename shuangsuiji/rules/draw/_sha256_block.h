/*
 * SHA-256 of a ticket (protocol §4) with the CPU's SHA instructions: one compression of
 * one block from a saved midstate. A ticket hashes SHA256_hex(seed) (64 bytes, exactly the
 * first block: its midstate is computed once per draw, by the same instructions from the
 * standard initial state) followed by the ID, so each candidate costs the one block that holds
 * the ID and the padding. Through OpenSSL that block costs about half as much again in copying
 * and dispatch, over ten million candidates.
 *
 * Used only when the CPU has the SHA extensions and the module's self-test against OpenSSL
 * (at import) passes; otherwise OpenSSL does every hash.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define TICKET_SHA_NI 1

static const uint32_t SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

/* The midstate h[0..7] in the instructions' register layout (ABEF, CDGH). */
typedef struct { __m128i abef, cdgh; } sha_state;

__attribute__((target("sha,sse4.1")))
static inline sha_state sha_state_of(const uint32_t h[8]) {
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);
    sha_state s = {_mm_alignr_epi8(dcba, efgh, 8), _mm_blend_epi16(efgh, dcba, 0xF0)};
    return s;
}

/* The digests of TICKET_LANES messages whose first 64 bytes left `mid`, each ending with
 * its 64-byte block of `blocks` (the rest of the message, padded). The lanes' rounds are
 * interleaved: one hash waits on each round's result, two or more keep the unit busy
 * (measured here: 45 ns a hash alone, 32 ns in pairs, 29 ns by three or four). */
#define TICKET_LANES 2

__attribute__((target("sha,sse4.1")))
static void sha_final_blocks(sha_state mid, const unsigned char *blocks, unsigned char *digests) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef[TICKET_LANES], cdgh[TICKET_LANES], w[TICKET_LANES][4];
    for (int x = 0; x < TICKET_LANES; x++) {
        abef[x] = mid.abef;
        cdgh[x] = mid.cdgh;
        for (int i = 0; i < 4; i++)
            w[x][i] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *)(blocks + 64 * x + 16 * i)), swap);
    }
    for (int r = 0; r < 16; r++) {  /* four rounds each; unrolled by the compiler */
        __m128i k = _mm_loadu_si128((const __m128i *)(SHA256_K + 4 * r));
        for (int x = 0; x < TICKET_LANES; x++) {
            if (r >= 4) {  /* message schedule: w[r] from w[r-4], w[r-3], w[r-2], w[r-1] */
                __m128i t = _mm_sha256msg1_epu32(w[x][r & 3], w[x][(r + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[x][(r + 3) & 3], w[x][(r + 2) & 3], 4));
                w[x][r & 3] = _mm_sha256msg2_epu32(t, w[x][(r + 3) & 3]);
            }
            __m128i m = _mm_add_epi32(w[x][r & 3], k);
            cdgh[x] = _mm_sha256rnds2_epu32(cdgh[x], abef[x], m);
            abef[x] = _mm_sha256rnds2_epu32(abef[x], cdgh[x], _mm_shuffle_epi32(m, 0x0E));
        }
    }
    const __m128i be = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    for (int x = 0; x < TICKET_LANES; x++) {
        __m128i a = _mm_add_epi32(abef[x], mid.abef), c = _mm_add_epi32(cdgh[x], mid.cdgh);
        __m128i feba = _mm_shuffle_epi32(a, 0x1B), dchg = _mm_shuffle_epi32(c, 0xB1);
        _mm_storeu_si128((__m128i *)(digests + 32 * x),
                         _mm_shuffle_epi8(_mm_blend_epi16(feba, dchg, 0xF0), be));
        _mm_storeu_si128((__m128i *)(digests + 32 * x + 16),
                         _mm_shuffle_epi8(_mm_alignr_epi8(dchg, feba, 8), be));
    }
}

/* SHA-256's initial state, and the midstate after one 64-byte block from it: the state the
 * compression leaves (sha_final_blocks gives it as the digest's big-endian words). */
static const uint32_t SHA256_IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

__attribute__((target("sha,sse4.1")))
static sha_state sha_midstate(const unsigned char block[64]) {
    unsigned char blocks[64 * TICKET_LANES], out[32 * TICKET_LANES];
    for (int x = 0; x < TICKET_LANES; x++) memcpy(blocks + 64 * x, block, 64);
    sha_final_blocks(sha_state_of(SHA256_IV), blocks, out);
    uint32_t h[8];
    for (int i = 0; i < 8; i++)
        h[i] = (uint32_t)out[4 * i] << 24 | (uint32_t)out[4 * i + 1] << 16 |
               (uint32_t)out[4 * i + 2] << 8 | out[4 * i + 3];
    return sha_state_of(h);
}

static int cpu_has_sha(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return sha && (c >> 19) & 1 && (c >> 9) & 1;  /* SSE4.1, SSSE3 */
}
#endif
