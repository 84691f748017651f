/* smtptls: command line and wiring, capture -> pipeline -> report; nothing else. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "capture.h"
#include "findings.h"
#include "json.h"
#include "caps.h"
#include "link.h"
#include "pipeline.h"
#include "privdrop.h"
#include "text.h"

#ifndef SMTPTLS_VERSION
#define SMTPTLS_VERSION "0.1.0"
#endif

enum exit_status {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_INPUT = 2,
    EXIT_FILTER = 3,
    EXIT_DAMAGED = 4,
    EXIT_OUTPUT = 5,
};

#define PORTS_BPF "tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525"
#define FRAGS_BPF                                                                                  \
    "(ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or udp port 4789 or udp port 2152 or "      \
    "ip proto 47 or ip6 proto 47"
#define DEFAULT_BPF_PLAIN PORTS_BPF " or " FRAGS_BPF
/* Span ports carry 802.1Q tags, which a plain port filter does not see through. */
#define DEFAULT_BPF                                                                                \
    DEFAULT_BPF_PLAIN " or (vlan and (" DEFAULT_BPF_PLAIN " or (vlan and (" DEFAULT_BPF_PLAIN "))" \
                      "))"

#define ANY_PORT_BPF_PLAIN "tcp or " FRAGS_BPF
#define ANY_PORT_BPF ANY_PORT_BPF_PLAIN " or (vlan and (" ANY_PORT_BPF_PLAIN "))"

static const uint16_t smtp_ports[] = {25, 465, 587, 2525};
static const uint16_t implicit_ports[] = {465};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smtptls [-r FILE]... [-i IFACE] [-Z USER] [--json] [--sessions PATH]\n"
            "               [--any-port] [--ndpi-all | --no-ndpi] [--idle-timeout SECONDS]\n"
            "               [--max-flows N]\n"
            "               [filter expression...]\n"
            "\n"
            "Passive report of SMTP encryption: plaintext vs STARTTLS vs implicit TLS, the\n"
            "negotiated TLS versions and cipher suites, and what leaked in cleartext.\n"
            "\n"
            "  -r FILE             read a pcap or pcapng file ('-' for standard input);\n"
            "                      repeat to read several files as one capture\n"
            "  -i IFACE            capture live; Ctrl-C or SIGTERM ends it and reports\n"
            "  -Z USER             drop root privileges to USER once the interface is open\n"
            "                      (default when run as root: nobody)\n"
            "  --json              print the summary as one JSON object instead of text\n"
            "  --sessions PATH     write one JSON record per session to PATH ('-': stdout)\n"
            "  --any-port          look at all TCP: SMTP on any port is found by its\n"
            "                      commands or by nDPI (the default filter becomes 'tcp')\n"
            "  --ndpi-all          ask nDPI about every flow, also on the SMTP ports (slower;\n"
            "                      by default only flows off the SMTP ports)\n"
            "  --no-ndpi           never ask nDPI\n"
            "  --idle-timeout S    close a flow idle for S seconds of capture time (300)\n"
            "  --max-flows N       flows tracked at once; the longest idle is evicted (%u)\n"
            "  -h, --help          this text\n"
            "  -V, --version       version\n"
            "\n"
            "The filter is a BPF expression, as for tcpdump; the default is TCP ports\n"
            "25, 465, 587 and 2525 (VLAN-tagged or not) and IP fragments.\n"
            "\n"
            "Exit status: 0 success; 1 bad usage; 2 an input cannot be opened (missing file,\n"
            "not a capture, unsupported link type, unknown interface, no permission); 3 bad\n"
            "filter; 4 the capture is damaged (everything before the damage is reported);\n"
            "5 an output cannot be written.\n",
            LIMIT_FLOWS_DEFAULT);
}

struct run {
    struct pipeline *pl;
    struct aggregate agg;
    struct findings *findings;
    FILE *sessions;
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
    if (run->sessions && json_write_session(run->sessions, r, &v) < 0)
        fputs("smtptls: a session record could not be written (out of memory)\n", stderr);
}

static void on_packet(void *ctx, const struct capture_packet *cp)
{
    struct run *run = ctx;
    struct packet p = {cp->ts_us, cp->caplen, cp->wirelen, cp->linktype, cp->data};
    pipeline_packet(run->pl, &p);
}

