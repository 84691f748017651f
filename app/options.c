#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "failon.h"
#include "pipeline.h"
#include "timeline.h"

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

/* Decimal digits only: no sign, blanks or base prefix, as strtoull allows. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Each option's setter: 0, or OPTIONS_ERR_USAGE with one line in err. */
typedef int (*option_set)(struct options *o, const char *arg, char *err, size_t errlen);

static int set_file(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->files[o->nfiles++] = arg; /* the array has room for every argument */
    return 0;
}

static int set_iface(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->iface = arg;
    return 0;
}

static int set_user(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->user = arg;
    return 0;
}

static int set_json(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->json = true;
    return 0;
}

static int set_sessions(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->sessions_path = arg;
    return 0;
}

/* A file of its own: the page is written whole at the end, and on standard
 * output it would run into the text report. */
static int set_html(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "-") == 0 || arg[0] == '\0') {
        snprintf(err, errlen, "--html: want a file name: %s", arg[0] ? arg : "''");
        return OPTIONS_ERR_USAGE;
    }
    o->html_path = arg;
    return 0;
}

static int set_any_port(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->capture_only = o->capture_only ? o->capture_only : "--any-port";
    o->any_port = true;
    return 0;
}

static int set_ndpi_all(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->capture_only = o->capture_only ? o->capture_only : "--ndpi-all";
    o->ndpi = PIPELINE_NDPI_ALL;
    return 0;
}

static int set_no_ndpi(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->capture_only = o->capture_only ? o->capture_only : "--no-ndpi";
    o->ndpi = PIPELINE_NDPI_OFF;
    return 0;
}

static int set_no_domains(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->no_domains = true;
    return 0;
}

static int set_idle_timeout(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->capture_only = o->capture_only ? o->capture_only : "--idle-timeout";
    uint64_t v;
    if (parse_u64(arg, LIMIT_IDLE_TIMEOUT_S_MAX, &v) < 0 || v == 0) {
        snprintf(err, errlen, "--idle-timeout: not a number of seconds: %s", arg);
        return OPTIONS_ERR_USAGE;
    }
    o->idle_timeout_s = v;
    return 0;
}

static int set_max_flows(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->capture_only = o->capture_only ? o->capture_only : "--max-flows";
    uint64_t v;
    if (parse_u64(arg, LIMIT_FLOWS_MAX, &v) < 0 || v < LIMIT_FLOWS_MIN) {
        snprintf(err, errlen, "--max-flows: want a number from %u to %u: %s", LIMIT_FLOWS_MIN,
                 LIMIT_FLOWS_MAX, arg);
        return OPTIONS_ERR_USAGE;
    }
    o->max_flows = (uint32_t)v;
    return 0;
}

static int set_stats(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->stats_path = arg;
    return 0;
}

static int set_metrics(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (strcmp(arg, "-") == 0 || arg[0] == '\0') {
        snprintf(err, errlen, "--metrics: want a file name (it is replaced by rename): %s", arg);
        return OPTIONS_ERR_USAGE;
    }
    o->metrics_path = arg;
    return 0;
}

static int set_stats_interval(struct options *o, const char *arg, char *err, size_t errlen)
{
    uint64_t v;
    if (parse_u64(arg, LIMIT_STATS_INTERVAL_S_MAX, &v) < 0 || v == 0) {
        snprintf(err, errlen, "--stats-interval: want a number of seconds from 1 to %u: %s",
                 LIMIT_STATS_INTERVAL_S_MAX, arg);
        return OPTIONS_ERR_USAGE;
    }
    o->stats_interval_s = v;
    return 0;
}

static int set_buffer(struct options *o, const char *arg, char *err, size_t errlen)
{
    uint64_t v;
    if (parse_u64(arg, LIMIT_LIVE_BUFFER_KIB_MAX, &v) < 0 || v == 0) {
        snprintf(err, errlen, "-B: want a number of KiB from 1 to %u: %s",
                 LIMIT_LIVE_BUFFER_KIB_MAX, arg);
        return OPTIONS_ERR_USAGE;
    }
    o->buffer_kib = (unsigned)v;
    return 0;
}

