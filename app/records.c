#include "records.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonb.h"
#include "order.h"
#include "pipeline.h"
#include "text.h"

struct records {
    pthread_mutex_t lock;
    struct records_config cfg;
    struct aggregate agg;
    struct findings *findings;
    struct jsonb line;   /* one record's JSON line, reused */
    struct order *order; /* live only */
    struct pipeline_stats *ps;
    struct capture_stats *cs; /* per worker, as last shown */
    bool failed;
    bool agg_ready;
};

struct records *records_new(const struct records_config *cfg)
{
    struct records *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = *cfg;
    if (r->cfg.workers == 0)
        r->cfg.workers = 1;
    pthread_mutex_init(&r->lock, NULL);
    jb_init(&r->line, LIMIT_JSON_RECORD);
    r->findings = findings_new(&cfg->key, cfg->home);
    r->ps = calloc(r->cfg.workers, sizeof *r->ps);
    r->cs = calloc(r->cfg.workers, sizeof *r->cs);
    r->order = cfg->ordered ? order_new(r->cfg.workers) : NULL;
    r->agg_ready = aggregate_init(&r->agg, &cfg->agg) == 0;
    if (!r->findings || !r->ps || !r->cs || (cfg->ordered && !r->order) || !r->agg_ready) {
        records_free(r);
        return NULL;
    }
    return r;
}

void records_free(struct records *r)
{
    if (!r)
        return;
    if (r->agg_ready)
        aggregate_free(&r->agg);
    findings_free(r->findings);
    order_free(r->order);
    jb_free(&r->line);
    free(r->ps);
    free(r->cs);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void write_failed(struct records *r, int err)
{
    const char *path = output_path(r->cfg.sessions);
    r->failed = true;
    fprintf(stderr, "smtptls: %s: %s (the capture ends; the records before are whole)\n",
            strcmp(path, "-") == 0 ? "standard output" : path, strerror(err));
    if (r->cfg.write_failed)
        r->cfg.write_failed(r->cfg.ctx);
}

/* Judge, count and write one record; the lock is held. */
static void take(struct records *r, const struct session_record *rec)
{
    struct verdict v;
    findings_judge(r->findings, rec, &v);
    aggregate_add(&r->agg, rec, &v);
    if (r->cfg.taken)
        r->cfg.taken(r->cfg.taken_ctx, rec);
    if (!r->cfg.sessions || r->failed)
        return;
    size_t len;
    const char *line = json_session(&r->line, &r->cfg.ids, rec, &v, &len);
    if (!line)
        fputs("smtptls: a session record could not be written (out of memory)\n", stderr);
    else if (output_write(r->cfg.sessions, line, len) < 0)
        write_failed(r, errno);
}

static void release(struct records *r)
{
    struct session_record rec;
    while (order_pop(r->order, &rec))
        take(r, &rec);
}

void records_add(void *ctx, const struct session_record *rec)
{
    struct records *r = ctx;
    pthread_mutex_lock(&r->lock);
    if (!r->order || order_push(r->order, rec) < 0)
        take(r, rec); /* offline, or no memory to wait: at once */
    else
        release(r);
    pthread_mutex_unlock(&r->lock);
}

void records_progress(struct records *r, unsigned w, uint64_t until,
                      const struct pipeline_stats *ps, const struct capture_stats *cs)
{
    if (w >= r->cfg.workers)
        return;
    pthread_mutex_lock(&r->lock);
    r->ps[w] = *ps;
    r->cs[w] = *cs;
    if (r->order) {
        order_progress(r->order, w, until);
        release(r);
    }
    pthread_mutex_unlock(&r->lock);
}

int records_view(struct records *r, bool damaged, records_view_fn fn, void *ctx)
{
    struct aggregate_capture cap = r->cfg.about;
    cap.damaged = damaged;
    pthread_mutex_lock(&r->lock);
    for (unsigned w = 0; w < r->cfg.workers; w++) {
        pipeline_stats_add(&cap.decode, &r->ps[w]);
#define COUNTER_SUM(field, key, label, show) cap.capture.field += r->cs[w].field;
        COUNTER_CAPTURE_LIST(COUNTER_SUM)
#undef COUNTER_SUM
        cap.capture.live |= r->cs[w].live;
    }
    int rc = fn(ctx, &r->agg, &cap, r->findings);
    pthread_mutex_unlock(&r->lock);
    return rc;
}

struct report_ctx {
    FILE *f;
    bool json;
    unsigned width;
};

static int write_report(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                        const struct findings *fi)
{
    const struct report_ctx *rc = ctx;
    return rc->json ? json_write_summary(rc->f, a, cap, fi)
                    : text_write_report(rc->f, a, cap, fi, rc->width);
}

int records_report(struct records *r, FILE *f, bool json, bool damaged)
{
    struct report_ctx rc = {f, json, r->cfg.width};
    return records_view(r, damaged, write_report, &rc);
}

bool records_write_failed(struct records *r)
{
    pthread_mutex_lock(&r->lock);
    bool failed = r->failed;
    pthread_mutex_unlock(&r->lock);
    return failed;
}