static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static void fill_capture(struct aggregate_capture *cap, const struct pipeline_stats *ps,
                         const struct capture_stats *cs)
{
    memset(cap, 0, sizeof *cap);
    cap->packets = ps->packets;
    cap->bytes = ps->bytes;
    cap->non_ip = ps->non_ip;
    cap->non_tcp = ps->non_tcp;
    cap->fragments = ps->fragments;
    cap->frags_reassembled = ps->frags_reassembled;
    cap->frags_dropped = ps->frags_dropped;
    cap->truncated = ps->truncated;
    cap->ip_length_lies = ps->ip_length_lies;
    cap->tunneled = ps->tunneled;
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (!ps->decode_errors[i])
            continue;
        cap->decode_errors += ps->decode_errors[i];
        if (cap->nerrors < sizeof cap->errors / sizeof cap->errors[0]) {
            cap->errors[cap->nerrors].name = anomaly_name((enum anomaly)i);
            cap->errors[cap->nerrors].count = ps->decode_errors[i];
            cap->nerrors++;
        }
    }
    cap->flows = ps->flows;
    cap->flows_without_payload = ps->flows_without_payload;
    cap->flows_not_smtp = ps->flows_not_smtp;
    cap->flows_tail_only = ps->flows_tail_only;
    cap->gaps = ps->gaps;
    cap->gap_bytes = ps->gap_bytes;
    cap->overlap_conflicts = ps->overlap_conflicts;
    cap->evicted = ps->evicted;
    cap->expired = ps->expired;
    cap->live = cs->live;
    cap->kernel_drops = cs->kernel_drops;
}

