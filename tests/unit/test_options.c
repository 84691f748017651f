/*
 * test_options.c - the command line (app/options.h): each option, numbers at
 * and past their bounds (decode/caps.h), the rules across options, the
 * messages tests/robustness/check_inputs.py relies on, and the usage text
 * generated from the table.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "options.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "findings.h"
#include "pipeline.h"

struct parsed {
    struct options o;
    int rc;
    char err[256];
};

/* Parse a NULL-terminated list of words after "smtptls". */
static void parse(struct parsed *p, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"smtptls";
    va_list ap;
    va_start(ap, p);
    for (const char *w; (w = va_arg(ap, const char *)) != NULL;) {
        assert_true(argc < 31);
        argv[argc++] = (char *)w;
    }
    va_end(ap);
    argv[argc] = NULL;
    memset(p, 0, sizeof *p);
    p->rc = options_parse(argc, argv, &p->o, p->err, sizeof p->err);
}

static void done(struct parsed *p)
{
    options_free(&p->o);
}

static void assert_usage_error(struct parsed *p, const char *msg)
{
    assert_int_equal(p->rc, OPTIONS_ERR_USAGE);
    assert_string_equal(p->err, msg);
    done(p);
}

static void test_defaults(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.action, OPTIONS_RUN);
    assert_int_equal(p.o.nfiles, 1);
    assert_string_equal(p.o.files[0], "a.pcap");
    assert_null(p.o.files[1]);
    assert_null(p.o.iface);
    assert_null(p.o.user);
    assert_null(p.o.sessions_path);
    assert_false(p.o.json);
    assert_false(p.o.any_port);
    assert_int_equal(p.o.ndpi, PIPELINE_NDPI_OFF_PORT);
    assert_int_equal(p.o.idle_timeout_s, LIMIT_IDLE_TIMEOUT_US_DEFAULT / 1000000u);
    assert_int_equal(p.o.max_flows, LIMIT_FLOWS_DEFAULT);
    assert_null(p.o.stats_path);
    assert_null(p.o.metrics_path);
    assert_int_equal(p.o.stats_interval_s, LIMIT_STATS_INTERVAL_S_DEFAULT);
    assert_false(p.o.filter_given);
    assert_non_null(p.o.filter);
    assert_non_null(strstr(p.o.filter, "tcp port 25 "));
    assert_non_null(p.o.fallback_filter);
    assert_null(strstr(p.o.fallback_filter, "vlan"));
    assert_int_equal(p.o.home_net.n, 0);
    assert_null(p.o.sensor);
    assert_int_equal(p.o.bin_s, 0);
    assert_int_equal(p.o.fail_on, 0);
    done(&p);
}

