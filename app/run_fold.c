#include "run_fold.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fold.h"
#include "periodic.h"
#include "progress.h"
#include "records.h"
#include "run.h"
#include "status.h"

struct fold_run {
    const struct options *o;
    struct records *rec;
    struct periodic periodic; /* --metrics */
    struct progress progress;
};

static volatile sig_atomic_t stop_pending;

static void on_stop(int sig)
{
    (void)sig;
    stop_pending = 1;
}

static void take(void *ctx, const struct record_read *rd, enum direction d)
{
    struct fold_run *fr = ctx;
    (void)d; /* the records sink gives each record the direction of --home-net */
    records_add(fr->rec, &rd->rec);
}

static void say(void *ctx)
{
    struct fold_run *fr = ctx;
    progress_clear(&fr->progress);
}

static bool tick(void *ctx, const struct fold_progress *p)
{
    struct fold_run *fr = ctx;
    if (progress_due(&fr->progress))
        progress_show(&fr->progress, p->done, p->total, p->total > 0, p->records);
    return !stop_pending;
}

static void on_taken(void *ctx, const struct session_record *rec)
{
    periodic_record(ctx, rec);
}

static int metrics_view(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                        const struct findings *fi)
{
    struct periodic_view v = {a, cap, fi};
    return periodic_final(ctx, 0, &v);
}

static int status_of(enum fold_status st)
{
    switch (st) {
    case FOLD_OK:
        return APP_OK;
    case FOLD_ERR_OPEN:
        return APP_INPUT;
    case FOLD_ERR_DAMAGED:
        return APP_DAMAGED;
    case FOLD_ERR_NOMEM:
        break;
    }
    return APP_NOMEM;
}

int run_fold(const struct options *o)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    struct fold_run fr = {.o = o};
    struct hash_key key;
    if (hash_key_random(&key) < 0) {
        fprintf(stderr, "smtptls: no randomness for the hash key: %s\n", strerror(errno));
        return APP_USAGE;
    }
    FILE *html = NULL;
    if (o->html_path && !(html = run_open_html(o->html_path, NULL))) {
        fprintf(stderr, "smtptls: %s: %s\n", o->html_path, strerror(errno));
        return errno == ENOMEM ? APP_NOMEM : APP_OUTPUT;
    }
    progress_init(&fr.progress, stderr, o->quiet);
    periodic_open(&fr.periodic, o, NULL);
    struct fold_config fc = {
        .files = o->record_files,
        .nfiles = o->nrecord_files,
        .filter = &o->fold_filter,
        .home = &o->home_net,
        .no_domains = o->no_domains,
        .take = take,
        .tick = tick,
        .say = say,
        .ctx = &fr,
    };
    enum fold_status st;
    char err[512];
    struct fold *f = fold_open(&fc, &st, err, sizeof err);
    if (!f) {
        fprintf(stderr, "smtptls: %s\n", err);
        periodic_close(&fr.periodic);
        if (html)
            fclose(html);
        return status_of(st);
    }
    struct records_config rc = {
        .key = key,
        .home = &o->home_net,
        .agg = {.key = key, .directions = o->home_net.n > 0, .bin_s = o->bin_s},
        .workers = 1,
        .taken = periodic_active(&fr.periodic) ? on_taken : NULL,
        .taken_ctx = &fr.periodic,
        .width = run_text_width(),
        .about =
            {
                .version = SMTPTLS_VERSION,
                .sensor = fold_sensors(f),
                .inputs = o->record_files,
                .ninputs = o->nrecord_files,
                .home = &o->home_net,
                .no_domains = o->no_domains,
                .records = fold_counts(f),
            },
    };
    fr.rec = records_new(&rc);
    if (!fr.rec) {
        fputs("smtptls: out of memory\n", stderr);
        if (html)
            fclose(html);
        fold_close(f);
        periodic_close(&fr.periodic);
        return APP_NOMEM;
    }
    int status = status_of(fold_run(f));
    progress_clear(&fr.progress);
    if (stop_pending)
        fputs("smtptls: interrupted: the report covers the records read so far\n", stderr);
    if (periodic_active(&fr.periodic) &&
        records_view(fr.rec, false, metrics_view, &fr.periodic) < 0)
        status = APP_OUTPUT;
    bool damaged = status == APP_DAMAGED || status == APP_INPUT;
    if (records_report(fr.rec, stdout, o->json, damaged) < 0) {
        fputs("smtptls: out of memory (the report is incomplete)\n", stderr);
        status = APP_NOMEM;
    }
    int html_status = run_write_html(html, o->html_path, fr.rec, damaged);
    if (html_status == APP_NOMEM || (html_status != APP_OK && status != APP_NOMEM))
        status = html_status;
    if (o->fail_on && records_view(fr.rec, false, run_fail_on, (void *)o) > 0 &&
        status == APP_OK)
        status = APP_FINDINGS;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "smtptls: standard output: %s\n", strerror(errno));
        status = APP_OUTPUT;
    }
    records_free(fr.rec);
    fold_close(f);
    periodic_close(&fr.periodic);
    return status;
}
