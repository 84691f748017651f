#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capdrop.h"
#include "capture.h"
#include "classify.h"
#include "community_id.h"
#include "decompress.h"
#include "failon.h"
#include "hash.h"
#include "html.h"
#include "link.h"
#include "live.h"
#include "output.h"
#include "periodic.h"
#include "pipeline.h"
#include "privdrop.h"
#include "progress.h"
#include "records.h"
#include "run_fold.h"
#include "status.h"
#include "x509.h"

#ifndef SMTPTLS_VERSION
#define SMTPTLS_VERSION "0.1.0"
#endif

static const uint16_t smtp_ports[] = {25, 465, 587, 2525};
static const uint16_t implicit_ports[] = {465};

struct run {
    const struct options *o;
    struct capture *cap;
    struct privdrop_target drop;
    /* Every output file, for SIGHUP; files written on an interval (a
     * statistics line) take the next slots. */
    struct output *outputs[4];
    struct output *sessions; /* one of outputs, or NULL */
    FILE *html;              /* --html: written once, at the end */
    struct records *rec;
    struct pipeline *pl; /* offline only; live, each worker has its own */
    struct periodic periodic;    /* --stats and --metrics */
    volatile bool periodic_failed; /* said on stderr; the report still comes, then status 5 */
    struct json_context ids; /* sensor and Community ID of every record */
    char host[256];          /* the sensor without --sensor */
    struct progress progress; /* reading files on a terminal */
};

/* Offline, signals are noted by handlers and acted on between batches of
 * packets; live, live.c waits for them in a thread of its own. */
static struct capture *volatile running;
static volatile sig_atomic_t reopen_pending, report_pending;

static void on_stop_signal(int sig)
{
    (void)sig;
    struct capture *c = running;
    if (c)
        capture_stop(c);
}

static void on_note_signal(int sig)
{
    if (sig == SIGHUP)
        reopen_pending = 1;
    else
        report_pending = 1;
}

static void catch_signals(struct capture *cap)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    running = cap;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_note_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

static const char *shown_path(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard output" : path;
}

/* SIGHUP: every file again from its path (logrotate's create mode). */
static void reopen_outputs(void *ctx)
{
    struct run *run = ctx;
    for (size_t i = 0; i < sizeof run->outputs / sizeof run->outputs[0]; i++) {
        struct output *out = run->outputs[i];
        if (!out || output_reopen(out) == 0 || output_error(out))
            continue; /* a write error was reported when it happened */
        const char *path = shown_path(output_path(out));
        if (run->drop.drop)
            fprintf(stderr,
                    "smtptls: %s: cannot reopen as user %s after dropping privileges: %s; "
                    "still writing to the old file (the directory must be writable by %s, or "
                    "the rotation must create the file for it)\n",
                    path, run->drop.name, strerror(errno), run->drop.name);
        else
            fprintf(stderr, "smtptls: %s: cannot reopen: %s; still writing to the old file\n", path,
                    strerror(errno));
    }
}

/* SIGUSR1: the report so far on stderr, in the format of the final one. */
static void report_now(void *ctx)
{
    struct run *run = ctx;
    progress_clear(&run->progress);
    if (run->pl) { /* offline: this thread runs the pipeline */
        struct capture_stats cs;
        capture_get_stats(run->cap, 0, &cs);
        records_progress(run->rec, 0, 0, pipeline_stats(run->pl), &cs);
    }
    if (records_report(run->rec, stderr, run->o->json, false) < 0)
        fputs("smtptls: out of memory (the report is incomplete)\n", stderr);
    fflush(stderr);
}

struct periodic_call {
    struct periodic *p;
    uint64_t now_us;
    bool final;
};

static int periodic_view(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                         const struct findings *fi)
{
    const struct periodic_call *c = ctx;
    struct periodic_view v = {a, cap, fi};
    return c->final ? periodic_final(c->p, c->now_us, &v) : periodic_tick(c->p, c->now_us, &v);
}