/* Issue 11's options: values, repeats, refusals with one line. */
static void test_report_options(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", "--home-net", "192.0.2.0/24,2001:db8::/32", "--home-net=10.0.0.0/8",
          "--sensor", "gw-1 (dmz)", "--bin", "15m", "--fail-on", "leak", "--fail-on=weak-cipher",
          NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.home_net.n, 3);
    assert_int_equal(p.o.home_net.nets[1].family, 6);
    assert_string_equal(p.o.sensor, "gw-1 (dmz)");
    assert_int_equal(p.o.bin_s, 900);
    assert_int_equal(p.o.fail_on, 1u << FINDING_ENVELOPE_CLEARTEXT | 1u << FINDING_AUTH_CLEARTEXT |
                                      1u << FINDING_WEAK_CIPHER);
    done(&p);

    parse(&p, "-r", "a.pcap", "--home-net", "10.0.0.0/33", NULL);
    assert_usage_error(&p, "--home-net: want a prefix length from 0 to 32: '10.0.0.0/33'");
    parse(&p, "-r", "a.pcap", "--home-net", "", NULL);
    assert_usage_error(&p, "--home-net: an empty network in ''");
    parse(&p, "-r", "a.pcap", "--home-net", "mx.example.net", NULL);
    assert_usage_error(&p, "--home-net: not an address or CIDR: 'mx.example.net'");
    parse(&p, "-r", "a.pcap", "--bin", "1w", NULL);
    assert_usage_error(&p, "--bin: want a number and s, m, h or d, from 1s to 366d: 1w");
    parse(&p, "-r", "a.pcap", "--bin", "0m", NULL);
    assert_usage_error(&p, "--bin: want a number and s, m, h or d, from 1s to 366d: 0m");
    parse(&p, "-r", "a.pcap", "--sensor", "", NULL);
    assert_usage_error(&p, "--sensor: want 1 to 64 printable ASCII characters");
    parse(&p, "-r", "a.pcap", "--sensor", "tab\there", NULL);
    assert_usage_error(&p, "--sensor: want 1 to 64 printable ASCII characters");
    parse(&p, "-r", "a.pcap", "--sensor",
          "12345678901234567890123456789012345678901234567890123456789012345", NULL);
    assert_usage_error(&p, "--sensor: want 1 to 64 printable ASCII characters");
    parse(&p, "-r", "a.pcap", "--fail-on", "leak,nonsense", NULL);
    assert_usage_error(&p, "--fail-on: not a finding code: 'nonsense' (see README \"Findings\"; "
                           "leak is envelope-cleartext,auth-cleartext)");
}

/* --html: a file name; standard output is refused (the text report goes there). */
static void test_html_option(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", "--html", "out/report.html", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.html_path, "out/report.html");
    done(&p);
    parse(&p, "-r", "a.pcap", NULL);
    assert_null(p.o.html_path);
    done(&p);
    parse(&p, "-r", "a.pcap", "--html", "-", NULL);
    assert_usage_error(&p, "--html: want a file name: -");
    parse(&p, "-r", "a.pcap", "--html=", NULL);
    assert_usage_error(&p, "--html: want a file name: ''");
}

static void test_each_option(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", "-r", "-", "-Z", "mail", "--json", "--sessions", "s.jsonl",
          "--any-port", "--ndpi-all", "--idle-timeout", "60", "--max-flows", "1000", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.nfiles, 2);
    assert_string_equal(p.o.files[0], "a.pcap");
    assert_string_equal(p.o.files[1], "-");
    assert_string_equal(p.o.user, "mail");
    assert_true(p.o.json);
    assert_string_equal(p.o.sessions_path, "s.jsonl");
    assert_true(p.o.any_port);
    assert_int_equal(p.o.ndpi, PIPELINE_NDPI_ALL);
    assert_int_equal(p.o.idle_timeout_s, 60);
    assert_int_equal(p.o.max_flows, 1000);
    /* --any-port widens the default filter to all TCP */
    assert_false(p.o.filter_given);
    assert_int_equal(strncmp(p.o.filter, "tcp or ", 7), 0);
    assert_int_equal(strncmp(p.o.fallback_filter, "tcp or ", 7), 0);
    done(&p);

    parse(&p, "-i", "eth1", "--ndpi-all", "--no-ndpi", NULL); /* the last one wins */
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.iface, "eth1");
    assert_int_equal(p.o.nfiles, 0);
    assert_int_equal(p.o.ndpi, PIPELINE_NDPI_OFF);
    done(&p);

    parse(&p, "-r", "a.pcap", "--sessions=-", "--max-flows=16", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.sessions_path, "-");
    assert_int_equal(p.o.max_flows, 16);
    done(&p);
}

