/* --from-sessions: session records read back from files written by any
 * number of runs and sensors (report/record_read.h), and handed on one by
 * one, as a run's pipeline hands on its records, to be judged and counted
 * again (app/records.h). Files are read in the order given and records in
 * file order: one run over -r a -r b sees a's sessions, then b's. Each file
 * may be plain, gzip, xz or zstd (told by its first bytes, as captures are;
 * capture/decompress.h), '-' is standard input. A line that is not a record
 * is counted and told with its file and line number (LIMIT_FOLD_TOLD of
 * them on standard error, then a count), and the fold goes on. */
#ifndef SMTPTLS_FOLD_H
#define SMTPTLS_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "direction.h"
#include "filter.h"
#include "record_read.h"

struct fold_progress {
    uint64_t done, total; /* bytes of the files read (compressed ones: compressed bytes); total 0: not known */
    uint64_t records;     /* records taken so far */
};

struct fold_config {
    const char *const *files; /* "-" is standard input */
    size_t nfiles;
    const struct filter *filter;
    const struct home_net *home; /* --home-net: the direction --direction goes by; else each record's */
    bool no_domains;             /* drop the records' envelope domains */
    /* Each record taken, in order, with the direction the fold gave it. */
    void (*take)(void *ctx, const struct record_read *rd, enum direction d);
    /* Every few records and at the end of each file; false ends the fold
     * (a signal, a write that failed). May be NULL. */
    bool (*tick)(void *ctx, const struct fold_progress *p);
    /* Before a line on standard error (a progress line to clear); may be NULL. */
    void (*say)(void *ctx);
    void *ctx;
};

enum fold_status {
    FOLD_OK,
    FOLD_ERR_OPEN,    /* a file cannot be opened or is not one smtptls reads */
    FOLD_ERR_DAMAGED, /* bad records, a read error, damaged compressed data: the rest was read */
    FOLD_ERR_NOMEM,
};

struct fold;

/* Opens every file up front (and looks at its first bytes), so that a
 * missing one, a folder or a compression smtptls does not read fails before
 * any work: NULL with one line in err (status in *st). */
struct fold *fold_open(const struct fold_config *cfg, enum fold_status *st, char *err,
                       size_t errlen);
/* Reads every file. FOLD_OK, or the worst that happened (each told on
 * standard error as it happened, and at the end the counts). */
enum fold_status fold_run(struct fold *f);
/* What was read, for the summary's "records" object; valid while f lives
 * and kept current while it runs. */
const struct aggregate_records *fold_counts(const struct fold *f);
/* The sensors of the records taken: "gw1", "gw1,gw2" (sorted), "gw1,...,gw8,+3
 * more"; "" when no record named one. */
const char *fold_sensors(const struct fold *f);
void fold_close(struct fold *f);

#endif
