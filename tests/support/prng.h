/* Deterministic PRNG for split and permutation tests (splitmix64): the same
 * seed gives the same chunking on every machine, so a failure reproduces. */
#ifndef SMTPTLS_TEST_PRNG_H
#define SMTPTLS_TEST_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct prng {
    uint64_t s;
};

static inline struct prng prng_seed(uint64_t seed)
{
    struct prng r = {seed};
    return r;
}

static inline uint64_t prng_next(struct prng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi >= lo). */
static inline size_t prng_range(struct prng *r, size_t lo, size_t hi)
{
    return lo + (size_t)(prng_next(r) % (uint64_t)(hi - lo + 1u));
}

/* Fisher-Yates shuffle of n indices. */
static inline void prng_shuffle(struct prng *r, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = prng_range(r, 0, i - 1u);
        size_t t = v[i - 1u];
        v[i - 1u] = v[j];
        v[j] = t;
    }
}

#endif
