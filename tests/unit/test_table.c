/*
 * test_table.c - the hash index (decode/table.h).
 *
 * Contract under test: a walk under a hash gives every id stored under it,
 * each once, and nothing stored under another hash (also when both share a
 * home slot); removal keeps every other id findable, whatever runs it sits
 * in, also runs that wrap past the end of the slots; growth keeps the load
 * at most half and loses nothing; max is a hard cap. Hashes are chosen by
 * hand, so collisions are as many as wanted.
 */
#include "table.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* How many times id is stored under hash; the walk must also end. */
static unsigned times(const struct table *t, uint32_t hash, uint32_t id)
{
    unsigned n = 0, steps = 0;
    struct table_iter it;
    for (uint32_t v = table_find(t, hash, &it); v != TABLE_NONE; v = table_next(t, &it)) {
        n += v == id;
        assert_true(++steps <= t->count);
    }
    return n;
}

static unsigned under(const struct table *t, uint32_t hash)
{
    unsigned n = 0;
    struct table_iter it;
    for (uint32_t v = table_find(t, hash, &it); v != TABLE_NONE; v = table_next(t, &it))
        n++;
    return n;
}

static void test_init_bounds(void **state)
{
    (void)state;
    struct table t;
    assert_int_equal(table_init(&t, 0), -1);
    table_free(&t);
    assert_int_equal(table_init(&t, TABLE_MAX + 1u), -1);
    table_free(&t);
    assert_int_equal(table_init(&t, 1), 0);
    struct table_iter it;
    assert_int_equal(table_find(&t, 0, &it), TABLE_NONE);
    assert_false(table_insert(&t, 0, TABLE_NONE));
    assert_true(table_insert(&t, 0, 0));
    assert_int_equal(times(&t, 0, 0), 1);
    assert_false(table_insert(&t, 1, 1)); /* max 1 */
    table_remove(&t, 0, 0);
    assert_int_equal(table_find(&t, 0, &it), TABLE_NONE);
    table_free(&t);
}

static void test_equal_hashes(void **state)
{
    (void)state;
    struct table t;
    assert_int_equal(table_init(&t, 1000), 0);
    for (uint32_t id = 0; id < 300; id++)
        assert_true(table_insert(&t, 42, id));
    assert_int_equal(under(&t, 42), 300);
    for (uint32_t id = 0; id < 300; id++)
        assert_int_equal(times(&t, 42, id), 1);
    for (uint32_t id = 0; id < 300; id += 3)
        table_remove(&t, 42, id);
    assert_int_equal(t.count, 200);
    assert_int_equal(under(&t, 42), 200);
    for (uint32_t id = 0; id < 300; id++)
        assert_int_equal(times(&t, 42, id), id % 3 ? 1 : 0);
    table_remove(&t, 42, 0); /* no longer there: nothing happens */
    table_remove(&t, 43, 1); /* not under that hash: nothing happens */
    assert_int_equal(t.count, 200);
    assert_int_equal(times(&t, 42, 1), 1);
    table_free(&t);
}

/* Hashes that share a home slot are still told apart, and runs that start
 * at the last slot wrap to the first. */
static void test_shared_homes_and_wrapping(void **state)
{
    (void)state;
    struct table t;
    assert_int_equal(table_init(&t, 100), 0);
    uint32_t slots = t.mask + 1u;
    const uint32_t hashes[] = {slots - 1u, 2u * slots - 1u, 0, slots - 2u, slots, 1};
    uint32_t id = 0;
    for (int round = 0; round < 4; round++)
        for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++)
            assert_true(table_insert(&t, hashes[h], id++));
    assert_int_equal(t.mask + 1u, slots); /* 24 entries: no growth */
    for (size_t h = 0; h < 6; h++)
        assert_int_equal(under(&t, hashes[h]), 4);
    /* Remove in an order that opens holes at the end, at the start and in
     * the middle of the run; check everything after each removal. */
    const uint32_t order[] = {0, 2, 7, 23, 12, 1, 18, 6, 3, 20, 9, 14};
    bool gone[24] = {false};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        uint32_t r = order[k];
        table_remove(&t, hashes[r % 6u], r);
        gone[r] = true;
        for (uint32_t i = 0; i < 24; i++)
            assert_int_equal(times(&t, hashes[i % 6u], i), gone[i] ? 0 : 1);
    }
    assert_int_equal(t.count, 12);
    table_free(&t);
}

