/*
 * test_timeline.c - sessions per time bin (report/timeline.h).
 *
 * Contract under test: --bin's values and its refusals; without --bin a
 * minute is minutes, a day hours and a month days, whatever order the
 * sessions come in; with --bin, that bin until LIMIT_TIMELINE_BINS would be
 * passed, then twice it (said); no session is lost when bins merge, and the
 * probes are counted apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "timeline.h"

#define T0 1796000000ull /* 2026-11-29T23:33:20Z */
#define US 1000000ull

static uint64_t total(const struct timeline *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
            n += t->bins[i].modes[m];
    return n;
}

static void test_bin_values(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(timeline_parse_bin("1h", &v), 0);
    assert_int_equal(v, 3600);
    assert_int_equal(timeline_parse_bin("30m", &v), 0);
    assert_int_equal(v, 1800);
    assert_int_equal(timeline_parse_bin("90s", &v), 0);
    assert_int_equal(v, 90);
    assert_int_equal(timeline_parse_bin("7d", &v), 0);
    assert_int_equal(v, 604800);
    assert_int_equal(timeline_parse_bin("366d", &v), 0);
    static const char *const bad[] = {"",
                                      "h",
                                      "1",
                                      "0h",
                                      "0s",
                                      "1w",
                                      "-1h",
                                      "1H",
                                      " 1h",
                                      "1h ",
                                      "1.5h",
                                      "367d",
                                      "99999999999999999999s",
                                      "1hh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (timeline_parse_bin(bad[i], &v) == 0)
            fail_msg("'%s' accepted", bad[i]);
    char name[16];
    timeline_bin_name(3600, name, sizeof name);
    assert_string_equal(name, "1h");
    timeline_bin_name(86400 * 7, name, sizeof name);
    assert_string_equal(name, "7d");
    timeline_bin_name(90, name, sizeof name);
    assert_string_equal(name, "90s");
    timeline_bin_name(900, name, sizeof name);
    assert_string_equal(name, "15m");
}

/* Sessions every step seconds over span seconds, added in a scrambled
 * order; returns the bin chosen. */
static uint64_t spread(struct timeline *t, uint64_t span, uint64_t step)
{
    uint64_t n = span / step + 1;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = (k * 7919u) % n; /* 7919 is prime: a permutation when n is not its multiple */
        timeline_add(t, (T0 + i * step) * US, i % 3 ? SESSION_STARTTLS : SESSION_PLAINTEXT,
                     i % 5 ? CLASS_TLS : CLASS_PROBE);
    }
    assert_int_equal(total(t), n);
    return t->bin_s;
}

static void test_chosen_from_the_span(void **state)
{
    (void)state;
    struct timeline t;
    assert_int_equal(timeline_init(&t, 0), 0);
    assert_int_equal(spread(&t, 50, 1), 60); /* a minute: one bin of a minute */
    timeline_free(&t);
    assert_int_equal(timeline_init(&t, 0), 0);
    assert_int_equal(spread(&t, 86400, 60), 3600); /* a day: hours */
    assert_true(t.n >= 24 && t.n <= 25);
    timeline_free(&t);
    assert_int_equal(timeline_init(&t, 0), 0);
    assert_int_equal(spread(&t, 30 * 86400, 600), 86400); /* a month: days */
    assert_true(t.n >= 30 && t.n <= 31);
    assert_false(timeline_coarsened(&t));
    timeline_free(&t);
    assert_int_equal(timeline_init(&t, 0), 0);
    assert_int_equal(spread(&t, 3 * 3600, 10), 300); /* three hours: 5 minutes, 36 bins */
    timeline_free(&t);
    assert_int_equal(timeline_init(&t, 0), 0);
    assert_int_equal(spread(&t, 6 * 3600, 10), 900); /* six hours: quarters */
    timeline_free(&t);
    /* a year and more: weeks, then four weeks and doubling; never more bins */
    assert_int_equal(timeline_init(&t, 0), 0);
    spread(&t, 60ull * 365 * 86400, 86400);
    assert_true(t.n <= LIMIT_TIMELINE_AUTO);
    timeline_free(&t);
}

static void test_bins_are_aligned_and_counted(void **state)
{
    (void)state;
    struct timeline t;
    assert_int_equal(timeline_init(&t, 3600), 0);
    timeline_add(&t, (T0 + 7200) * US, SESSION_STARTTLS, CLASS_TLS);
    timeline_add(&t, T0 * US, SESSION_PLAINTEXT, CLASS_PROBE); /* earlier, after */
    timeline_add(&t, (T0 + 1) * US, SESSION_PLAINTEXT, CLASS_MAIL);
    assert_int_equal(t.bin_s, 3600);
    assert_int_equal(t.lo * 3600, T0 / 3600 * 3600);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.bins[0].modes[SESSION_PLAINTEXT], 2);
    assert_int_equal(t.bins[0].probes, 1);
    assert_int_equal(t.bins[1].modes[SESSION_PLAINTEXT] + t.bins[1].modes[SESSION_STARTTLS], 0);
    assert_int_equal(t.bins[2].modes[SESSION_STARTTLS], 1);
    timeline_free(&t);
}

static void test_asked_bin_doubles_past_the_cap(void **state)
{
    (void)state;
    struct timeline t;
    assert_int_equal(timeline_init(&t, 1), 0);
    spread(&t, LIMIT_TIMELINE_BINS - 1, 1);
    assert_int_equal(t.bin_s, 1); /* exactly the cap */
    assert_false(timeline_coarsened(&t));
    timeline_add(&t, (T0 + LIMIT_TIMELINE_BINS) * US, SESSION_UNKNOWN, CLASS_PROBE);
    assert_int_equal(t.bin_s, 2);
    assert_true(timeline_coarsened(&t));
    assert_int_equal(total(&t), LIMIT_TIMELINE_BINS + 1);
    assert_true(t.n <= LIMIT_TIMELINE_BINS);
    timeline_free(&t);
    /* a span of decades under --bin 1m: doubled until it fits */
    assert_int_equal(timeline_init(&t, 60), 0);
    timeline_add(&t, 0, SESSION_STARTTLS, CLASS_TLS);
    timeline_add(&t, T0 * US, SESSION_STARTTLS, CLASS_TLS);
    assert_true(t.n <= LIMIT_TIMELINE_BINS);
    assert_int_equal(total(&t), 2);
    assert_int_equal(t.bin_s % 60, 0);
    timeline_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_values),
        cmocka_unit_test(test_chosen_from_the_span),
        cmocka_unit_test(test_bins_are_aligned_and_counted),
        cmocka_unit_test(test_asked_bin_doubles_past_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
