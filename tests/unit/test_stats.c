/*
 * test_stats.c - the --stats line (app/stats.h) from snapshots made by hand:
 * totals and deltas, the interval, null where a value means nothing (kernel
 * drops reading files, memory unknown), the late stripping count added as the
 * summary adds it, counts that went down, and the resident memory read.
 */
#include "stats.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-11-30T00:53:20Z */
#define T0 1796000000000000ull

static struct aggregate agg(uint64_t plaintext, uint64_t starttls, uint64_t stripped)
{
    struct aggregate a;
    memset(&a, 0, sizeof a);
    a.modes[SESSION_PLAINTEXT] = plaintext;
    a.modes[SESSION_STARTTLS] = starttls;
    a.total = plaintext + starttls;
    a.encrypted = starttls;
    a.starttls_offered = starttls + 1;
    a.leak_envelope = plaintext;
    a.leak_auth = 1;
    a.findings[FINDING_ENVELOPE_CLEARTEXT] = plaintext;
    a.findings[FINDING_STARTTLS_STRIPPED] = stripped;
    return a;
}

static const char *line_of(struct jsonb *b, const struct stats_snapshot *now,
                           const struct stats_snapshot *prev, bool final)
{
    size_t len;
    const char *p = stats_line(b, now, prev, final, &len);
    assert_non_null(p);
    static char text[8192];
    assert_true(len < sizeof text);
    memcpy(text, p, len);
    text[len] = '\0';
    /* one line */
    assert_int_equal(text[len - 1], '\n');
    assert_ptr_equal(strchr(text, '\n'), text + len - 1);
    return text;
}

static void assert_has(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("line lacks \"%s\":\n%s", part, text);
}

static void test_totals_and_deltas(void **state)
{
    (void)state;
    struct pipeline_stats ps;
    memset(&ps, 0, sizeof ps);
    struct stats_snapshot prev, now;
    struct aggregate a = agg(2, 3, 0);
    ps.packets = 100;
    ps.bytes = 5000;
    stats_snapshot_fill(&prev, T0, &a, 0, &ps, NULL, 7, 4096);
    a = agg(5, 10, 1);
    ps.packets = 250;
    ps.bytes = 9000;
    stats_snapshot_fill(&now, T0 + 60000000u, &a, 2, &ps, NULL, 3, 8192);

    struct jsonb b;
    jb_init(&b, LIMIT_STATS_LINE);
    const char *t = line_of(&b, &now, &prev, false);
    assert_has(t, "{\"time\": \"2026-11-30T00:54:20.000000Z\", \"interval_s\": 60.000000, "
                  "\"final\": false, \"total\": {\"sessions\": {\"total\": 15, \"plaintext\": 5, "
                  "\"starttls\": 10, \"implicit_tls\": 0, \"starttls_failed\": 0, "
                  "\"implicit_tls_failed\": 0, \"unknown\": 0}, \"encrypted\": 10, "
                  "\"starttls_offered\": 11, \"leaks\": {\"envelope\": 5, \"auth\": 1}, ");
    /* the late stripping count joins starttls-stripped, as in the summary */
    assert_has(t, "\"total\": {\"sessions\": {\"total\": 15");
    assert_has(t, "\"starttls-stripped\": 3,");
    assert_has(t, "\"packets\": 250, \"bytes\": 9000, \"kernel_drops\": null}, \"delta\": "
                  "{\"sessions\": {\"total\": 10, \"plaintext\": 3, \"starttls\": 7, ");
    assert_has(t, "\"leaks\": {\"envelope\": 3, \"auth\": 0}, \"findings\": "
                  "{\"envelope-cleartext\": 3, \"auth-cleartext\": 0, \"starttls-stripped\": 3, ");
    assert_has(t, "\"packets\": 150, \"bytes\": 4000, \"kernel_drops\": null}, "
                  "\"flows_open\": 3, \"resident_memory_bytes\": 8192, "
                  "\"resident_memory_source\": \"/proc/self/statm\"}\n");

    /* the last line */
    t = line_of(&b, &now, &now, true);
    assert_has(t, "\"interval_s\": 0.000000, \"final\": true, ");
    assert_has(t, "\"delta\": {\"sessions\": {\"total\": 0, ");
    jb_free(&b);
}

static void test_live_and_unknowns(void **state)
{
    (void)state;
    struct pipeline_stats ps;
    memset(&ps, 0, sizeof ps);
    struct capture_stats cs = {.kernel_drops = 4, .live = true};
    struct stats_snapshot prev, now;
    struct aggregate a = agg(1, 1, 0);
    stats_snapshot_fill(&prev, T0, &a, 0, &ps, &cs, 0, 0);
    cs.kernel_drops = 10;
    stats_snapshot_fill(&now, T0 + 1500000u, &a, 0, &ps, &cs, 0, 0);
    struct jsonb b;
    jb_init(&b, LIMIT_STATS_LINE);
    const char *t = line_of(&b, &now, &prev, false);
    assert_has(t, "\"interval_s\": 1.500000,");
    assert_has(t, "\"kernel_drops\": 10}, \"delta\"");
    assert_has(t, "\"kernel_drops\": 6}, \"flows_open\"");
    assert_has(t, "\"resident_memory_bytes\": null");

    /* A clock that stepped back, counts that went down: zeros, never a wrap. */
    t = line_of(&b, &prev, &now, false);
    assert_has(t, "\"interval_s\": 0.000000,");
    assert_has(t, "\"kernel_drops\": 0}, \"flows_open\"");
    jb_free(&b);
}

static void test_cap_is_an_error(void **state)
{
    (void)state;
    struct pipeline_stats ps;
    memset(&ps, 0, sizeof ps);
    struct stats_snapshot s;
    struct aggregate a = agg(1, 1, 0);
    stats_snapshot_fill(&s, T0, &a, 0, &ps, NULL, 0, 0);
    struct jsonb b;
    jb_init(&b, 64);
    size_t len = 0;
    assert_null(stats_line(&b, &s, &s, false, &len));
    assert_int_equal(jb_error(&b), JB_ERR_CAP);
    jb_free(&b);
}

static void test_mode_keys(void **state)
{
    (void)state;
    assert_string_equal(stats_mode_key(SESSION_IMPLICIT_TLS_FAILED), "implicit_tls_failed");
    assert_string_equal(stats_mode_key(SESSION_PLAINTEXT), "plaintext");
    assert_string_equal(stats_mode_key(SESSION_MODE_COUNT), "unknown");
}

static void test_resident_memory(void **state)
{
    (void)state;
    uint64_t before = stats_resident_bytes();
    assert_true(before > 0);
    /* touch 16 MiB: resident memory is what is in use now, not a peak */
    size_t n = 16u << 20;
    char *p = malloc(n);
    assert_non_null(p);
    memset(p, 1, n);
    uint64_t during = stats_resident_bytes();
    assert_true(during >= before + n / 2);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_and_deltas), cmocka_unit_test(test_live_and_unknowns),
        cmocka_unit_test(test_cap_is_an_error),   cmocka_unit_test(test_mode_keys),
        cmocka_unit_test(test_resident_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