static void test_filter_words(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", "tcp", "port", "25", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_true(p.o.filter_given);
    assert_string_equal(p.o.filter, "tcp port 25");
    assert_null(p.o.fallback_filter);
    done(&p);

    /* Options end at the filter's first word; an option after it, as its
     * own word or inside a quoted filter, gets the hint about the order. */
    parse(&p, "-r", "a.pcap", "tcp", "--json", NULL);
    assert_usage_error(&p, "'--json' comes after the filter expression: options go before the "
                           "filter expression (smtptls [options] [filter...])");
    parse(&p, "-r", "a.pcap", "tcp port 25 -r b.pcap", NULL);
    assert_usage_error(&p, "'-r' comes after the filter expression: options go before the "
                           "filter expression (smtptls [options] [filter...])");
    parse(&p, "-r", "a.pcap", "--", "-x", NULL);
    assert_usage_error(&p, "'-x' comes after the filter expression: options go before the "
                           "filter expression (smtptls [options] [filter...])");

    /* '-' in arithmetic and negative numbers stay filter words. */
    parse(&p, "-r", "a.pcap", "len", "-", "14", ">", "-1", "and", "ip[2:2]-20>0", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.filter, "len - 14 > -1 and ip[2:2]-20>0");
    done(&p);
}

static void test_max_flows_bounds(void **state)
{
    (void)state;
    char buf[32];
    struct parsed p;
    char want[128];
    snprintf(want, sizeof want, "--max-flows: want a number from %u to %u: ", LIMIT_FLOWS_MIN,
             LIMIT_FLOWS_MAX);
    const uint64_t good[] = {LIMIT_FLOWS_MIN, LIMIT_FLOWS_DEFAULT, LIMIT_FLOWS_MAX};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)good[i]);
        parse(&p, "-r", "a", "--max-flows", buf, NULL);
        assert_int_equal(p.rc, OPTIONS_OK);
        assert_int_equal(p.o.max_flows, good[i]);
        done(&p);
    }
    char below[32], above[32];
    snprintf(below, sizeof below, "%u", LIMIT_FLOWS_MIN - 1u);
    snprintf(above, sizeof above, "%llu", (unsigned long long)LIMIT_FLOWS_MAX + 1u);
    const char *bad[] = {below, above, "0",   "lots", "",     "12x",
                         "-20", "+20", " 20", "1e3",  "0x20", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(&p, "-r", "a", "--max-flows", bad[i], NULL);
        char msg[160];
        snprintf(msg, sizeof msg, "%s%s", want, bad[i]);
        assert_usage_error(&p, msg);
    }
}

static void test_idle_timeout_bounds(void **state)
{
    (void)state;
    struct parsed p;
    char max[32], above[32];
    snprintf(max, sizeof max, "%u", LIMIT_IDLE_TIMEOUT_S_MAX);
    snprintf(above, sizeof above, "%llu", (unsigned long long)LIMIT_IDLE_TIMEOUT_S_MAX + 1u);
    parse(&p, "-r", "a", "--idle-timeout", "1", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.idle_timeout_s, 1);
    done(&p);
    parse(&p, "-r", "a", "--idle-timeout", max, NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.idle_timeout_s, LIMIT_IDLE_TIMEOUT_S_MAX);
    done(&p);
    const char *bad[] = {"0", above, "-1", " 1", "+1", "soon", "", "5s", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[160];
        snprintf(msg, sizeof msg, "--idle-timeout: not a number of seconds: %s", bad[i]);
        parse(&p, "-r", "a", "--idle-timeout", bad[i], NULL);
        assert_usage_error(&p, msg);
    }
}

