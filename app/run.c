#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "capture.h"
#include "classify.h"
#include "community_id.h"
#include "failon.h"
#include "findings.h"
#include "json.h"
#include "link.h"
#include "pipeline.h"
#include "hash.h"
#include "privdrop.h"
#include "status.h"
#include "text.h"
#include "x509.h"

#ifndef SMTPTLS_VERSION
#define SMTPTLS_VERSION "0.1.0"
#endif

static const uint16_t smtp_ports[] = {25, 465, 587, 2525};
static const uint16_t implicit_ports[] = {465};

struct run {
    struct pipeline *pl;
    struct aggregate agg;
    struct findings *findings;
    FILE *sessions;
    struct jsonb record;     /* one session's JSON line, reused */
    struct json_context ids; /* sensor and Community ID of every record */
    char host[256];          /* the sensor without --sensor */
};

static struct capture *volatile running;

static void on_signal(int sig)
{
    (void)sig;
    struct capture *c = running;
    if (c)
        capture_stop(c);
}

static void on_record(void *ctx, const struct session_record *r)
{
    struct run *run = ctx;
    struct verdict v;
    findings_judge(run->findings, r, &v);
    aggregate_add(&run->agg, r, &v);
    size_t len;
    const char *line;
    if (!run->sessions)
        return;
    if ((line = json_session(&run->record, &run->ids, r, &v, &len)) != NULL)
        fwrite(line, 1, len, run->sessions);
    else
        fputs("smtptls: a session record could not be written (out of memory)\n", stderr);
}

static void on_packet(void *ctx, const struct capture_packet *cp)
{
    struct run *run = ctx;
    struct packet p = {cp->ts_us, cp->caplen, cp->wirelen, cp->linktype, cp->data};
    pipeline_packet(run->pl, &p);
}

static struct capture *open_capture(const struct options *o, int *status)
{
    struct capture_options copt = {
        .files = o->files,
        .nfiles = o->nfiles,
        .iface = o->iface,
        .filter = o->filter,
        .fallback_filter = o->fallback_filter,
        .allow_unfiltered = !o->filter_given, /* the pipeline picks SMTP ports itself */
        .linktype_ok = link_supported,
    };
    char err[512] = "";
    enum capture_status cst;
    struct capture *cap = capture_open(&copt, &cst, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "smtptls: %s\n", err);
        *status = cst == CAPTURE_ERR_FILTER ? APP_FILTER : APP_INPUT;
        return NULL;
    }
    if ((o->iface || o->user) && privdrop(o->user, err, sizeof err) < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        capture_close(cap);
        *status = APP_USAGE;
        return NULL;
    }
    return cap;
}

static int start(struct run *run, const struct options *o)
{
    if (o->sessions_path) {
        run->sessions = strcmp(o->sessions_path, "-") == 0 ? stdout : fopen(o->sessions_path, "w");
        if (!run->sessions) {
            fprintf(stderr, "smtptls: %s: %s\n", o->sessions_path, strerror(errno));
            return APP_OUTPUT;
        }
    }
    struct hash_key key; /* of every table: one per process, never shown */
    if (hash_key_random(&key) < 0) {
        fprintf(stderr, "smtptls: no randomness for the hash key: %s\n", strerror(errno));
        return APP_USAGE;
    }
    struct pipeline_config pc = {
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
    struct aggregate_config ac = {.key = key, .directions = o->home_net.n > 0, .bin_s = o->bin_s};
    run->pl = pipeline_new(&pc, on_record, run);
    run->findings = findings_new(&key, &o->home_net);
    jb_init(&run->record, LIMIT_JSON_RECORD);
    run->ids.sensor = o->sensor;
    if (!o->sensor && gethostname(run->host, sizeof run->host - 1) == 0)
        run->ids.sensor = run->host;
    run->ids.cid = community_id_new();
    if (!run->pl || !run->findings || !run->ids.cid || aggregate_init(&run->agg, &ac) < 0) {
        fputs("smtptls: out of memory\n", stderr);
        return APP_NOMEM;
    }
    return APP_OK;
}

static void stop(struct run *run)
{
    pipeline_free(run->pl);
    aggregate_free(&run->agg);
    findings_free(run->findings);
    jb_free(&run->record);
    community_id_free(run->ids.cid);
}

/* The text report's width: $COLUMNS when standard output is a terminal,
 * within the caps; else LIMIT_TEXT_WIDTH. */
static unsigned text_width(void)
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

/* Ctrl-C and SIGTERM end the capture; the report still comes. */
static void catch_signals(struct capture *cap)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    running = cap;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int run_main(const struct options *o)
{
    int status = APP_OK;
    struct capture *cap = open_capture(o, &status);
    if (!cap)
        return status;
    struct run run = {0};
    status = start(&run, o);
    if (status != APP_OK) {
        if (run.sessions && run.sessions != stdout)
            fclose(run.sessions);
        stop(&run);
        capture_close(cap);
        return status;
    }
    catch_signals(cap);
    char err[512] = "";
    enum capture_status cst = capture_run(cap, on_packet, &run, err, sizeof err);
    running = NULL;
    pipeline_finish(run.pl);

    struct aggregate_capture totals = {
        .decode = *pipeline_stats(run.pl),
        .damaged = cst == CAPTURE_ERR_READ,
        .version = SMTPTLS_VERSION,
        .sensor = run.ids.sensor,
        .inputs = o->iface ? &o->iface : o->files,
        .ninputs = o->iface ? 1 : o->nfiles,
        .home = &o->home_net,
        .no_domains = o->no_domains,
    };
    capture_get_stats(cap, &totals.capture);
    int rc = o->json ? json_write_summary(stdout, &run.agg, &totals, run.findings)
                     : text_write_report(stdout, &run.agg, &totals, run.findings, text_width());
    if (rc < 0) {
        fputs("smtptls: out of memory (the report is incomplete)\n", stderr);
        status = APP_NOMEM;
    } else if (cst == CAPTURE_ERR_READ) {
        fprintf(stderr, "smtptls: %s (reported what came before)\n", err);
        status = APP_DAMAGED;
    }
    if (o->fail_on && failon_check(o->fail_on, &run.agg, run.findings, stderr) && status == APP_OK)
        status = APP_FINDINGS;
    if (run.sessions && run.sessions != stdout && fclose(run.sessions) != 0) {
        fprintf(stderr, "smtptls: %s: %s\n", o->sessions_path, strerror(errno));
        status = APP_OUTPUT;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "smtptls: standard output: %s\n", strerror(errno));
        status = APP_OUTPUT;
    }
    stop(&run);
    capture_close(cap);
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
}
