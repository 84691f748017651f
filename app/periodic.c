#include "periodic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SMTPTLS_VERSION
#define SMTPTLS_VERSION "0.1.0"
#endif

int periodic_open(struct periodic *p, const struct options *o, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->stats_fd = -1;
    p->interval_us = o->stats_interval_s * 1000000u;
    p->stats_path = o->stats_path;
    p->metrics_path = o->metrics_path;
    p->interface = o->iface;
    jb_init(&p->line, LIMIT_STATS_LINE);
    if (!o->stats_path)
        return 0;
    if (strcmp(o->stats_path, "-") == 0) {
        p->stats_fd = STDOUT_FILENO;
        return 0;
    }
    p->stats_fd = open(o->stats_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (p->stats_fd < 0) {
        snprintf(err, errlen, "%s: %s", o->stats_path, strerror(errno));
        return -1;
    }
    return 0;
}

void periodic_attach(struct periodic *p, const struct aggregate *a, const struct findings *fi,
                     struct pipeline *pl, struct capture *cap)
{
    p->agg = a;
    p->findings = fi;
    p->pl = pl;
    p->cap = cap;
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

static void snapshot(struct periodic *p, uint64_t now_us, struct stats_snapshot *s)
{
    struct capture_stats cs = {0};
    if (p->cap)
        capture_get_stats(p->cap, &cs);
    stats_snapshot_fill(s, now_us, p->agg, findings_stripped_late(p->findings),
                        pipeline_stats(p->pl), &cs, pipeline_flows_open(p->pl),
                        stats_resident_bytes());
}

static int write_line(struct periodic *p, const char *s, size_t n)
{
    if (p->stats_fd == STDOUT_FILENO)
        fflush(stdout); /* after any record --sessions - has buffered */
    while (n) {
        ssize_t w = write(p->stats_fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail(p, p->stats_path, w < 0 ? strerror(errno) : "nothing written");
        s += w;
        n -= (size_t)w;
    }
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
static int emit(struct periodic *p, uint64_t now_us, bool final)
{
    struct stats_snapshot s;
    snapshot(p, now_us, &s);
    int rc = 0;
    if (p->stats_fd >= 0) {
        size_t len;
        const char *line = stats_line(&p->line, &s, &p->prev, final, &len);
        if (!line)
            rc = fail(p, p->stats_path, jb_error_name(jb_error(&p->line)));
        else if (write_line(p, line, len) < 0)
            rc = -1;
    }
    if (p->metrics_path && write_metrics(p, &s) < 0)
        rc = -1;
    p->prev = s;
    return rc;
}

static void start(struct periodic *p, uint64_t now_us)
{
    p->started = true;
    p->next_us = now_us + p->interval_us;
    p->last_us = now_us;
    snapshot(p, now_us, &p->prev);
}

int periodic_tick(struct periodic *p, uint64_t now_us)
{
    if (p->stats_fd < 0 && !p->metrics_path)
        return 0;
    if (!p->started) {
        start(p, now_us);
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
    return emit(p, boundary, false);
}

int periodic_final(struct periodic *p, uint64_t now_us)
{
    if (p->stats_fd < 0 && !p->metrics_path)
        return 0;
    if (!p->started)
        start(p, now_us);
    uint64_t end = now_us > p->last_us ? now_us : p->last_us;
    return emit(p, end, true) < 0 || p->failed ? -1 : 0;
}

int periodic_close(struct periodic *p)
{
    int rc = 0;
    if (p->stats_fd > STDOUT_FILENO && close(p->stats_fd) != 0)
        rc = fail(p, p->stats_path, strerror(errno));
    p->stats_fd = -1;
    jb_free(&p->line);
    return rc;
}
