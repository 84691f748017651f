#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without --bin: each bin a whole number of the one before, so that bins
 * merge exactly; after the last, doubling. */
static const uint64_t steps[] = {60, 300, 900, 3600, 21600, 86400, 604800, 2419200};
#define NSTEPS (sizeof steps / sizeof steps[0])

int timeline_init(struct timeline *t, uint64_t bin_s)
{
    memset(t, 0, sizeof *t);
    t->asked_s = bin_s;
    t->bin_s = bin_s ? bin_s : steps[0];
    t->cap = bin_s ? LIMIT_TIMELINE_BINS : LIMIT_TIMELINE_AUTO;
    t->bins = calloc(t->cap, sizeof *t->bins);
    return t->bins ? 0 : -1;
}

void timeline_free(struct timeline *t)
{
    free(t->bins);
    t->bins = NULL;
}

bool timeline_coarsened(const struct timeline *t)
{
    return t->asked_s && t->bin_s != t->asked_s;
}

static void merge(struct timeline_bin *to, const struct timeline_bin *from)
{
    for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
        to->modes[m] += from->modes[m];
    to->probes += from->probes;
}

/* The next bin, k times the present one; the bins merged in place (the new
 * index of a bin is never past its old one). */
static void coarsen(struct timeline *t)
{
    uint64_t next = t->asked_s || t->step + 1 >= NSTEPS ? t->bin_s * 2 : steps[t->step + 1];
    uint64_t k = next / t->bin_s;
    if (!t->asked_s && t->step + 1 < NSTEPS)
        t->step++;
    uint64_t lo = t->lo / k;
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)((t->lo + i) / k - lo);
        if (j != i) {
            merge(&t->bins[j], &t->bins[i]);
            memset(&t->bins[i], 0, sizeof t->bins[i]);
        }
        n = j + 1;
    }
    t->lo = lo;
    t->n = n;
    t->bin_s = next;
}

/* Make room for bin index i (at the present bin length): false when the
 * span needs more bins than there are. */
static bool cover(struct timeline *t, uint64_t i)
{
    if (t->n == 0) {
        t->lo = i;
        t->n = 1;
        return true;
    }
    if (i >= t->lo && i < t->lo + t->n)
        return true;
    uint64_t lo = i < t->lo ? i : t->lo;
    uint64_t hi = i >= t->lo + t->n ? i + 1 : t->lo + t->n;
    if (hi - lo > t->cap)
        return false;
    if (i < t->lo) {
        size_t shift = (size_t)(t->lo - i);
        memmove(t->bins + shift, t->bins, t->n * sizeof *t->bins);
        memset(t->bins, 0, shift * sizeof *t->bins);
    }
    t->lo = lo;
    t->n = (size_t)(hi - lo);
    return true;
}

void timeline_add(struct timeline *t, uint64_t start_us, enum session_mode mode,
                  enum session_class c)
{
    uint64_t secs = start_us / 1000000u;
    while (!cover(t, secs / t->bin_s))
        coarsen(t);
    struct timeline_bin *b = &t->bins[secs / t->bin_s - t->lo];
    if ((unsigned)mode < SESSION_MODE_COUNT)
        b->modes[mode]++;
    b->probes += c == CLASS_PROBE;
}

size_t timeline_bin_name(uint64_t bin_s, char *buf, size_t len)
{
    static const struct {
        uint64_t secs;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t u = 0;
    while (bin_s % units[u].secs)
        u++;
    int n =
        snprintf(buf, len, "%llu%c", (unsigned long long)(bin_s / units[u].secs), units[u].unit);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

int timeline_parse_bin(const char *s, uint64_t *bin_s)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > LIMIT_BIN_S_MAX)
            return -1;
    }
    if (i == 0 || s[i] == '\0' || s[i + 1] != '\0')
        return -1;
    switch (s[i]) {
    case 's':
        break;
    case 'm':
        v *= 60;
        break;
    case 'h':
        v *= 3600;
        break;
    case 'd':
        v *= 86400;
        break;
    default:
        return -1;
    }
    if (v == 0 || v > LIMIT_BIN_S_MAX)
        return -1;
    *bin_s = v;
    return 0;
}