/* The statistics line and the metrics file, with the numbers so far. A
 * failed write ends the capture (status 5 after the report). */
static void periodic_run(struct run *run, uint64_t now_us)
{
    struct periodic_call c = {&run->periodic, now_us, false};
    if (records_view(run->rec, false, periodic_view, &c) < 0 && !run->periodic_failed) {
        run->periodic_failed = true;
        capture_stop(run->cap);
    }
}

/* Live, every LIMIT_LIVE_CONTROL_MS, with the wall clock. */
static void periodic(void *ctx, uint64_t now_us)
{
    struct run *run = ctx;
    if (periodic_due(&run->periodic, now_us))
        periodic_run(run, now_us);
}

static void on_taken(void *ctx, const struct session_record *rec)
{
    periodic_record(ctx, rec);
}

static void on_warning(void *ctx, const char *line)
{
    struct run *run = ctx;
    progress_clear(&run->progress);
    fprintf(stderr, "smtptls: warning: %s\n", line);
}

static void stop_capture(void *ctx)
{
    capture_stop(ctx);
}

static int sessions_so_far(void *ctx, const struct aggregate *a,
                           const struct aggregate_capture *cap, const struct findings *fi)
{
    (void)cap;
    (void)fi;
    *(uint64_t *)ctx = a->total;
    return 0;
}

static void show_progress(struct run *run)
{
    uint64_t done, total, sessions = 0;
    bool known = capture_progress(run->cap, &done, &total);
    records_view(run->rec, false, sessions_so_far, &sessions);
    progress_show(&run->progress, done, total, known, sessions);
}

static void offline_tick(void *ctx, uint64_t now_us, bool quiet)
{
    (void)now_us;
    (void)quiet;
    struct run *run = ctx;
    if (progress_due(&run->progress))
        show_progress(run);
    if (reopen_pending) {
        reopen_pending = 0;
        reopen_outputs(ctx);
    }
    if (report_pending) {
        report_pending = 0;
        report_now(ctx);
    }
}

/* Reading files, the intervals follow packet time. */
static void on_packet(void *ctx, const struct capture_packet *cp)
{
    struct run *run = ctx;
    struct packet p = {cp->ts_us, cp->caplen, cp->wirelen, cp->linktype, cp->data};
    if (periodic_due(&run->periodic, cp->ts_us)) {
        struct capture_stats cs;
        capture_get_stats(run->cap, 0, &cs);
        records_progress(run->rec, 0, 0, pipeline_stats(run->pl), &cs);
        periodic_run(run, cp->ts_us);
    }
    pipeline_packet(run->pl, &p);
}

static int open_capture(struct run *run)
{
    const struct options *o = run->o;
    struct capture_options copt = {
        .files = o->files,
        .nfiles = o->nfiles,
        .iface = o->iface,
        .filter = o->filter,
        .fallback_filter = o->fallback_filter,
        .allow_unfiltered = !o->filter_given, /* the pipeline picks SMTP ports itself */
        .buffer_kib = o->buffer_kib,
        .workers = o->workers,
        .linktype_ok = link_supported,
        .warn = on_warning,
        .warn_ctx = run,
    };
    char err[512] = "";
    enum capture_status cst;
    run->cap = capture_open(&copt, &cst, err, sizeof err);
    if (!run->cap) {
        fprintf(stderr, "smtptls: %s\n", err);
        return cst == CAPTURE_ERR_FILTER ? APP_FILTER : APP_INPUT;
    }
    if (privdrop_plan(o->user, o->iface != NULL, &run->drop, err, sizeof err) < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        return APP_USAGE;
    }
    return APP_OK;
}