static void test_stats_options(void **state)
{
    (void)state;
    struct parsed p;
    char max[32], above[32];
    snprintf(max, sizeof max, "%u", LIMIT_STATS_INTERVAL_S_MAX);
    snprintf(above, sizeof above, "%u", LIMIT_STATS_INTERVAL_S_MAX + 1u);
    parse(&p, "-i", "eth1", "--stats", "s.jsonl", "--metrics", "m/smtptls.prom", "--stats-interval",
          "1", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.stats_path, "s.jsonl");
    assert_string_equal(p.o.metrics_path, "m/smtptls.prom");
    assert_int_equal(p.o.stats_interval_s, 1);
    done(&p);
    parse(&p, "-r", "a", "--stats=-", "--stats-interval", max, NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_string_equal(p.o.stats_path, "-");
    assert_int_equal(p.o.stats_interval_s, LIMIT_STATS_INTERVAL_S_MAX);
    done(&p);
    const char *bad[] = {"0", above, "-1", " 1", "+1", "1m", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[160];
        snprintf(msg, sizeof msg, "--stats-interval: want a number of seconds from 1 to %u: %s",
                 LIMIT_STATS_INTERVAL_S_MAX, bad[i]);
        parse(&p, "-r", "a", "--stats-interval", bad[i], NULL);
        assert_usage_error(&p, msg);
    }
    /* The metrics file is replaced by rename: standard output cannot be. */
    parse(&p, "-r", "a", "--metrics", "-", NULL);
    assert_usage_error(&p, "--metrics: want a file name (it is replaced by rename): -");
}

static void test_live_options(void **state)
{
    (void)state;
    struct parsed p;
    char max[32], above[32], want[160];
    parse(&p, "-i", "eth1", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.buffer_kib, 0); /* the default: LIMIT_LIVE_BUFFER_KIB */
    assert_int_equal(p.o.workers, 0);    /* one plain handle, no fanout */
    assert_non_null(p.o.filter_desc);
    done(&p);
    snprintf(max, sizeof max, "%u", LIMIT_LIVE_BUFFER_KIB_MAX);
    parse(&p, "-i", "eth1", "-B", "1", "--workers", "1", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.buffer_kib, 1);
    assert_int_equal(p.o.workers, 1);
    done(&p);
    parse(&p, "-i", "eth1", "--buffer-size", max, "--workers=64", "tcp", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.buffer_kib, LIMIT_LIVE_BUFFER_KIB_MAX);
    assert_int_equal(p.o.workers, LIMIT_WORKERS_MAX);
    assert_null(p.o.filter_desc); /* a filter of one's own is shown as given */
    done(&p);
    snprintf(above, sizeof above, "%llu", (unsigned long long)LIMIT_LIVE_BUFFER_KIB_MAX + 1u);
    const char *bad_b[] = {"0", above, "-1", "1k", ""};
    for (size_t i = 0; i < sizeof bad_b / sizeof bad_b[0]; i++) {
        parse(&p, "-i", "eth1", "-B", bad_b[i], NULL);
        snprintf(want, sizeof want, "-B: want a number of KiB from 1 to %u: %s",
                 LIMIT_LIVE_BUFFER_KIB_MAX, bad_b[i]);
        assert_usage_error(&p, want);
    }
    const char *bad_w[] = {"0", "65", "two", "-2"};
    for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++) {
        parse(&p, "-i", "eth1", "--workers", bad_w[i], NULL);
        snprintf(want, sizeof want, "--workers: want a number from 1 to %u: %s", LIMIT_WORKERS_MAX,
                 bad_w[i]);
        assert_usage_error(&p, want);
    }
    parse(&p, "-r", "a.pcap", "-B", "4096", NULL);
    assert_usage_error(&p, "-B works on a live capture only (-i)");
    parse(&p, "-r", "a.pcap", "--workers", "2", NULL);
    assert_usage_error(&p, "--workers works on a live capture only (-i)");
}

static void test_inputs_rule(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-r", "a.pcap", "-i", "lo", NULL);
    assert_usage_error(&p, "-r and -i cannot be combined");
    parse(&p, "-i", "lo", "-r", "a.pcap", NULL);
    assert_usage_error(&p, "-r and -i cannot be combined");
    parse(&p, NULL);
    assert_usage_error(&p, "nothing to read: give -r FILE or -i IFACE (see --help)");
    parse(&p, "--json", "tcp", NULL);
    assert_usage_error(&p, "nothing to read: give -r FILE or -i IFACE (see --help)");
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "--frobnicate", NULL);
    assert_usage_error(&p, "unknown option or missing argument: --frobnicate (see --help)");
    parse(&p, "-r", "a", "-x", NULL);
    assert_usage_error(&p, "option -x: unknown option (see --help)");
    parse(&p, "-r", NULL);
    assert_usage_error(&p, "option -r: needs an argument (see --help)");
    parse(&p, "-r", "a", "-i", NULL);
    assert_usage_error(&p, "option -i: needs an argument (see --help)");
    parse(&p, "-r", "a", "-Z", NULL);
    assert_usage_error(&p, "option -Z: needs an argument (see --help)");
    parse(&p, "-r", "a", "--sessions", NULL);
    assert_usage_error(&p, "unknown option or missing argument: --sessions (see --help)");
    parse(&p, "-r", "a", "--json=yes", NULL);
    assert_usage_error(&p, "unknown option or missing argument: --json=yes (see --help)");
}

