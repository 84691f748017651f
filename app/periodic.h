/* What a run writes every interval and at the end: the --stats line
 * (stats.h) and the --metrics file (metrics.h). The run calls
 *   periodic_open    with the --stats file, opened before privileges are dropped,
 *   periodic_record  for each finished session (the cipher series),
 *   periodic_tick    as time moves, when periodic_due: reading files, at packets
 *                    (capture time); live, on the wall-clock tick of the control
 *                    thread; with the numbers of records_view,
 *   periodic_final   at the end, after every pipeline is flushed,
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
#include "findings.h"
#include "jsonb.h"
#include "metrics.h"
#include "options.h"
#include "output.h"
#include "stats.h"

struct periodic {
    /* from the options */
    uint64_t interval_us;
    const char *metrics_path, *interface;
    struct output *stats; /* --stats, or NULL; owned by the run (reopened on SIGHUP) */
    /* the intervals */
    bool started;
    uint64_t next_us, last_us;
    struct stats_snapshot prev;
    struct metrics_ciphers ciphers;
    struct jsonb line;
    bool failed; /* an output failed; said once on stderr */
};

/* The numbers of a moment: the run's sessions and counters, as records_view
 * hands them over. */
struct periodic_view {
    const struct aggregate *agg;
    const struct aggregate_capture *cap;
    const struct findings *findings;
};

/* stats: the --stats file, opened by the run, or NULL. */
void periodic_open(struct periodic *p, const struct options *o, struct output *stats);
bool periodic_active(const struct periodic *p);
/* For each finished session (the cipher series); under the records' lock. */
void periodic_record(struct periodic *p, const struct session_record *r);
/* Cheap: has an interval ended at now (or has none begun)? */
bool periodic_due(const struct periodic *p, uint64_t now_us);
/* 0, or -1 when a write failed (one line on stderr, the first time): the
 * caller ends the run with status 5. */
int periodic_tick(struct periodic *p, uint64_t now_us, const struct periodic_view *v);
/* The last line (final: true) and the last metrics file. now_us: the wall
 * clock live; reading files 0, for the time of the last tick. 0 or -1. */
int periodic_final(struct periodic *p, uint64_t now_us, const struct periodic_view *v);
void periodic_close(struct periodic *p);

#endif
