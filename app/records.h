/* Where every finished session of a run goes, from one pipeline or from
 * each live worker's: judged (findings, which must see every record), counted
 * (aggregate) and written to --sessions as one whole line, under one lock.
 * Live, records wait for their turn (order.h) so that the result does not
 * depend on how the workers were scheduled; offline they are taken as they
 * come. It also keeps the counters each worker last showed, for the reports
 * written while the capture goes on. */
#ifndef SMTPTLS_RECORDS_H
#define SMTPTLS_RECORDS_H

#include <stdbool.h>
#include <stdio.h>

#include "aggregate.h"
#include "counters.h"
#include "findings.h"
#include "hash.h"
#include "json.h"
#include "output.h"
#include "session.h"

struct records_config {
    struct hash_key key;           /* of the findings' tables */
    const struct home_net *home;   /* --home-net, for the findings' directions; may be NULL */
    struct aggregate_config agg;   /* directions counted, the timeline's bin */
    struct json_context ids;       /* the sensor and Community ID of every record */
    struct aggregate_capture about; /* version, sensor, inputs, --home-net of every report */
    unsigned width;                /* of the text report */
    struct output *sessions; /* --sessions, or NULL; not owned */
    unsigned workers;        /* pipelines feeding the records */
    bool ordered;            /* live: records in their turn (order.h) */
    /* Called once, from the thread that met it, when a record cannot be
     * written: the capture is to end (the line on stderr is already out). */
    void (*write_failed)(void *ctx);
    void *ctx;
    /* Called for each record as it is taken, under the lock (the metrics'
     * cipher series); may be NULL. */
    void (*taken)(void *ctx, const struct session_record *rec);
    void *taken_ctx;
};

struct records;

/* NULL when out of memory. */
struct records *records_new(const struct records_config *cfg);
void records_free(struct records *r);
/* A pipeline_sink: ctx is the struct records. Thread-safe. */
void records_add(void *ctx, const struct session_record *rec);
/* Worker w's pipeline has closed everything due up to until
 * (pipeline_closed_until); ps and cs are its counters now. Records whose
 * turn has come are then judged, counted and written. Thread-safe. */
void records_progress(struct records *r, unsigned w, uint64_t until,
                      const struct pipeline_stats *ps, const struct capture_stats *cs);
/* Runs fn under the lock with the sessions and the counters so far (the sum
 * of what the workers last showed): for reports, statistics lines and
 * metrics while the capture goes on, and at the end. Returns fn's result. */
typedef int (*records_view_fn)(void *ctx, const struct aggregate *a,
                               const struct aggregate_capture *cap, const struct findings *fi);
int records_view(struct records *r, bool damaged, records_view_fn fn, void *ctx);
/* The summary (JSON) or the text report so far to f; 0, or -1 when out of
 * memory. */
int records_report(struct records *r, FILE *f, bool json, bool damaged);
/* A record could not be written (the error was reported). */
bool records_write_failed(struct records *r);

#endif
