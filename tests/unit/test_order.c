/*
 * test_order.c - records of several pipelines in one order (app/order.h).
 *
 * Contract under test: a record comes out only once every source has closed
 * everything due before it; records come out by order_us, ties broken by
 * end, start and endpoints; once every source is finished everything comes
 * out, records due at the end of input too; and the sequence does not
 * depend on how the records were spread over sources or interleaved.
 */
#include "order.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "prng.h"

static struct session_record rec(uint64_t order_us, uint64_t end_us, uint16_t client_port)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.order_us = order_us;
    r.end_us = end_us;
    r.start_us = end_us / 2;
    r.family = 4;
    r.client_port = client_port;
    r.server_port = 25;
    return r;
}

static void test_waits_for_the_slowest_source(void **state)
{
    (void)state;
    struct order *o = order_new(2);
    struct session_record out;
    struct session_record a = rec(100, 90, 1), b = rec(200, 190, 2);
    assert_int_equal(order_push(o, &b), 0);
    assert_int_equal(order_push(o, &a), 0);
    assert_false(order_pop(o, &out)); /* no source has shown progress */
    order_progress(o, 0, 1000);
    assert_false(order_pop(o, &out)); /* source 1 may still have one due at 50 */
    order_progress(o, 1, 100);
    assert_false(order_pop(o, &out)); /* due exactly at the mark: not yet */
    order_progress(o, 1, 101);
    assert_true(order_pop(o, &out));
    assert_int_equal(out.client_port, 1);
    assert_false(order_pop(o, &out));
    order_progress(o, 1, 50); /* never backwards */
    order_progress(o, 1, 250);
    assert_true(order_pop(o, &out));
    assert_int_equal(out.client_port, 2);
    assert_int_equal(order_pending(o), 0);
    order_free(o);
}

static void test_end_of_input_releases_everything(void **state)
{
    (void)state;
    struct order *o = order_new(2);
    struct session_record out;
    struct session_record e1 = rec(UINT64_MAX, 70, 7), e2 = rec(UINT64_MAX, 60, 6);
    struct session_record f = rec(500, 40, 4);
    order_push(o, &e1);
    order_push(o, &f);
    order_push(o, &e2);
    order_progress(o, 0, UINT64_MAX);
    assert_false(order_pop(o, &out));
    order_progress(o, 1, UINT64_MAX);
    uint16_t want[] = {4, 6, 7}; /* due first, then the end-of-input ones by their end */
    for (size_t i = 0; i < 3; i++) {
        assert_true(order_pop(o, &out));
        assert_int_equal(out.client_port, want[i]);
    }
    assert_false(order_pop(o, &out));
    order_free(o);
}

static void test_ties_by_facts_of_the_session(void **state)
{
    (void)state;
    struct order *o = order_new(1);
    struct session_record out;
    struct session_record a = rec(10, 5, 3), b = rec(10, 5, 2), c = rec(10, 4, 9);
    order_push(o, &a);
    order_push(o, &b);
    order_push(o, &c);
    order_progress(o, 0, 11);
    uint16_t want[] = {9, 2, 3};
    for (size_t i = 0; i < 3; i++) {
        assert_true(order_pop(o, &out));
        assert_int_equal(out.client_port, want[i]);
    }
    order_free(o);
}

/* The same records spread over 1, 2 and 3 sources, pushed in a shuffled order
 * as each source's clock passes them, with progress interleaved at random:
 * the same sequence comes out. */
static void run_spread(unsigned sources, uint64_t seed, uint16_t *outp, size_t n)
{
    struct prng r = prng_seed(seed);
    struct order *o = order_new(sources);
    struct session_record *recs = calloc(n, sizeof *recs);
    unsigned *src = calloc(n, sizeof *src);
    for (size_t i = 0; i < n; i++) {
        recs[i] = rec(1000 + 10 * (i / 3), 500 + i % 7, (uint16_t)i);
        src[i] = (unsigned)prng_range(&r, 0, sources - 1);
    }
    uint64_t clock[3] = {0, 0, 0};
    size_t pushed = 0, got = 0;
    struct session_record out;
    while (got < n) {
        unsigned s = (unsigned)prng_range(&r, 0, sources - 1);
        clock[s] += prng_range(&r, 1, 40);
        /* the source closes what was due by its clock, then shows progress */
        for (size_t i = 0; i < n; i++)
            if (src[i] == s && recs[i].order_us <= clock[s] && recs[i].server_port == 25) {
                assert_int_equal(order_push(o, &recs[i]), 0);
                recs[i].server_port = 0; /* pushed */
                pushed++;
            }
        order_progress(o, s, pushed == n ? UINT64_MAX : clock[s]);
        if (pushed == n)
            for (unsigned k = 0; k < sources; k++)
                order_progress(o, k, UINT64_MAX);
        while (order_pop(o, &out))
            outp[got++] = out.client_port;
    }
    free(recs);
    free(src);
    order_free(o);
}

static void test_same_sequence_however_spread(void **state)
{
    (void)state;
    enum { N = 300 };
    uint16_t one[N], two[N], three[N];
    run_spread(1, 1, one, N);
    for (size_t i = 1; i < N; i++) /* by order_us, then end */
        assert_true(one[i - 1] / 3 < one[i] / 3 ||
                    (one[i - 1] / 3 == one[i] / 3 && one[i - 1] % 7 <= one[i] % 7));
    for (uint64_t seed = 2; seed < 12; seed++) {
        run_spread(2, seed, two, N);
        run_spread(3, seed, three, N);
        assert_memory_equal(one, two, sizeof one);
        assert_memory_equal(one, three, sizeof one);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waits_for_the_slowest_source),
        cmocka_unit_test(test_end_of_input_releases_everything),
        cmocka_unit_test(test_ties_by_facts_of_the_session),
        cmocka_unit_test(test_same_sequence_however_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
