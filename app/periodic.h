/* What a run writes every interval and at the end: the --stats line
 * (stats.h) and the --metrics file (metrics.h). The run calls
 *   periodic_open    before privileges are dropped (opens the --stats file),
 *   periodic_attach  once the run's aggregate, findings and pipeline exist,
 *   periodic_record  for each finished session (the cipher series),
 *   periodic_tick    as time moves: each packet reading files (capture time),
 *                    and live also on a wall-clock tick while the link is quiet,
 *   periodic_final   at the end, after the pipeline is flushed,
 *   periodic_close.
 * The first tick starts the intervals; an interval ends at start + k * S.
 * A tick past several boundaries at once (a quiet gap in a capture) writes
 * one line covering them all. */
#ifndef SMTPTLS_PERIODIC_H
#define SMTPTLS_PERIODIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "capture.h"
#include "findings.h"
#include "jsonb.h"
#include "metrics.h"
#include "options.h"
#include "pipeline.h"
#include "stats.h"

struct periodic {
    /* from the options */
    uint64_t interval_us;
    const char *stats_path, *metrics_path, *interface;
    int stats_fd; /* -1: no --stats */
    /* the run's state, read at each tick */
    const struct aggregate *agg;
    const struct findings *findings;
    struct pipeline *pl;
    struct capture *cap;
    /* the intervals */
    bool started;
    uint64_t next_us, last_us;
    struct stats_snapshot prev;
    struct metrics_ciphers ciphers;
    struct jsonb line;
    bool failed; /* an output failed; said once on stderr */
};

/* Open the --stats file (O_APPEND, created 0640; "-" is standard output).
 * 0, or -1 with "PATH: reason" in err. */
int periodic_open(struct periodic *p, const struct options *o, char *err, size_t errlen);
void periodic_attach(struct periodic *p, const struct aggregate *a, const struct findings *fi,
                     struct pipeline *pl, struct capture *cap);
void periodic_record(struct periodic *p, const struct session_record *r);
/* Cheap when no interval ended. 0, or -1 when a write failed (one line on
 * stderr, the first time): the caller ends the run with status 5. */
int periodic_tick(struct periodic *p, uint64_t now_us);
/* The last line (final: true) and the last metrics file. now_us: the wall
 * clock live; reading files 0, for the time of the last tick. 0 or -1. */
int periodic_final(struct periodic *p, uint64_t now_us);
/* Closes the --stats file; -1 if that failed (said on stderr). */
int periodic_close(struct periodic *p);

#endif
