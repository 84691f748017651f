/* Shared by the fuzz harnesses: the libFuzzer entry point, property checks
 * that abort with a message, the chunk framing of the stream harnesses, and a
 * byte digest that reads every byte of a view (so ASan sees each one). */
#ifndef SMTPTLS_FUZZ_H
#define SMTPTLS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Known bugs, reported and not fixed yet, that a long run must get past
 * (scripts/fuzz.sh --tolerate defines FUZZ_TOLERATE_KNOWN). Each switch
 * skips one check, named where it is used; the replay tests and CI never set
 * them. Remove a switch once its bug is fixed. */
#ifdef FUZZ_TOLERATE_KNOWN
/* none open: the three found so far are fixed (fuzz/README.md) */
#endif

/* A property violation is a crash: libFuzzer saves the input, the replay
 * test fails. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(#cond, __FILE__, __LINE__);                                                  \
    } while (0)

static inline void fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", what, file, line);
    fflush(stderr);
    abort();
}

/* Chunk framing (tls, smtp): chunks separated by FUZZ_SEP, alternating
 * client, server, client... An empty chunk gives the turn to the other side.
 * A chunk that starts with FUZZ_GAP is a hole in that side's stream: two more
 * bytes give its length - 1 (big endian), the rest of the chunk follows it. */
#define FUZZ_SEP "\xF0\x9F\x94\x80" /* U+1F500, "twisted arrows" */
#define FUZZ_GAP "\xF0\x9F\x95\xB3" /* U+1F573, "hole" */
#define FUZZ_SEP_LEN 4u

struct fuzz_chunks {
    const uint8_t *p;
    size_t n, pos;
    bool done;
};

static inline struct fuzz_chunks fuzz_chunks_make(const uint8_t *p, size_t n)
{
    struct fuzz_chunks c = {p, n, 0, false};
    return c;
}

/* The next chunk, or false at the end of the input. */
static inline bool fuzz_chunk_next(struct fuzz_chunks *c, const uint8_t **out, size_t *len)
{
    if (c->done)
        return false;
    size_t start = c->pos;
    for (size_t i = start; i + FUZZ_SEP_LEN <= c->n;) {
        const uint8_t *f = memchr(c->p + i, FUZZ_SEP[0] & 0xFF, c->n - i - (FUZZ_SEP_LEN - 1));
        if (!f)
            break;
        i = (size_t)(f - c->p);
        if (f[1] == (uint8_t)FUZZ_SEP[1] && f[2] == (uint8_t)FUZZ_SEP[2] &&
            f[3] == (uint8_t)FUZZ_SEP[3]) {
            *out = c->p + start;
            *len = i - start;
            c->pos = i + FUZZ_SEP_LEN;
            return true;
        }
        i++;
    }
    *out = c->p + start;
    *len = c->n - start;
    c->done = true;
    return true;
}

/* FNV-1a over a view; reads every byte. */
static inline uint64_t fuzz_digest(uint64_t h, const uint8_t *p, size_t n)
{
    if (h == 0)
        h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static inline uint64_t fuzz_mix(uint64_t h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fuzz_digest(h, b, sizeof b);
}

/* xorshift64*, for split points derived from the input. */
static inline uint64_t fuzz_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

/* An exactly-sized heap copy, so that any read past the end is an ASan report. */
static inline uint8_t *fuzz_dup(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        abort();
    if (n)
        memcpy(b, p, n);
    return b;
}

#endif