int main(int argc, char **argv)
{
    enum {
        OPT_JSON = 256,
        OPT_SESSIONS,
        OPT_IDLE,
        OPT_MAXFLOWS,
        OPT_ANYPORT,
        OPT_NONDPI,
        OPT_NDPIALL
    };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"sessions", required_argument, NULL, OPT_SESSIONS},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"max-flows", required_argument, NULL, OPT_MAXFLOWS},
        {"any-port", no_argument, NULL, OPT_ANYPORT},
        {"no-ndpi", no_argument, NULL, OPT_NONDPI},
        {"ndpi-all", no_argument, NULL, OPT_NDPIALL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char **files = calloc((size_t)argc + 1u, sizeof *files);
    size_t nfiles = 0;
    const char *iface = NULL, *user = NULL, *sessions_path = NULL;
    bool json = false, any_port = false;
    int ndpi = PIPELINE_NDPI_OFF_PORT;
    uint64_t idle_s = LIMIT_IDLE_TIMEOUT_US_DEFAULT / 1000000u, max_flows = LIMIT_FLOWS_DEFAULT;
    int c;

    if (!files) {
        fprintf(stderr, "smtptls: out of memory\n");
        return EXIT_USAGE;
    }
    opterr = 0; /* one line of our own instead of getopt's */
    while ((c = getopt_long(argc, argv, "+r:i:Z:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files[nfiles++] = optarg;
            break;
        case 'i':
            iface = optarg;
            break;
        case 'Z':
            user = optarg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_SESSIONS:
            sessions_path = optarg;
            break;
        case OPT_ANYPORT:
            any_port = true;
            break;
        case OPT_NONDPI:
            ndpi = PIPELINE_NDPI_OFF;
            break;
        case OPT_NDPIALL:
            ndpi = PIPELINE_NDPI_ALL;
            break;
        case OPT_IDLE:
            if (parse_u64(optarg, LIMIT_IDLE_TIMEOUT_S_MAX, &idle_s) < 0 || idle_s == 0) {
                fprintf(stderr, "smtptls: --idle-timeout: not a number of seconds: %s\n", optarg);
                free(files);
                return EXIT_USAGE;
            }
            break;
        case OPT_MAXFLOWS:
            if (parse_u64(optarg, LIMIT_FLOWS_MAX, &max_flows) < 0 || max_flows < LIMIT_FLOWS_MIN) {
                fprintf(stderr, "smtptls: --max-flows: want a number from %u to %u: %s\n",
                        LIMIT_FLOWS_MIN, LIMIT_FLOWS_MAX, optarg);
                free(files);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            free(files);
            return EXIT_OK;
        case 'V':
            printf("smtptls %s\n", SMTPTLS_VERSION);
            free(files);
            return EXIT_OK;
        default:
            if (optopt > 0 && optopt < 128 && optopt != '?')
                fprintf(stderr, "smtptls: option -%c: %s (see --help)\n", optopt,
                        strchr("riZ", optopt) ? "needs an argument" : "unknown option");
            else
                fprintf(stderr, "smtptls: unknown option or missing argument: %s (see --help)\n",
                        argv[optind - 1]);
            free(files);
            return EXIT_USAGE;
        }
    }
    if ((nfiles == 0) == (iface == NULL)) {
        fputs(nfiles ? "smtptls: -r and -i cannot be combined\n"
                     : "smtptls: nothing to read: give -r FILE or -i IFACE (see --help)\n",
              stderr);
        free(files);
        return EXIT_USAGE;
    }
    char *filter = optind < argc ? join_args(argc - optind, argv + optind) : NULL;

    struct capture_options copt = {
        .files = files,
        .nfiles = nfiles,
        .iface = iface,
        .filter = filter     ? filter
                  : any_port ? ANY_PORT_BPF
                             : DEFAULT_BPF,
        .fallback_filter = filter     ? NULL
                           : any_port ? ANY_PORT_BPF_PLAIN
                                      : DEFAULT_BPF_PLAIN,
        .allow_unfiltered = filter == NULL, /* the pipeline picks SMTP ports itself */
        .linktype_ok = link_supported,
    };
    char err[512] = "";
    enum capture_status cst;
    struct capture *cap = capture_open(&copt, &cst, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "smtptls: %s\n", err);
        free(filter);
        free(files);
        return cst == CAPTURE_ERR_FILTER ? EXIT_FILTER : EXIT_INPUT;
    }
    if ((iface || user) && privdrop(user, err, sizeof err) < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        capture_close(cap);
        free(filter);
        free(files);
        return EXIT_USAGE;
    }

    struct run run = {0};
    int status = EXIT_OK;
    if (sessions_path) {
        run.sessions = strcmp(sessions_path, "-") == 0 ? stdout : fopen(sessions_path, "w");
        if (!run.sessions) {
            fprintf(stderr, "smtptls: %s: %s\n", sessions_path, strerror(errno));
            capture_close(cap);
            free(filter);
            free(files);
            return EXIT_OUTPUT;
        }
    }
    struct pipeline_config pc = {
        .max_flows = (uint32_t)max_flows,
        .idle_timeout_us = idle_s * 1000000u,
        .hash_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
        .smtp_ports = smtp_ports,
        .nsmtp_ports = sizeof smtp_ports / sizeof smtp_ports[0],
        .implicit_ports = implicit_ports,
        .nimplicit_ports = sizeof implicit_ports / sizeof implicit_ports[0],
        .ndpi = ndpi,
        .classify_all = any_port,
    };
    run.pl = pipeline_new(&pc, on_record, &run);
    run.findings = findings_new();
    if (!run.pl || !run.findings || aggregate_init(&run.agg) < 0) {
        fputs("smtptls: out of memory\n", stderr);
        return EXIT_USAGE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    running = cap;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    cst = capture_run(cap, on_packet, &run, err, sizeof err);
    running = NULL;
    pipeline_finish(run.pl);

    struct capture_stats cs;
    capture_get_stats(cap, &cs);
    struct aggregate_capture totals;
    fill_capture(&totals, pipeline_stats(run.pl), &cs);
    totals.damaged = cst == CAPTURE_ERR_READ;

    if (!json) {
        text_write_report(stdout, &run.agg, &totals, run.findings);
    } else if (json_write_summary(stdout, &run.agg, &totals, run.findings) < 0) {
        fputs("smtptls: the JSON summary could not be written (out of memory)\n", stderr);
        status = EXIT_OUTPUT;
    }
    if (cst == CAPTURE_ERR_READ) {
        fprintf(stderr, "smtptls: %s (reported what came before)\n", err);
        status = EXIT_DAMAGED;
    }
    if (run.sessions && run.sessions != stdout && fclose(run.sessions) != 0) {
        fprintf(stderr, "smtptls: %s: %s\n", sessions_path, strerror(errno));
        status = EXIT_OUTPUT;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "smtptls: standard output: %s\n", strerror(errno));
        status = EXIT_OUTPUT;
    }
    pipeline_free(run.pl);
    aggregate_free(&run.agg);
    findings_free(run.findings);
    capture_close(cap);
    free(filter);
    free(files);
    return status;
}