static void test_growth_keeps_half_load(void **state)
{
    (void)state;
    const uint32_t n = 100000;
    struct table t;
    assert_int_equal(table_init(&t, 2 * n), 0);
    uint32_t *hash = malloc(n * sizeof *hash);
    assert_non_null(hash);
    struct prng rng = prng_seed(9);
    uint32_t grew = 0, slots = t.mask + 1u;
    for (uint32_t id = 0; id < n; id++) {
        hash[id] = (uint32_t)prng_next(&rng);
        assert_true(table_insert(&t, hash[id], id));
        assert_true(2u * t.count <= t.mask + 1u);
        if (t.mask + 1u != slots) {
            assert_int_equal(t.mask + 1u, 2u * slots);
            slots = t.mask + 1u;
            grew++;
        }
    }
    assert_true(grew >= 7); /* 1024 slots to 262144 */
    for (uint32_t id = 0; id < n; id++)
        if (times(&t, hash[id], id) != 1)
            fail_msg("id %u lost in growth", id);
    free(hash);
    table_free(&t);
}

static void test_cap(void **state)
{
    (void)state;
    struct table t;
    assert_int_equal(table_init(&t, 10), 0);
    for (uint32_t id = 0; id < 10; id++)
        assert_true(table_insert(&t, 7, id));
    assert_false(table_insert(&t, 7, 10));
    assert_false(table_insert(&t, 8, 10));
    assert_int_equal(t.count, 10);
    assert_true(t.mask + 1u <= 32u); /* never more slots than 10 entries need */
    assert_int_equal(times(&t, 7, 10), 0);
    table_remove(&t, 7, 4);
    assert_true(table_insert(&t, 8, 10));
    assert_int_equal(times(&t, 8, 10), 1);
    for (uint32_t id = 0; id < 10; id++)
        assert_int_equal(times(&t, 7, id), id == 4 ? 0 : 1);
    table_free(&t);

    /* A cap above the first allocation: growth stops at what max needs. */
    assert_int_equal(table_init(&t, 3000), 0);
    for (uint32_t id = 0; id < 3000; id++)
        assert_true(table_insert(&t, id * 2654435761u, id));
    assert_false(table_insert(&t, 1, 3000));
    assert_int_equal(t.mask + 1u, 8192u);
    table_free(&t);
}

/* Random inserts and removals against a list of what is stored, with few
 * distinct hashes whose homes cluster around the wrap, through growth. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { MAX = 600, OPS = 8000 };
    struct table t;
    assert_int_equal(table_init(&t, MAX), 0);
    uint32_t *hash = calloc(OPS, sizeof *hash);
    bool *live = calloc(OPS, sizeof *live);
    uint32_t *ids = calloc(OPS, sizeof *ids); /* live ids, in no order */
    assert_true(hash && live && ids);
    uint32_t nlive = 0, next = 0;
    struct prng rng = prng_seed(2024);
    for (int op = 0; op < OPS; op++) {
        if (nlive < MAX && (nlive == 0 || prng_next(&rng) % 5 < 3)) {
            /* 48 hashes, 3 for each home: the last 8 and the first 8 slots */
            uint32_t k = (uint32_t)prng_range(&rng, 0, 47);
            hash[next] = (k % 16u - 8u) ^ (k / 16u) << 20;
            assert_true(table_insert(&t, hash[next], next));
            live[next] = true;
            ids[nlive++] = next++;
        } else {
            uint32_t j = (uint32_t)prng_range(&rng, 0, nlive - 1u);
            uint32_t id = ids[j];
            table_remove(&t, hash[id], id);
            live[id] = false;
            ids[j] = ids[--nlive];
        }
        assert_int_equal(t.count, nlive);
        if (op % 61 == 0 || op == OPS - 1) {
            for (uint32_t id = 0; id < next; id++)
                if (times(&t, hash[id], id) != (live[id] ? 1u : 0u))
                    fail_msg("op %d: id %u found %u times, live %d", op, id,
                             times(&t, hash[id], id), live[id]);
        }
    }
    free(hash);
    free(live);
    free(ids);
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_bounds),
        cmocka_unit_test(test_equal_hashes),
        cmocka_unit_test(test_shared_homes_and_wrapping),
        cmocka_unit_test(test_growth_keeps_half_load),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
