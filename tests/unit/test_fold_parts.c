/*
 * test_fold_parts.c - the parts of a fold that take untrusted text
 * (app/filter.h, app/lines.h) and the progress line (app/progress.h).
 *
 * Contracts under test: --since/--until read ISO 8601 and Unix seconds and
 * refuse anything else; --since is inclusive and --until exclusive; --server
 * reads IPv4, IPv6, with and without a port, and refuses the rest; values
 * past the cap are refused; a record passes when every filter given takes it
 * (any value within one). Lines come whole whatever the read sizes, a line
 * past the cap is skipped to its newline and said so, a last line without a
 * newline is told apart, NUL bytes stay in a line. The progress line says
 * the share, rate, time left and sessions, and fits a terminal line.
 */
#define _GNU_SOURCE /* fmemopen */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "lines.h"
#include "progress.h"
#include "session.h"

static struct session_record rec_at(int64_t start_s, const char *server, uint16_t port)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.start_us = (uint64_t)(start_s * 1000000);
    r.family = 4;
    unsigned a, b, c, d;
    assert_int_equal(sscanf(server, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
    r.server[0] = (uint8_t)a;
    r.server[1] = (uint8_t)b;
    r.server[2] = (uint8_t)c;
    r.server[3] = (uint8_t)d;
    r.server_port = port;
    return r;
}

static void test_times(void **state)
{
    (void)state;
    struct filter f;
    char err[256];
    memset(&f, 0, sizeof f);
    assert_int_equal(filter_set_time(&f, false, "2026-11-30T08:00:00Z", err, sizeof err), 0);
    assert_int_equal(f.since_us, 1796025600LL * 1000000);
    assert_int_equal(filter_set_time(&f, true, "1796029200", err, sizeof err), 0);
    assert_int_equal(f.until_us, 1796029200LL * 1000000);
    assert_int_equal(filter_set_time(&f, false, "2026-11-30", err, sizeof err), 0);
    assert_int_equal(f.since_us, 1795996800LL * 1000000);
    assert_int_equal(filter_set_time(&f, false, "2026-11-30T09:00:00+01:00", err, sizeof err), 0);
    assert_int_equal(f.since_us, 1796025600LL * 1000000);
    const char *bad[] = {"", "yesterday", "2026-13-01", "2026-11-30T25:00", "-5", "12e3",
                         "2026-11-30T08:00:00Zjunk"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(filter_set_time(&f, false, bad[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "--since"));
    }
    /* since inclusive, until exclusive */
    memset(&f, 0, sizeof f);
    filter_set_time(&f, false, "1000", err, sizeof err);
    filter_set_time(&f, true, "2000", err, sizeof err);
    struct session_record r = rec_at(999, "192.0.2.1", 25);
    assert_false(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(1000, "192.0.2.1", 25);
    assert_true(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(1999, "192.0.2.1", 25);
    assert_true(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(2000, "192.0.2.1", 25);
    assert_false(filter_match(&f, &r, "", DIRECTION_NONE));
}

static void test_servers(void **state)
{
    (void)state;
    struct filter f;
    char err[256];
    memset(&f, 0, sizeof f);
    const char *good[] = {"192.0.2.1", "192.0.2.1:25", "2001:db8::1", "[2001:db8::1]:587",
                          "[2001:db8::1]"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(filter_add_server(&f, good[i], err, sizeof err), 0);
    assert_int_equal(f.nservers, 5);
    assert_int_equal(f.servers[1].port, 25);
    assert_int_equal(f.servers[3].family, 6);
    assert_int_equal(f.servers[3].port, 587);
    const char *bad[] = {"", "mx.example.com", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:",
                         "[2001:db8::1", "[2001:db8::1]x", "2001:db8::1:25:", "300.0.0.1",
                         "192.0.2.1:25:25"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct filter g;
        memset(&g, 0, sizeof g);
        assert_int_equal(filter_add_server(&g, bad[i], err, sizeof err), -1);
    }
    /* any of the values of one filter; the port only when given */
    memset(&f, 0, sizeof f);
    filter_add_server(&f, "192.0.2.1:25", err, sizeof err);
    filter_add_server(&f, "192.0.2.2", err, sizeof err);
    struct session_record r = rec_at(1, "192.0.2.1", 25);
    assert_true(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(1, "192.0.2.1", 587);
    assert_false(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(1, "192.0.2.2", 587);
    assert_true(filter_match(&f, &r, "", DIRECTION_NONE));
    r = rec_at(1, "192.0.2.3", 25);
    assert_false(filter_match(&f, &r, "", DIRECTION_NONE));
}

static void test_sensors_directions_caps(void **state)
{
    (void)state;
    struct filter f;
    char err[256];
    memset(&f, 0, sizeof f);
    filter_add_sensor(&f, "gw1", err, sizeof err);
    filter_add_sensor(&f, "gw3", err, sizeof err);
    assert_int_equal(filter_add_direction(&f, "inbound,outbound", err, sizeof err), 0);
    assert_int_equal(filter_add_direction(&f, "sideways", err, sizeof err), -1);
    struct session_record r = rec_at(1, "192.0.2.1", 25);
    assert_true(filter_match(&f, &r, "gw1", DIRECTION_INBOUND));
    assert_true(filter_match(&f, &r, "gw3", DIRECTION_OUTBOUND));
    assert_false(filter_match(&f, &r, "gw2", DIRECTION_INBOUND));
    assert_false(filter_match(&f, &r, "gw1", DIRECTION_INTERNAL));
    assert_false(filter_match(&f, &r, "", DIRECTION_INBOUND));
    assert_false(filter_match(&f, &r, "gw1", DIRECTION_NONE));
    assert_true(filter_active(&f));
    memset(&f, 0, sizeof f);
    assert_false(filter_active(&f));
    assert_true(filter_match(&f, &r, "", DIRECTION_NONE));
    for (unsigned i = 0; i < LIMIT_FILTER_VALUES; i++) {
        assert_int_equal(filter_add_sensor(&f, "s", err, sizeof err), 0);
        assert_int_equal(filter_add_server(&f, "192.0.2.9", err, sizeof err), 0);
    }
    assert_int_equal(filter_add_sensor(&f, "s", err, sizeof err), -1);
    assert_int_equal(filter_add_server(&f, "192.0.2.9", err, sizeof err), -1);
}

/* A stream over bytes that hands them out n at a time (fmemopen reads in
 * larger blocks; the lines reader must not care). */
static FILE *stream(const char *bytes, size_t len)
{
    FILE *f = fmemopen((void *)bytes, len, "rb");
    assert_non_null(f);
    setvbuf(f, NULL, _IONBF, 0);
    return f;
}

static void test_lines(void **state)
{
    (void)state;
    static const char text[] = "one\n\ntwo\0zero\n"
                               "0123456789abcdefXYZ\n" /* past a cap of 16 */
                               "ok\n"
                               "cut";
    FILE *f = stream(text, sizeof text - 1);
    struct lines l;
    assert_int_equal(lines_init(&l, f, 16), 0);
    const char *s;
    size_t n;
    assert_int_equal(lines_next(&l, &s, &n), LINES_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(s, "one", 3);
    assert_int_equal(lines_next(&l, &s, &n), LINES_OK);
    assert_int_equal(n, 0);
    assert_int_equal(lines_next(&l, &s, &n), LINES_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(s, "two\0zero", 8);
    assert_int_equal(lines_next(&l, &s, &n), LINES_TOO_LONG);
    assert_int_equal(l.lineno, 4);
    assert_int_equal(lines_next(&l, &s, &n), LINES_OK);
    assert_memory_equal(s, "ok", 2);
    assert_int_equal(l.lineno, 5);
    assert_int_equal(lines_next(&l, &s, &n), LINES_UNTERMINATED);
    assert_memory_equal(s, "cut", 3);
    assert_int_equal(lines_next(&l, &s, &n), LINES_END);
    assert_int_equal(lines_next(&l, &s, &n), LINES_END);
    assert_int_equal(l.bytes, sizeof text - 1);
    lines_free(&l);
    fclose(f);
}

static void test_lines_long_unending(void **state)
{
    (void)state;
    size_t len = 1u << 20;
    char *big = malloc(len);
    assert_non_null(big);
    memset(big, 'x', len);
    FILE *f = stream(big, len);
    struct lines l;
    assert_int_equal(lines_init(&l, f, 1024), 0);
    const char *s;
    size_t n;
    assert_int_equal(lines_next(&l, &s, &n), LINES_TOO_LONG);
    assert_int_equal(lines_next(&l, &s, &n), LINES_END);
    assert_true(l.size < 1024 + 1 + (256u << 10)); /* never grown with the line */
    lines_free(&l);
    fclose(f);
    free(big);
}

static void test_progress(void **state)
{
    (void)state;
    char line[160];
    size_t n = progress_format(line, sizeof line, 412000000, 1030000000, true, 9811, 2.0);
    assert_int_equal(n, strlen(line));
    assert_non_null(strstr(line, "412.0 MB of 1.0 GB (40%)"));
    assert_non_null(strstr(line, "206.0 MB/s"));
    assert_non_null(strstr(line, "0:03 left"));
    assert_non_null(strstr(line, "9811 sessions"));
    assert_true(n < 80);
    progress_format(line, sizeof line, 5000, 0, false, 3, 1.0);
    assert_non_null(strstr(line, "5.0 kB read, 5.0 kB/s, 3 sessions"));
    assert_null(strstr(line, "left"));
    /* done past total (a file grown while read) */
    progress_format(line, sizeof line, 2000, 1000, true, 0, 1.0);
    assert_non_null(strstr(line, "(100%)"));
    /* a short buffer is filled, not overrun */
    char small[12];
    memset(small, 'z', sizeof small);
    n = progress_format(small, 8, 412000000, 1030000000, true, 1, 1.0);
    assert_int_equal(n, 7);
    assert_int_equal(small[7], '\0');
    assert_int_equal(small[8], 'z');
    /* not a terminal: nothing shown */
    struct progress p;
    FILE *f = tmpfile();
    progress_init(&p, f, false);
    assert_false(progress_on(&p));
    assert_false(progress_due(&p));
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_sensors_directions_caps),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_lines_long_unending),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