static int set_workers(struct options *o, const char *arg, char *err, size_t errlen)
{
    uint64_t v;
    if (parse_u64(arg, LIMIT_WORKERS_MAX, &v) < 0 || v == 0) {
        snprintf(err, errlen, "--workers: want a number from 1 to %u: %s", LIMIT_WORKERS_MAX, arg);
        return OPTIONS_ERR_USAGE;
    }
    o->workers = (unsigned)v;
    return 0;
}

static int set_home_net(struct options *o, const char *arg, char *err, size_t errlen)
{
    return home_net_parse(&o->home_net, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

/* Printable ASCII, as it is written into every record. */
static int set_sensor(struct options *o, const char *arg, char *err, size_t errlen)
{
    size_t n = strlen(arg);
    bool printable = n > 0 && n <= LIMIT_SENSOR_NAME;
    for (size_t i = 0; printable && i < n; i++)
        printable = arg[i] >= 0x20 && arg[i] < 0x7F;
    if (!printable) {
        snprintf(err, errlen, "--sensor: want 1 to %u printable ASCII characters",
                 LIMIT_SENSOR_NAME);
        return OPTIONS_ERR_USAGE;
    }
    o->sensor = arg;
    /* In a fold, each --sensor selects the records of one more sensor. */
    return filter_add_sensor(&o->fold_filter, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_bin(struct options *o, const char *arg, char *err, size_t errlen)
{
    if (timeline_parse_bin(arg, &o->bin_s) < 0) {
        snprintf(err, errlen, "--bin: want a number and s, m, h or d, from 1s to 366d: %.64s", arg);
        return OPTIONS_ERR_USAGE;
    }
    return 0;
}

static int set_fail_on(struct options *o, const char *arg, char *err, size_t errlen)
{
    return failon_parse(arg, &o->fail_on, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_quiet(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->quiet = true;
    return 0;
}

static int set_from_sessions(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->from_sessions = true;
    return 0;
}

static int set_since(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->fold_only = o->fold_only ? o->fold_only : "--since";
    return filter_set_time(&o->fold_filter, false, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_until(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->fold_only = o->fold_only ? o->fold_only : "--until";
    return filter_set_time(&o->fold_filter, true, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_server(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->fold_only = o->fold_only ? o->fold_only : "--server";
    return filter_add_server(&o->fold_filter, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_direction(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->fold_only = o->fold_only ? o->fold_only : "--direction";
    return filter_add_direction(&o->fold_filter, arg, err, errlen) < 0 ? OPTIONS_ERR_USAGE : 0;
}

static int set_help(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->action = OPTIONS_HELP;
    return 0;
}

static int set_version(struct options *o, const char *arg, char *err, size_t errlen)
{
    o->action = OPTIONS_VERSION;
    return 0;
}

/* One row per option, in --help order. An option with a letter is also
 * reached by it; arg names its value (NULL: a flag); in help, '\n' starts a
 * continuation line; shown_default, when not 0, ends the help as "(N)". */
static const struct option_row {
    char letter;
    const char *name;
    const char *arg;
    option_set set;
    const char *help;
    uint64_t shown_default;
} option_table[] = {
    {.letter = 'r',
     .arg = "FILE",
     .set = set_file,
     .help = "read a pcap or pcapng file, also gzip, xz or zstd\n"
             "compressed ('-' for standard input); repeat to read\n"
             "several files as one capture"},
    {.letter = 'i',
     .arg = "IFACE",
     .set = set_iface,
     .help = "capture live; Ctrl-C or SIGTERM ends it and reports"},
    {.letter = 'B',
     .name = "buffer-size",
     .arg = "N",
     .set = set_buffer,
     .help = "kernel capture buffer of each worker: N KiB",
     .shown_default = LIMIT_LIVE_BUFFER_KIB},
    {.name = "workers",
     .arg = "N",
     .set = set_workers,
     .help = "capture with N threads that share the interface\n"
             "(Linux PACKET_FANOUT by flow); one report"},
    {.letter = 'Z',
     .arg = "USER",
     .set = set_user,
     .help = "drop root privileges to USER once the interface is open\n"
             "(default when run as root: nobody)"},
    {.name = "json",
     .set = set_json,
     .help = "print the summary as one JSON object instead of text"},
    {.name = "sessions",
     .arg = "PATH",
     .set = set_sessions,
     .help = "write one JSON record per session to PATH ('-': stdout)"},
    {.name = "html",
     .arg = "PATH",
     .set = set_html,
     .help = "write the report as one self-contained HTML page to PATH\n"
             "at the end (inline CSS and SVG, nothing fetched)"},
    {.name = "any-port",
     .set = set_any_port,
     .help = "look at all TCP: SMTP on any port is found by its\n"
             "commands or by nDPI (the default filter becomes 'tcp')"},
    {.name = "ndpi-all",
     .set = set_ndpi_all,
     .help = "ask nDPI about every flow, also on the SMTP ports (slower;\n"
             "by default only flows off the SMTP ports)"},
    {.name = "no-ndpi", .set = set_no_ndpi, .help = "never ask nDPI"},
    {.name = "no-domains",
     .set = set_no_domains,
     .help = "keep no envelope domains (MAIL FROM, RCPT TO) in the records"},
    {.name = "idle-timeout",
     .arg = "S",
     .set = set_idle_timeout,
     .help = "close a flow idle for S seconds of capture time",
     .shown_default = LIMIT_IDLE_TIMEOUT_US_DEFAULT / 1000000u},
    {.name = "max-flows",
     .arg = "N",
     .set = set_max_flows,
     .help = "flows tracked at once; the longest idle is evicted",
     .shown_default = LIMIT_FLOWS_DEFAULT},
    {.name = "stats",
     .arg = "PATH",
     .set = set_stats,
     .help = "append a JSON line of counts to PATH every interval and at\n"
             "the end ('-': stdout)"},
    {.name = "stats-interval",
     .arg = "S",
     .set = set_stats_interval,
     .help = "the interval of --stats and --metrics, in seconds (of\n"
             "capture time when reading files)",
     .shown_default = LIMIT_STATS_INTERVAL_S_DEFAULT},
    {.name = "metrics",
     .arg = "PATH",
     .set = set_metrics,
     .help = "write Prometheus metrics to PATH (node_exporter's textfile\n"
             "collector), replaced every interval and at the end"},
    {.name = "home-net",
     .arg = "CIDR,...",
     .set = set_home_net,
     .help = "our networks: each session is inbound, outbound, internal\n"
             "or external, and the report says so (repeatable)"},
    {.name = "sensor",
     .arg = "NAME",
     .set = set_sensor,
     .help = "the name written in the summary and every record\n"
             "(default: the host name)"},
    {.name = "bin",
     .arg = "TIME",
     .set = set_bin,
     .help = "the timeline's bin: 30m, 1h, 1d... (default: from the\n"
             "capture's span, so that a day is hours and a month days)"},
    {.name = "fail-on",
     .arg = "CODE,...",
     .set = set_fail_on,
     .help = "exit 6 after the report when a session has one of these\n"
             "finding codes ('leak': envelope-cleartext,auth-cleartext)"},
    {.letter = 'q',
     .name = "quiet",
     .set = set_quiet,
     .help = "no progress line on standard error (shown only when it is a\n"
             "terminal, reading files)"},
    {.name = "from-sessions",
     .set = set_from_sessions,
     .help = "read session records (--sessions output of any runs and\n"
             "sensors; '-' for stdin; gzip, xz, zstd) from the FILEs after\n"
             "the options, and report as one run over all their traffic"},
    {.name = "since",
     .arg = "TIME",
     .set = set_since,
     .help = "fold: sessions that started at TIME or later (ISO 8601,\n"
             "2026-11-30T08:00Z, or Unix seconds)"},
    {.name = "until",
     .arg = "TIME",
     .set = set_until,
     .help = "fold: sessions that started before TIME"},
    {.name = "server",
     .arg = "ADDR",
     .set = set_server,
     .help = "fold: sessions to this server, ADDR or ADDR:PORT (repeatable);\n"
             "--sensor NAME likewise takes the records of that sensor"},
    {.name = "direction",
     .arg = "DIR,...",
     .set = set_direction,
     .help = "fold: inbound, outbound, internal or external sessions (by\n"
             "--home-net if given, else as each record says)"},
    {.letter = 'h', .name = "help", .set = set_help, .help = "this text"},
    {.letter = 'V',
     .name = "version",
     .set = set_version,
     .help = "versions of smtptls and of the libraries it uses"},
};

#define OPTION_ROWS (sizeof option_table / sizeof option_table[0])

/* getopt_long's value for a row: its letter, or a number past every char. */
static int row_value(size_t i)
{
    return option_table[i].letter ? option_table[i].letter : 256 + (int)i;
}

static void defaults(struct options *o)
{
    memset(o, 0, sizeof *o);
    o->action = OPTIONS_RUN;
    o->ndpi = PIPELINE_NDPI_OFF_PORT;
    o->idle_timeout_s = LIMIT_IDLE_TIMEOUT_US_DEFAULT / 1000000u;
    o->max_flows = LIMIT_FLOWS_DEFAULT;
    o->stats_interval_s = LIMIT_STATS_INTERVAL_S_DEFAULT;
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

static void bad_option(int argc, char **argv, char *err, size_t errlen)
{
    int c = optopt;
    bool takes_arg = false;
    for (size_t i = 0; i < OPTION_ROWS; i++)
        if (option_table[i].letter && option_table[i].letter == c && option_table[i].arg)
            takes_arg = true;
    if (c > 0 && c < 128 && c != '?')
        snprintf(err, errlen, "option -%c: %s (see --help)", c,
                 takes_arg ? "needs an argument" : "unknown option");
    else
        snprintf(err, errlen, "unknown option or missing argument: %s (see --help)",
                 optind - 1 < argc ? argv[optind - 1] : "");
}

/* Options end at the filter's first word, so in "-r f.pcap 'tcp port 25'
 * --json" the --json is a filter word. No word of a BPF expression starts
 * with '-' and a letter ('-' alone and negative numbers do not), so such a
 * word is an option given too late: copied to word, and true. */
static bool misplaced_option(const char *filter, char *word, size_t wordlen)
{
    for (const char *p = filter; *p;) {
        p += strspn(p, " \t\n");
        size_t len = strcspn(p, " \t\n");
        char c = p[0] == '-' ? (p[1] == '-' ? p[2] : p[1]) : '\0';
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            snprintf(word, wordlen, "%.*s", (int)len, p);
            return true;
        }
        p += len;
    }
    return false;
}

/* Rules across options, once they are all read. */
/* --from-sessions: records, their files, and no option of a capture. */
static int check_fold(struct options *o, char *err, size_t errlen)
{
    const char *other = o->nfiles         ? "-r"
                        : o->iface        ? "-i"
                        : o->buffer_kib   ? "-B"
                        : o->workers      ? "--workers"
                        : o->capture_only ? o->capture_only
                                          : NULL;
    if (other) {
        snprintf(err, errlen, "--from-sessions reads records, not packets: %s cannot be combined",
                 other);
        return OPTIONS_ERR_USAGE;
    }
    if (o->sessions_path || o->stats_path) {
        snprintf(err, errlen,
                 "--from-sessions writes reports, not %s (the records are there already; a "
                 "fold has no clock for intervals)",
                 o->sessions_path ? "--sessions" : "--stats");
        return OPTIONS_ERR_USAGE;
    }
    if (o->nrecord_files == 0) {
        snprintf(err, errlen,
                 "--from-sessions: give the record files after the options ('-' for standard "
                 "input)");
        return OPTIONS_ERR_USAGE;
    }
    size_t stdin_uses = 0;
    for (size_t i = 0; i < o->nrecord_files; i++)
        stdin_uses += strcmp(o->record_files[i], "-") == 0;
    if (stdin_uses > 1) {
        snprintf(err, errlen, "--from-sessions: standard input ('-') can be read only once");
        return OPTIONS_ERR_USAGE;
    }
    return 0;
}

static int check(struct options *o, int nrest, char **rest, char *err, size_t errlen)
{
    if (o->from_sessions)
        return check_fold(o, err, errlen);
    if (o->fold_only) {
        snprintf(err, errlen, "%s selects records of --from-sessions; it cannot filter a capture",
                 o->fold_only);
        return OPTIONS_ERR_USAGE;
    }
    if ((o->nfiles == 0) == (o->iface == NULL)) {
        snprintf(err, errlen, "%s",
                 o->nfiles ? "-r and -i cannot be combined"
                           : "nothing to read: give -r FILE or -i IFACE (see --help)");
        return OPTIONS_ERR_USAGE;
    }
    if (nrest > 0) {
        o->filter_owned = join_args(nrest, rest);
        if (!o->filter_owned) {
            snprintf(err, errlen, "out of memory");
            return OPTIONS_ERR_NOMEM;
        }
        char word[64];
        if (misplaced_option(o->filter_owned, word, sizeof word)) {
            snprintf(err, errlen,
                     "'%s' comes after the filter expression: options go before the filter "
                     "expression (smtptls [options] [filter...])",
                     word);
            return OPTIONS_ERR_USAGE;
        }
        o->filter = o->filter_owned;
        o->filter_given = true;
    } else {
        o->filter = o->any_port ? ANY_PORT_BPF : DEFAULT_BPF;
        o->fallback_filter = o->any_port ? ANY_PORT_BPF_PLAIN : DEFAULT_BPF_PLAIN;
        o->filter_desc = o->any_port ? "all TCP, IP fragments, tunnels"
                                     : "TCP ports 25, 465, 587, 2525, IP fragments, tunnels";
    }
    if (!o->iface && (o->buffer_kib || o->workers)) {
        snprintf(err, errlen, "%s works on a live capture only (-i)",
                 o->buffer_kib ? "-B" : "--workers");
        return OPTIONS_ERR_USAGE;
    }
    return 0;
}

int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
    defaults(o);
    if (errlen)
        err[0] = '\0';
    o->files = calloc((size_t)argc + 1u, sizeof *o->files);
    o->record_files = calloc((size_t)argc + 1u, sizeof *o->record_files);
    if (!o->files || !o->record_files) {
        snprintf(err, errlen, "out of memory");
        return OPTIONS_ERR_NOMEM;
    }
    char shorts[1 + 2 * OPTION_ROWS + 1];
    struct option longs[OPTION_ROWS + 1];
    size_t ns = 0, nl = 0;
    shorts[ns++] = '+'; /* options end at the first word of the filter */
    for (size_t i = 0; i < OPTION_ROWS; i++) {
        const struct option_row *r = &option_table[i];
        if (r->letter) {
            shorts[ns++] = r->letter;
            if (r->arg)
                shorts[ns++] = ':';
        }
        if (r->name)
            longs[nl++] = (struct option){r->name, r->arg ? required_argument : no_argument, NULL,
                                          row_value(i)};
    }
    shorts[ns] = '\0';
    longs[nl] = (struct option){NULL, 0, NULL, 0};

    optind = 0; /* glibc: start afresh, also on a second call */
    opterr = 0; /* one line of our own instead of getopt's */
    int c;
    for (;;) {
        c = getopt_long(argc, argv, shorts, longs, NULL);
        /* A fold's files come after its options, and options may follow
         * them; after "--" every word is a file. */
        if (c == -1 && o->from_sessions && optind < argc) {
            bool rest = optind > 0 && strcmp(argv[optind - 1], "--") == 0;
            do
                o->record_files[o->nrecord_files++] = argv[optind++];
            while (rest && optind < argc);
            continue;
        }
        if (c == -1)
            break;
        size_t i = 0;
        while (i < OPTION_ROWS && row_value(i) != c)
            i++;
        if (i == OPTION_ROWS) {
            bad_option(argc, argv, err, errlen);
            return OPTIONS_ERR_USAGE;
        }
        int rc = option_table[i].set(o, optarg, err, errlen);
        if (rc < 0)
            return rc;
        if (o->action != OPTIONS_RUN)
            return OPTIONS_OK; /* -h and -V answer at once, as they come */
    }
    return check(o, o->from_sessions ? 0 : argc - optind, argv + optind, err, errlen);
}

void options_free(struct options *o)
{
    free(o->record_files);
    o->record_files = NULL;
    free(o->files);
    free(o->filter_owned);
    o->files = NULL;
    o->filter_owned = NULL;
}

static void option_line(FILE *f, const struct option_row *r)
{
    char synopsis[64];
    int n = 0;
    if (r->letter)
        n += snprintf(synopsis + n, sizeof synopsis - (size_t)n, "-%c%s", r->letter,
                      r->name ? ", " : "");
    if (r->name)
        n += snprintf(synopsis + n, sizeof synopsis - (size_t)n, "--%s", r->name);
    if (r->arg)
        snprintf(synopsis + n, sizeof synopsis - (size_t)n, " %s", r->arg);
    fprintf(f, "  %-20s", synopsis);
    for (const char *h = r->help; *h;) {
        size_t len = strcspn(h, "\n");
        fprintf(f, "%.*s", (int)len, h);
        h += len;
        if (*h == '\n') {
            h++;
            fprintf(f, "\n  %20s", "");
        }
    }
    if (r->shown_default)
        fprintf(f, " (%" PRIu64 ")", r->shown_default);
    fputc('\n', f);
}

void options_usage(FILE *f)
{
    fputs("usage: smtptls (-r FILE... | -i IFACE) [options] [filter expression...]\n"
          "       smtptls --from-sessions [options] FILE...\n"
          "\n"
          "Passive report of SMTP encryption: plaintext vs STARTTLS vs implicit TLS, the\n"
          "negotiated TLS versions and cipher suites, and what leaked in cleartext.\n"
          "\n",
          f);
    for (size_t i = 0; i < OPTION_ROWS; i++)
        option_line(f, &option_table[i]);
    fputs("\n"
          "The filter is a BPF expression, as for tcpdump; the default is TCP ports\n"
          "25, 465, 587 and 2525 (VLAN-tagged or not) and IP fragments.\n"
          "\n"
          "Exit status: 0 success; 1 bad usage; 2 an input cannot be opened (missing file,\n"
          "not a capture, unsupported link type, unknown interface, no permission); 3 bad\n"
          "filter; 4 the capture is damaged (everything before the damage is reported) or\n"
          "session records were bad (the rest is reported); 5 an output cannot be written;\n"
          "6 --fail-on found one of its codes; 7 out of memory.\n"
          "\n"
          "Live: SIGINT or SIGTERM ends the capture and prints the report; SIGHUP reopens\n"
          "the --sessions and --stats files (log rotation); SIGUSR1 prints the report so\n"
          "far on stderr.\n",
          f);
}