FILE *run_open_html(const char *path, const struct privdrop_target *drop)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (drop && drop->drop && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_uid != drop->uid && fchown(fd, drop->uid, (gid_t)-1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

static int html_view(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                     const struct findings *fi)
{
    return html_write_report(ctx, a, cap, fi);
}

int run_write_html(FILE *f, const char *path, struct records *rec, bool damaged)
{
    if (!f)
        return APP_OK;
    int rc = records_view(rec, damaged, html_view, f);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        fprintf(stderr, "smtptls: %s: %s\n", path, strerror(errno ? errno : EIO));
        return APP_OUTPUT;
    }
    if (rc < 0) {
        fprintf(stderr, "smtptls: %s: out of memory (the page is not written)\n", path);
        return APP_NOMEM;
    }
    return APP_OK;
}

/* Output files are opened before the drop, so that a directory only root
 * may write to works, and then given to the user the process becomes, so
 * that it can go on writing and reopen them after rotation. */
static int open_outputs(struct run *run)
{
    const struct options *o = run->o;
    enum output_mode mode = o->iface ? OUTPUT_LINE : OUTPUT_BLOCK;
    if (o->sessions_path) {
        run->sessions = run->outputs[0] = output_open(o->sessions_path, mode);
        if (!run->sessions) {
            fprintf(stderr, "smtptls: %s: %s\n", o->sessions_path, strerror(errno));
            return errno == ENOMEM ? APP_NOMEM : APP_OUTPUT;
        }
    }
    if (o->stats_path) { /* a line per interval, each written at once */
        run->outputs[1] = output_open(o->stats_path, OUTPUT_LINE);
        if (!run->outputs[1]) {
            fprintf(stderr, "smtptls: %s: %s\n", o->stats_path, strerror(errno));
            return errno == ENOMEM ? APP_NOMEM : APP_OUTPUT;
        }
    }
    if (o->html_path && !(run->html = run_open_html(o->html_path, &run->drop))) {
        fprintf(stderr, "smtptls: %s: %s\n", o->html_path, strerror(errno));
        return errno == ENOMEM ? APP_NOMEM : APP_OUTPUT;
    }
    periodic_open(&run->periodic, o, run->outputs[1]);
    for (size_t i = 0; run->drop.drop && i < sizeof run->outputs / sizeof run->outputs[0]; i++) {
        if (run->outputs[i] && output_give(run->outputs[i], run->drop.uid) < 0) {
            fprintf(stderr, "smtptls: %s: cannot give it to user %s: %s\n",
                    output_path(run->outputs[i]), run->drop.name, strerror(errno));
            return APP_OUTPUT;
        }
    }
    char err[512];
    if (privdrop_apply(&run->drop, err, sizeof err) < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        return APP_USAGE;
    }
    /* Started with capabilities and no root (the service): none is needed
     * once the interface is open. */
    if (o->iface && capdrop_all(err, sizeof err) < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        return APP_USAGE;
    }
    return APP_OK;
}

unsigned run_text_width(void)
{
    const char *cols = getenv("COLUMNS");
    if (!cols || !isatty(STDOUT_FILENO))
        return LIMIT_TEXT_WIDTH;
    char *end;
    unsigned long v = strtoul(cols, &end, 10);
    if (end == cols || *end)
        return LIMIT_TEXT_WIDTH;
    return v < LIMIT_TEXT_WIDTH_MIN   ? LIMIT_TEXT_WIDTH_MIN
           : v > LIMIT_TEXT_WIDTH_MAX ? LIMIT_TEXT_WIDTH_MAX
                                      : (unsigned)v;
}

int run_fail_on(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                   const struct findings *fi)
{
    const struct options *o = ctx;
    (void)cap;
    return failon_check(o->fail_on, a, fi, stderr) ? 1 : 0;
}

static int start(struct run *run, struct pipeline_config *pc)
{
    const struct options *o = run->o;
    struct hash_key key; /* of every table: one per process, never shown */
    if (hash_key_random(&key) < 0) {
        fprintf(stderr, "smtptls: no randomness for the hash key: %s\n", strerror(errno));
        return APP_USAGE;
    }
    *pc = (struct pipeline_config){
        .max_flows = o->max_flows,
        .idle_timeout_us = o->idle_timeout_s * 1000000u,
        .hash_key = key,
        .smtp_ports = smtp_ports,
        .nsmtp_ports = sizeof smtp_ports / sizeof smtp_ports[0],
        .implicit_ports = implicit_ports,
        .nimplicit_ports = sizeof implicit_ports / sizeof implicit_ports[0],
        .ndpi = o->ndpi,
        .classify_all = o->any_port,
        .no_domains = o->no_domains,
    };
    struct records_config rc = {
        .key = key,
        .home = &o->home_net,
        .agg = {.key = key, .directions = o->home_net.n > 0, .bin_s = o->bin_s},
        .sessions = run->sessions,
        .workers = (unsigned)capture_handles(run->cap),
        .ordered = o->iface != NULL,
        .write_failed = stop_capture,
        .ctx = run->cap,
        .taken = periodic_active(&run->periodic) ? on_taken : NULL,
        .taken_ctx = &run->periodic,
        .width = run_text_width(),
    };
    run->ids.sensor = o->sensor;
    if (!o->sensor && gethostname(run->host, sizeof run->host - 1) == 0)
        run->ids.sensor = run->host;
    run->ids.cid = community_id_new();
    rc.ids = run->ids;
    rc.about = (struct aggregate_capture){
        .version = SMTPTLS_VERSION,
        .sensor = run->ids.sensor,
        .inputs = o->iface ? &o->iface : o->files,
        .ninputs = o->iface ? 1 : o->nfiles,
        .home = &o->home_net,
        .no_domains = o->no_domains,
    };
    run->rec = run->ids.cid ? records_new(&rc) : NULL;
    if (!o->iface)
        run->pl = pipeline_new(pc, records_add, run->rec);
    if (!run->rec || (!o->iface && !run->pl)) {
        fputs("smtptls: out of memory\n", stderr);
        return APP_NOMEM;
    }
    return APP_OK;
}

/* tcpdump's start-up line, with what smtptls adds: buffer, workers, filter. */
static void say_listening(const struct run *run)
{
    const struct options *o = run->o;
    char desc[256];
    capture_describe(run->cap, desc, sizeof desc);
    unsigned kib = o->buffer_kib ? o->buffer_kib : LIMIT_LIVE_BUFFER_KIB;
    const char *applied = capture_filter(run->cap);
    fprintf(stderr, "smtptls: %s, buffer %u KiB", desc, kib);
    if (o->workers)
        fprintf(stderr, " per worker, %u worker%s", o->workers, o->workers == 1 ? "" : "s");
    if (o->filter_given)
        fprintf(stderr, ", filter '%s'\n", o->filter);
    else if (!applied)
        fputs(", no filter (the default does not compile for this link type)\n", stderr);
    else
        fprintf(stderr, ", default filter (%s)\n", o->filter_desc);
}

static enum capture_status run_capture(struct run *run, const struct pipeline_config *pc, char *err,
                                       size_t errlen, int *status)
{
    if (run->o->iface) {
        say_listening(run);
        struct live_hooks hooks = {reopen_outputs, report_now, periodic, run};
        enum live_status ls = live_run(run->cap, pc, run->rec, &hooks, err, errlen);
        if (ls == LIVE_ERR_NOMEM) {
            fputs("smtptls: out of memory\n", stderr);
            *status = APP_NOMEM;
        }
        return ls == LIVE_ERR_CAPTURE ? CAPTURE_ERR_READ : CAPTURE_OK;
    }
    catch_signals(run->cap);
    struct capture_sink sink = {on_packet, offline_tick, run};
    enum capture_status cst = capture_run(run->cap, 0, &sink, err, errlen);
    progress_clear(&run->progress);
    running = NULL;
    pipeline_finish(run->pl);
    struct capture_stats cs;
    capture_get_stats(run->cap, 0, &cs);
    records_progress(run->rec, 0, UINT64_MAX, pipeline_stats(run->pl), &cs);
    return cst;
}

/* Live, the last statistics line is stamped with the time it ends; reading
 * files, with the last packet's (periodic.h). */
static uint64_t wall_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool periodic_end(struct run *run)
{
    struct periodic_call c = {&run->periodic, run->o->iface ? wall_clock_us() : 0, true};
    return records_view(run->rec, false, periodic_view, &c) == 0 && !run->periodic_failed;
}

static void finish(struct run *run)
{
    periodic_close(&run->periodic);
    community_id_free(run->ids.cid);
    pipeline_free(run->pl);
    records_free(run->rec);
    if (run->html)
        fclose(run->html); /* not written: the run ended before its report */
    for (size_t i = 0; i < sizeof run->outputs / sizeof run->outputs[0]; i++)
        output_close(run->outputs[i]); /* after a failure: errors were reported */
    capture_close(run->cap);
}

int run_main(const struct options *o)
{
    /* A closed pipe is a write error to report, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    if (o->from_sessions)
        return run_fold(o);
    struct run run = {.o = o};
    progress_init(&run.progress, o->iface ? NULL : stderr, o->quiet);
    struct pipeline_config pc;
    int status = open_capture(&run);
    if (status == APP_OK)
        status = open_outputs(&run);
    if (status == APP_OK)
        status = start(&run, &pc);
    if (status != APP_OK) {
        finish(&run);
        return status;
    }
    char err[512] = "";
    enum capture_status cst = run_capture(&run, &pc, err, sizeof err, &status);
    bool output_failed = !periodic_end(&run);

    /* The records go out before the summary: they may share standard output. */
    output_failed |= records_write_failed(run.rec);
    for (size_t i = 0; i < sizeof run.outputs / sizeof run.outputs[0]; i++) {
        struct output *out = run.outputs[i];
        run.outputs[i] = NULL;
        if (!out || output_error(out)) { /* reported when it happened */
            output_close(out);
            continue;
        }
        char path[512];
        snprintf(path, sizeof path, "%s", shown_path(output_path(out)));
        if (output_close(out) < 0) {
            fprintf(stderr, "smtptls: %s: %s\n", path, strerror(errno));
            output_failed = true;
        }
    }
    int rc = records_report(run.rec, stdout, o->json, cst != CAPTURE_OK);
    if (rc < 0) {
        fputs("smtptls: out of memory (the report is incomplete)\n", stderr);
        status = APP_NOMEM;
    } else if (cst != CAPTURE_OK) {
        fprintf(stderr, "smtptls: %s (reported what came before)\n", err);
        if (status == APP_OK)
            status = cst == CAPTURE_ERR_READ ? APP_DAMAGED : APP_INPUT;
    }
    int html_status = run_write_html(run.html, o->html_path, run.rec, cst != CAPTURE_OK);
    run.html = NULL;
    if (o->fail_on && records_view(run.rec, false, run_fail_on, (void *)o) > 0 && status == APP_OK)
        status = APP_FINDINGS;
    if (html_status == APP_NOMEM)
        status = APP_NOMEM;
    else if (html_status != APP_OK)
        output_failed = true;
    if (output_failed)
        status = APP_OUTPUT;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "smtptls: standard output: %s\n", strerror(errno));
        status = APP_OUTPUT;
    }
    finish(&run);
    return status;
}

void run_version(FILE *f)
{
    const char *ndpi = classify_ndpi_version();
    fprintf(f, "smtptls %s\n", SMTPTLS_VERSION);
    fprintf(f, "%s\n", capture_pcap_version());
    if (ndpi)
        fprintf(f, "nDPI %s\n", ndpi);
    else
        fputs("nDPI: not built in\n", f);
    fprintf(f, "%s\n", x509_openssl_version());
    char buf[160];
    fprintf(f, "%s\n", decompress_versions(buf, sizeof buf));
}
