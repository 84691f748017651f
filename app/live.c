#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "caps.h"

struct worker {
    unsigned id;
    struct capture *cap;
    struct records *rec;
    struct pipeline *pl;
    pthread_t thread;
    bool started;
    uint64_t published_us; /* wall clock of the last records_progress */
    enum capture_status status;
    char err[256];
};

static void publish(struct worker *w, uint64_t until)
{
    struct capture_stats cs;
    capture_get_stats(w->cap, w->id, &cs);
    records_progress(w->rec, w->id, until, pipeline_stats(w->pl), &cs);
}

static void on_packet(void *ctx, const struct capture_packet *cp)
{
    struct worker *w = ctx;
    struct packet p = {cp->ts_us, cp->caplen, cp->wirelen, cp->linktype, cp->data};
    pipeline_packet(w->pl, &p);
}

/* The clock moves with packets; when the ring is empty it moves with the
 * wall clock, held back by the time a packet may still wait in an open
 * block (caps.h), so that it never passes a packet yet to be read. */
static void on_tick(void *ctx, uint64_t now_us, bool quiet)
{
    struct worker *w = ctx;
    if (quiet && now_us > LIMIT_LIVE_CLOCK_LAG_US)
        pipeline_tick(w->pl, now_us - LIMIT_LIVE_CLOCK_LAG_US);
    if (now_us - w->published_us >= LIMIT_LIVE_PUBLISH_US || now_us < w->published_us) {
        w->published_us = now_us;
        publish(w, pipeline_closed_until(w->pl));
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct capture_sink sink = {on_packet, on_tick, w};
    w->status = capture_run(w->cap, w->id, &sink, w->err, sizeof w->err);
    if (w->status != CAPTURE_OK)
        capture_stop(w->cap); /* one worker's failure ends the capture */
    pipeline_finish(w->pl);
    publish(w, pipeline_closed_until(w->pl));
    return NULL;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The calling thread: signals, then periodic work, until the capture stops. */
static void control(struct capture *cap, const sigset_t *set, const struct live_hooks *h)
{
    struct timespec wait = {0, LIMIT_LIVE_CONTROL_MS * 1000000L};
    while (!capture_stopped(cap)) {
        int sig = sigtimedwait(set, NULL, &wait);
        if (sig == SIGINT || sig == SIGTERM)
            capture_stop(cap);
        else if (sig == SIGHUP && h->reopen)
            h->reopen(h->ctx);
        else if (sig == SIGUSR1 && h->report)
            h->report(h->ctx);
        if (h->periodic)
            h->periodic(h->ctx, wall_us());
    }
}

enum live_status live_run(struct capture *cap, const struct pipeline_config *pc,
                          struct records *rec, const struct live_hooks *hooks, char *err,
                          size_t errlen)
{
    size_t n = capture_handles(cap);
    struct worker *ws = calloc(n, sizeof *ws);
    enum live_status status = ws ? LIVE_OK : LIVE_ERR_NOMEM;
    for (size_t i = 0; ws && i < n; i++) {
        ws[i] = (struct worker){.id = (unsigned)i, .cap = cap, .rec = rec};
        if (!(ws[i].pl = pipeline_new(pc, records_add, rec)))
            status = LIVE_ERR_NOMEM;
    }
    /* Workers inherit the mask: the signals come to control() only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (size_t i = 0; status == LIVE_OK && i < n; i++) {
        ws[i].started = pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) == 0;
        if (!ws[i].started)
            status = LIVE_ERR_NOMEM;
    }
    if (status == LIVE_OK)
        control(cap, &set, hooks);
    else
        capture_stop(cap);
    for (size_t i = 0; ws && i < n; i++) {
        if (ws[i].started)
            pthread_join(ws[i].thread, NULL);
        else /* never ran: it holds nothing back */
            records_progress(rec, ws[i].id, UINT64_MAX, &(struct pipeline_stats){0},
                             &(struct capture_stats){.live = true});
        if (ws[i].started && ws[i].status != CAPTURE_OK && status == LIVE_OK) {
            status = LIVE_ERR_CAPTURE;
            snprintf(err, errlen, "%s", ws[i].err);
        }
        pipeline_free(ws[i].pl);
    }
    free(ws);
    return status;
}
