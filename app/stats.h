/* Numbers while it runs: a snapshot of the run's counts at one moment, and
 * the --stats line made from two snapshots (now and the previous one). Pure:
 * no I/O, no clock; the caller gives the time and the resident memory.
 *
 * The line is one JSON object (report/jsonb.h), for example
 *   {"time": "...Z", "interval_s": 60.000000, "final": false,
 *    "total": {COUNTS}, "delta": {COUNTS},
 *    "flows_open": 12, "resident_memory_bytes": 14680064,
 *    "resident_memory_source": "/proc/self/statm"}
 * where COUNTS is {"sessions": {"total", one key per mode as in the summary},
 * "encrypted", "starttls_offered", "leaks": {"envelope", "auth"},
 * "findings": {one key per code}, "packets", "bytes", "kernel_drops"}:
 * "total" since the start, "delta" over the interval. kernel_drops is null
 * when reading files, resident memory null when it could not be read. */
#ifndef SMTPTLS_STATS_H
#define SMTPTLS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "counters.h"
#include "findings.h"
#include "jsonb.h"
#include "session.h"

/* Counts that only grow: "total" holds them, "delta" their difference. */
struct stats_counts {
    uint64_t sessions;
    uint64_t modes[SESSION_MODE_COUNT];
    uint64_t encrypted;
    uint64_t starttls_offered;
    uint64_t leak_envelope, leak_auth;
    uint64_t findings[FINDING_COUNT]; /* sessions per finding, as in the summary */
    uint64_t packets, bytes;
    uint64_t kernel_drops; /* kernel and interface drops; live only */
};

struct stats_snapshot {
    uint64_t time_us; /* packet time reading files, wall clock live */
    struct stats_counts c;
    bool live; /* kernel_drops means something */
    bool folded; /* from session records (--from-sessions): packets, bytes, flows not known */
    uint64_t flows_open;
    uint64_t rss_bytes; /* 0: unknown */
};

/* Fill *s from the aggregate, the late stripping count (findings.h:
 * findings_stripped_late; the summary adds it to starttls-stripped, so does
 * this), the pipeline's and the capture's counters (cap may be NULL). */
void stats_snapshot_fill(struct stats_snapshot *s, uint64_t time_us, const struct aggregate *a,
                         uint64_t stripped_late, const struct pipeline_stats *ps,
                         const struct capture_stats *cap, uint64_t flows_open, uint64_t rss_bytes);

/* The line for the interval from prev to now, with its "\n", built in b
 * (reset first; give it the cap LIMIT_STATS_LINE). final marks the line
 * written at the end. Returns the text, valid until b is used again, and its
 * length in *len; NULL when b failed (jb_error says why). A count that went
 * down (it cannot; a clock that stepped back can shorten the interval) gives
 * a delta of 0 and an interval of 0. */
const char *stats_line(struct jsonb *b, const struct stats_snapshot *now,
                       const struct stats_snapshot *prev, bool final, size_t *len);

/* This process's resident memory in bytes from /proc/self/statm (its second
 * field, in pages, times the page size): the memory in use now, not the peak
 * getrusage gives. 0 when it cannot be read. */
uint64_t stats_resident_bytes(void);

/* The summary's key of a mode ("implicit_tls"), as in json_summary. */
const char *stats_mode_key(enum session_mode m);

#endif
