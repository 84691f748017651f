/* Sessions per time bin, by the time each started: by mode, with the
 * probes (class.h) apart. Bins are aligned to multiples of their length
 * since 1970-01-01 UTC (so a week starts on a Thursday).
 *
 * Without --bin the bin is chosen from the capture's span: the shortest of
 * 1 minute, 5 and 15 minutes, 1 and 6 hours, 1 day, 1 week, 4 weeks (then
 * doubling) that needs at most LIMIT_TIMELINE_AUTO bins, so that a day is
 * told in hours and a month in days. With --bin, that bin, until more than
 * LIMIT_TIMELINE_BINS would be needed: then it doubles, and says so. The
 * bins are one array allocated at the start: adding a session never
 * allocates, and sessions may come in any order. */
#ifndef SMTPTLS_TIMELINE_H
#define SMTPTLS_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class.h"
#include "session.h"

struct timeline_bin {
    uint64_t modes[SESSION_MODE_COUNT];
    uint64_t probes;
};

struct timeline {
    uint64_t bin_s;   /* the bin now, seconds */
    uint64_t asked_s; /* --bin, or 0: chosen from the span */
    unsigned step;    /* without --bin: index into the list of bins */
    uint64_t lo;      /* index of bins[0] (start seconds / bin_s) */
    size_t n, cap;    /* bins in use, bins allocated */
    struct timeline_bin *bins;
};

/* bin_s: --bin in seconds, or 0. 0, or -1 when out of memory. */
int timeline_init(struct timeline *t, uint64_t bin_s);
void timeline_free(struct timeline *t);
void timeline_add(struct timeline *t, uint64_t start_us, enum session_mode mode,
                  enum session_class c);
/* The bin was made longer than --bin asked. */
bool timeline_coarsened(const struct timeline *t);
/* "1h", "15m", "7d", "90s": the bin as --bin takes it, into buf (16 bytes). */
size_t timeline_bin_name(uint64_t bin_s, char *buf, size_t len);
/* --bin's value: digits and a unit (s, m, h, d); 0, or -1 when it is not one
 * or outside 1 s to LIMIT_BIN_S_MAX. */
int timeline_parse_bin(const char *s, uint64_t *bin_s);

#endif