static void test_help_and_version(void **state)
{
    (void)state;
    struct parsed p;
    parse(&p, "-h", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.action, OPTIONS_HELP);
    done(&p);
    parse(&p, "--version", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.action, OPTIONS_VERSION);
    done(&p);
    /* They answer as they come: nothing after them is checked, what comes
     * before is. */
    parse(&p, "-V", "--frobnicate", NULL);
    assert_int_equal(p.rc, OPTIONS_OK);
    assert_int_equal(p.o.action, OPTIONS_VERSION);
    done(&p);
    parse(&p, "--max-flows", "1", "--help", NULL);
    assert_int_equal(p.rc, OPTIONS_ERR_USAGE);
    done(&p);
}

static void test_parse_again(void **state)
{
    (void)state;
    struct parsed p;
    for (int i = 0; i < 3; i++) {
        parse(&p, "-r", "x", "-x", NULL);
        assert_usage_error(&p, "option -x: unknown option (see --help)");
        parse(&p, "-r", "a", "--json", NULL);
        assert_int_equal(p.rc, OPTIONS_OK);
        assert_true(p.o.json);
        assert_int_equal(p.o.nfiles, 1);
        done(&p);
    }
}

static void test_usage_from_table(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    options_usage(f);
    assert_int_equal(fclose(f), 0);
    const char *lines[] = {
        "\n  -r FILE             read a pcap or pcapng file, also gzip, xz or zstd\n"
        "                      compressed ('-' for standard input); repeat to read\n"
        "                      several files as one capture\n",
        "\n  -i IFACE            capture live",
        "\n  -B, --buffer-size N kernel capture buffer of each worker: N KiB (32768)\n",
        "\n  --workers N         capture with N threads",
        "\n  -Z USER             drop root privileges",
        "\n  --json              print the summary",
        "\n  --sessions PATH     write one JSON record",
        "\n  --any-port          look at all TCP",
        "\n  --ndpi-all          ask nDPI",
        "\n  --no-ndpi           never ask nDPI\n",
        "\n  --idle-timeout S    close a flow idle for S seconds of capture time (300)\n",
        "\n  --max-flows N       flows tracked at once; the longest idle is evicted (40000)\n",
        "\n  --stats PATH        append a JSON line",
        "\n  --stats-interval S  the interval of --stats and --metrics, in seconds (of\n"
        "                      capture time when reading files) (60)\n",
        "\n  --metrics PATH      write Prometheus metrics",
        "\n  --home-net CIDR,... our networks",
        "\n  --sensor NAME       the name written",
        "\n  --bin TIME          the timeline's bin",
        "\n  --fail-on CODE,...  exit 6 after the report",
        "6 --fail-on found one of its codes",
        "\n  -h, --help          this text\n",
        "\n  -V, --version       ",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(buf, lines[i]))
            fail_msg("usage lacks \"%s\":\n%s", lines[i], buf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_each_option),
        cmocka_unit_test(test_filter_words),
        cmocka_unit_test(test_max_flows_bounds),
        cmocka_unit_test(test_idle_timeout_bounds),
        cmocka_unit_test(test_stats_options),
        cmocka_unit_test(test_report_options),
        cmocka_unit_test(test_live_options),
        cmocka_unit_test(test_inputs_rule),
        cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_parse_again),
        cmocka_unit_test(test_html_option),
        cmocka_unit_test(test_usage_from_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
