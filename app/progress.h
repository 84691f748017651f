/* The progress line while files are read, captures or a fold's records:
 * bytes read of the total, rate, time left and sessions so far, redrawn on
 * standard error at most every LIMIT_PROGRESS_MS, as long as standard error
 * is a terminal and -q was not given. Whoever writes another line to
 * standard error clears it first. */
#ifndef SMTPTLS_PROGRESS_H
#define SMTPTLS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
    FILE *f;           /* NULL: no progress shown */
    bool shown;        /* a line is on the screen */
    uint64_t start_ns; /* monotonic */
    uint64_t next_ns;  /* the next redraw */
};

/* Shown when f is a terminal and not quiet. */
void progress_init(struct progress *p, FILE *f, bool quiet);
bool progress_on(const struct progress *p);
/* Cheap: is a redraw due (and the line shown at all)? */
bool progress_due(struct progress *p);
/* Redraw now. known: total is the size of every input (false for a pipe:
 * no share, no time left). */
void progress_show(struct progress *p, uint64_t done, uint64_t total, bool known,
                   uint64_t sessions);
/* Before another line on standard error, and at the end. */
void progress_clear(struct progress *p);
/* The line itself, for the tests: at most len - 1 characters. */
size_t progress_format(char *buf, size_t len, uint64_t done, uint64_t total, bool known,
                       uint64_t sessions, double seconds);

#endif
