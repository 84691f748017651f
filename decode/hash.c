#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

struct sip {
    uint64_t v0, v1, v2, v3;
};

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64u - b);
}

static inline uint64_t le32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline void sip_rounds(struct sip *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        s->v0 += s->v1;
        s->v1 = rotl(s->v1, 13) ^ s->v0;
        s->v0 = rotl(s->v0, 32);
        s->v2 += s->v3;
        s->v3 = rotl(s->v3, 16) ^ s->v2;
        s->v0 += s->v3;
        s->v3 = rotl(s->v3, 21) ^ s->v0;
        s->v2 += s->v1;
        s->v1 = rotl(s->v1, 17) ^ s->v2;
        s->v2 = rotl(s->v2, 32);
    }
}

static inline void sip_word(struct sip *s, uint64_t m, unsigned c)
{
    s->v3 ^= m;
    sip_rounds(s, c);
    s->v0 ^= m;
}

/* Forced inline: with the rounds constant, hash_bytes unrolls them (a shared
 * out-of-line copy with the rounds as arguments costs the flow table twice
 * the instructions). */
__attribute__((always_inline)) static inline uint64_t
siphash(const struct hash_key *key, const uint8_t *p, size_t n, unsigned c, unsigned d)
{
    /* "somepseudorandomlygeneratedbytes" */
    struct sip s = {key->k0 ^ 0x736f6d6570736575ull, key->k1 ^ 0x646f72616e646f6dull,
                    key->k0 ^ 0x6c7967656e657261ull, key->k1 ^ 0x7465646279746573ull};
    size_t whole = n & ~(size_t)7u;
    for (size_t i = 0; i < whole; i += 8)
        sip_word(&s, le64(p + i), c);
    /* The last word: the bytes left over, and the length (mod 256) on top. */
    uint64_t last = (uint64_t)(n & 0xFFu) << 56;
    size_t i = whole;
    if (n - i >= 4) { /* flow keys end with 4 bytes of ports */
        last |= le32(p + i);
        i += 4;
    }
    for (; i < n; i++)
        last |= (uint64_t)p[i] << (8u * (i - whole));
    sip_word(&s, last, c);
    s.v2 ^= 0xFFu;
    sip_rounds(&s, d);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t hash_bytes(const struct hash_key *key, const void *p, size_t n)
{
    return siphash(key, p, n, 1, 3);
}

uint64_t hash_siphash(const struct hash_key *key, const void *p, size_t n, unsigned c, unsigned d)
{
    return siphash(key, p, n, c, d);
}

int hash_key_random(struct hash_key *key)
{
    uint8_t b[16];
    ssize_t got;
    do
        got = getrandom(b, sizeof b, GRND_NONBLOCK);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof b) {
        FILE *f = fopen("/dev/urandom", "rb");
        if (!f)
            return -1;
        size_t n = fread(b, 1, sizeof b, f);
        fclose(f);
        if (n != sizeof b) {
            errno = EIO;
            return -1;
        }
    }
    key->k0 = le64(b);
    key->k1 = le64(b + 8);
    return 0;
}
