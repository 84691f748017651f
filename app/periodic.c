#include "periodic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SMTPTLS_VERSION
#define SMTPTLS_VERSION "0.1.0"
#endif

void periodic_open(struct periodic *p, const struct options *o, struct output *stats)
{
    memset(p, 0, sizeof *p);
    p->interval_us = o->stats_interval_s * 1000000u;
    p->stats = stats;
    p->metrics_path = o->metrics_path;
    p->interface = o->iface;
    jb_init(&p->line, LIMIT_STATS_LINE);
}

bool periodic_active(const struct periodic *p)
{
    return p->stats || p->metrics_path;
}

void periodic_record(struct periodic *p, const struct session_record *r)
{
    metrics_count(&p->ciphers, r);
}

static int fail(struct periodic *p, const char *what, const char *why)
{
    if (!p->failed)
        fprintf(stderr, "smtptls: %s: %s\n", what, why);
    p->failed = true;
    return -1;
}

/* Flows open: every flow made and not yet closed into one of the kinds a
 * closed flow is counted in. */
static uint64_t flows_open(const struct pipeline_stats *ps)
{
    uint64_t closed = ps->flows_without_payload + ps->flows_not_smtp + ps->flows_tail_only +
                      ps->sessions + ps->flows_resumed;
    return ps->flows > closed ? ps->flows - closed : 0;
}

static void snapshot(uint64_t now_us, const struct periodic_view *v, struct stats_snapshot *s)
{
    stats_snapshot_fill(s, now_us, v->agg, findings_stripped_late(v->findings), &v->cap->decode,
                        &v->cap->capture, flows_open(&v->cap->decode), stats_resident_bytes());
    s->folded = v->cap->records != NULL;
}

static int write_line(struct periodic *p, const char *s, size_t n)
{
    if (output_write(p->stats, s, n) < 0 || output_flush(p->stats) < 0)
        return fail(p, output_path(p->stats), strerror(errno));
    return 0;
}

static int write_metrics(struct periodic *p, const struct stats_snapshot *s)
{
    char *text;
    size_t len;
    if (metrics_format(s, &p->ciphers, SMTPTLS_VERSION, p->interface, &text, &len) < 0)
        return fail(p, p->metrics_path, "out of memory");
    char err[512];
    int rc = metrics_write_file(p->metrics_path, text, len, err, sizeof err);
    free(text);
    if (rc < 0) {
        if (!p->failed)
            fprintf(stderr, "smtptls: %s\n", err);
        p->failed = true;
    }
    return rc;
}

/* One interval ends at now: its line and the metrics file. */
static int emit(struct periodic *p, uint64_t now_us, bool final, const struct periodic_view *v)
{
    struct stats_snapshot s;
    snapshot(now_us, v, &s);
    int rc = 0;
    if (p->stats) {
        size_t len;
        const char *line = stats_line(&p->line, &s, &p->prev, final, &len);
        if (!line)
            rc = fail(p, output_path(p->stats), jb_error_name(jb_error(&p->line)));
        else if (write_line(p, line, len) < 0)
            rc = -1;
    }
    if (p->metrics_path && write_metrics(p, &s) < 0)
        rc = -1;
    p->prev = s;
    return rc;
}

static void start(struct periodic *p, uint64_t now_us, const struct periodic_view *v)
{
    p->started = true;
    p->next_us = now_us + p->interval_us;
    p->last_us = now_us;
    snapshot(now_us, v, &p->prev);
}

bool periodic_due(const struct periodic *p, uint64_t now_us)
{
    return periodic_active(p) && (!p->started || now_us >= p->next_us);
}

int periodic_tick(struct periodic *p, uint64_t now_us, const struct periodic_view *v)
{
    if (!periodic_active(p))
        return 0;
    if (!p->started) {
        start(p, now_us, v);
        /* The metrics file exists from the start, and a directory it cannot
         * be written to is said at once. */
        return p->metrics_path ? write_metrics(p, &p->prev) : 0;
    }
    if (now_us > p->last_us)
        p->last_us = now_us;
    if (now_us < p->next_us)
        return 0;
    uint64_t boundary = p->next_us + (now_us - p->next_us) / p->interval_us * p->interval_us;
    p->next_us = boundary + p->interval_us;
    return emit(p, boundary, false, v);
}

int periodic_final(struct periodic *p, uint64_t now_us, const struct periodic_view *v)
{
    if (!periodic_active(p))
        return 0;
    if (!p->started)
        start(p, now_us, v);
    uint64_t end = now_us > p->last_us ? now_us : p->last_us;
    return emit(p, end, true, v) < 0 || p->failed ? -1 : 0;
}

void periodic_close(struct periodic *p)
{
    jb_free(&p->line);
}
