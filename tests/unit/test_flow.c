/*
 * test_flow.c - the flow table (decode/flow.h).
 *
 * Contract under test: both directions of a connection share one entry and
 * are told apart by dir (0 = the endpoint that created the flow); idle flows
 * close in the order they went idle; a full table evicts the longest-idle
 * flow; a flow marked closing lingers; the close callback runs exactly once
 * per flow with the right reason; the open-addressing index keeps finding
 * every live flow through growth and deletions.
 */
#include "flow.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "prng.h"

struct user {
    uint32_t id;
    uint32_t junk[3];
};

struct closes {
    size_t n, cap;
    uint32_t *ids;
    uint8_t *why;
    uint32_t *per_id; /* closes seen per id */
    size_t nid;
};

static void closes_init(struct closes *c, size_t nid)
{
    memset(c, 0, sizeof *c);
    c->nid = nid;
    c->per_id = calloc(nid, sizeof *c->per_id);
    assert_non_null(c->per_id);
}

static void closes_free(struct closes *c)
{
    free(c->ids);
    free(c->why);
    free(c->per_id);
}

static void on_close(void *ctx, void *user, enum flow_close_reason why)
{
    struct closes *c = ctx;
    struct user *u = user;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ids = realloc(c->ids, c->cap * sizeof *c->ids);
        c->why = realloc(c->why, c->cap * sizeof *c->why);
    }
    c->ids[c->n] = u->id;
    c->why[c->n] = (uint8_t)why;
    c->n++;
    if (u->id < c->nid)
        c->per_id[u->id]++;
}

/* IPv4 tuple a:ap -> b:bp */
static struct flow_tuple t4(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
    struct flow_tuple t;
    memset(&t, 0, sizeof t);
    t.family = 4;
    for (int i = 0; i < 4; i++) {
        t.src[i] = (uint8_t)(a >> (24 - 8 * i));
        t.dst[i] = (uint8_t)(b >> (24 - 8 * i));
    }
    t.sport = ap;
    t.dport = bp;
    return t;
}

static struct flow_tuple rev(struct flow_tuple t)
{
    struct flow_tuple r = t;
    memcpy(r.src, t.dst, 16);
    memcpy(r.dst, t.src, 16);
    r.sport = t.dport;
    r.dport = t.sport;
    return r;
}

/* A fixed key per test: the tables must not care which. */
#define KEY(n) (&(struct hash_key){(n), ~(uint64_t)(n)})

#define CLIENT 0xC0000201u /* 192.0.2.1 */
#define SERVER 0xC6336419u /* 198.51.100.25 */

/* Create flow number id (client port 1024 + id to the server's port 25). */
static struct user *make(struct flow_table *ft, uint32_t id, uint64_t now)
{
    struct flow_tuple t = t4(CLIENT, (uint16_t)(1024 + id), SERVER, 25);
    int dir = -1;
    bool created = false;
    struct user *u = flow_lookup(ft, &t, now, &dir, &created);
    assert_non_null(u);
    assert_true(created);
    assert_int_equal(dir, 0);
    u->id = id;
    return u;
}

static struct user *find(struct flow_table *ft, uint32_t id, uint64_t now, bool reverse,
                         bool *created)
{
    struct flow_tuple t = t4(CLIENT, (uint16_t)(1024 + id), SERVER, 25);
    if (reverse)
        t = rev(t);
    int dir = -1;
    struct user *u = flow_lookup(ft, &t, now, &dir, created);
    assert_non_null(u);
    if (!*created)
        assert_int_equal(dir, reverse ? 1 : 0);
    return u;
}

static void test_both_directions_one_entry(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 4);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 10, KEY(1), on_close, &c);
    assert_non_null(ft);
    /* The server (the higher address) sends first: it is endpoint 0 */
    struct flow_tuple s2c = t4(SERVER, 25, CLIENT, 40000);
    int dir;
    bool created;
    struct user *u = flow_lookup(ft, &s2c, 1, &dir, &created);
    assert_non_null(u);
    assert_true(created);
    assert_int_equal(dir, 0);
    u->id = 1;
    struct flow_tuple c2s = rev(s2c);
    struct user *v = flow_lookup(ft, &c2s, 2, &dir, &created);
    assert_ptr_equal(v, u);
    assert_false(created);
    assert_int_equal(dir, 1);
    v = flow_lookup(ft, &s2c, 3, &dir, &created);
    assert_ptr_equal(v, u);
    assert_int_equal(dir, 0);
    assert_int_equal(flow_table_active(ft), 1);

    /* The lower address sends first */
    struct flow_tuple x = t4(CLIENT, 40001, SERVER, 25);
    struct user *w = flow_lookup(ft, &x, 5, &dir, &created);
    assert_true(created);
    assert_int_equal(dir, 0);
    w->id = 2;
    struct flow_tuple rx = rev(x);
    assert_ptr_equal(flow_lookup(ft, &rx, 6, &dir, &created), w);
    assert_int_equal(dir, 1);
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_same_address_both_ends_and_families(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 8);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 10, KEY(7), on_close, &c);
    /* 127.0.0.1:1025 -> 127.0.0.1:25: the ports decide the order */
    struct flow_tuple lo = t4(0x7F000001, 1025, 0x7F000001, 25);
    int dir;
    bool created;
    struct user *u = flow_lookup(ft, &lo, 1, &dir, &created);
    assert_true(created);
    assert_int_equal(dir, 0);
    struct flow_tuple rlo = rev(lo);
    assert_ptr_equal(flow_lookup(ft, &rlo, 2, &dir, &created), u);
    assert_false(created);
    assert_int_equal(dir, 1);
    /* The same 16 address bytes as IPv6 are another flow */
    struct flow_tuple six = lo;
    six.family = 6;
    struct user *v = flow_lookup(ft, &six, 3, &dir, &created);
    assert_true(created);
    assert_ptr_not_equal(v, u);
    assert_int_equal(flow_table_active(ft), 2);
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_endpoint_zero_is_creator(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 4);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 10, KEY(3), on_close, &c);
    uint8_t addr[16], family;
    uint16_t port;
    int dir;
    bool created;
    /* Created by the higher address: canonical order and creator differ */
    struct flow_tuple s2c = t4(SERVER, 25, CLIENT, 40000);
    struct user *u = flow_lookup(ft, &s2c, 1, &dir, &created);
    flow_endpoint(ft, u, 0, addr, &port, &family);
    assert_memory_equal(addr, s2c.src, 16);
    assert_int_equal(port, 25);
    assert_int_equal(family, 4);
    flow_endpoint(ft, u, 1, addr, &port, &family);
    assert_memory_equal(addr, s2c.dst, 16);
    assert_int_equal(port, 40000);
    /* Created by the lower address */
    struct flow_tuple c2s = t4(CLIENT, 40001, SERVER, 587);
    u = flow_lookup(ft, &c2s, 2, &dir, &created);
    flow_endpoint(ft, u, 0, addr, &port, &family);
    assert_memory_equal(addr, c2s.src, 16);
    assert_int_equal(port, 40001);
    flow_endpoint(ft, u, 1, addr, &port, &family);
    assert_memory_equal(addr, c2s.dst, 16);
    assert_int_equal(port, 587);
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_idle_expiry_order(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 4);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 100, 10, KEY(5), on_close, &c);
    make(ft, 0, 0);
    make(ft, 1, 10);
    make(ft, 2, 20);
    bool created;
    find(ft, 0, 30, true, &created); /* flow 0 active again at 30 */
    assert_false(created);
    flow_expire(ft, 115);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], 1);
    assert_int_equal(c.why[0], FLOW_CLOSE_IDLE);
    flow_expire(ft, 119);
    assert_int_equal(c.n, 1);
    flow_expire(ft, 125);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[1], 2);
    flow_expire(ft, 135);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.ids[2], 0);
    assert_int_equal(c.why[2], FLOW_CLOSE_IDLE);
    assert_int_equal(flow_table_active(ft), 0);
    assert_int_equal(flow_table_stats(ft)->expired, 3);
    flow_table_destroy(ft);
    assert_int_equal(c.n, 3);
    closes_free(&c);
}

static void test_eviction_of_longest_idle(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 64);
    /* 16 is the smallest table (LIMIT_FLOWS_MIN) */
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 16, 1000000, 10, KEY(9), on_close, &c);
    for (uint32_t i = 0; i < 16; i++)
        make(ft, i, i);
    bool created;
    find(ft, 0, 100, false, &created); /* flow 0 is now the most recent */
    assert_false(created);
    make(ft, 16, 101);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], 1);
    assert_int_equal(c.why[0], FLOW_CLOSE_EVICTED);
    assert_int_equal(flow_table_active(ft), 16);
    make(ft, 17, 102);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[1], 2);
    /* The evicted flow comes back as a new one, evicting the next */
    struct user *u = find(ft, 1, 103, false, &created);
    assert_true(created);
    assert_int_equal(u->id, 0); /* user area zeroed */
    u->id = 1;
    assert_int_equal(c.ids[2], 3);
    assert_int_equal(flow_table_stats(ft)->evicted, 3);
    /* All survivors are still found */
    for (uint32_t i = 0; i < 18; i++) {
        if (i == 2 || i == 3)
            continue;
        u = find(ft, i, 104, true, &created);
        assert_false(created);
        assert_int_equal(u->id, i);
    }
    flow_table_destroy(ft);
    for (uint32_t i = 0; i < 18; i++)
        assert_true(c.per_id[i] >= 1);
    /* flow 1 was closed twice as two different flows; every other once */
    for (uint32_t i = 0; i < 18; i++)
        assert_int_equal(c.per_id[i], i == 1 ? 2 : 1);
    closes_free(&c);
}

/* The close callback of an evicted flow that wants its rest recognised. */
struct remembering {
    struct flow_table *ft;
    struct closes c;
};

static void remember_on_close(void *ctx, void *user, enum flow_close_reason why)
{
    struct remembering *r = ctx;
    on_close(&r->c, user, why);
    if (why == FLOW_CLOSE_EVICTED)
        flow_remember_evicted(r->ft, user);
}

static void test_evicted_flow_resumes(void **state)
{
    (void)state;
    struct remembering r;
    closes_init(&r.c, 64);
    r.ft = flow_table_create(sizeof(struct user), 16, 1000000, 10, KEY(10), remember_on_close, &r);
    for (uint32_t i = 0; i < 17; i++) /* flow 0 is evicted by flow 16 */
        make(r.ft, i, i);
    assert_int_equal(r.c.n, 1);
    assert_int_equal(r.c.ids[0], 0);
    bool created;
    struct user *u = find(r.ft, 0, 100, false, &created); /* the rest of flow 0 */
    assert_true(created);
    assert_true(flow_resumes_evicted(r.ft, u));
    assert_false(flow_resumes_evicted(r.ft, u)); /* forgotten once asked */
    u->id = 0;
    u = find(r.ft, 16, 101, false, &created); /* never evicted */
    assert_false(flow_resumes_evicted(r.ft, u));
    flow_table_destroy(r.ft);
    closes_free(&r.c);
}

/* Among the longest idle, a settled flow goes first. */
static void test_settled_flow_evicted_first(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 64);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 16, 1000000, 10, KEY(11), on_close, &c);
    struct user *users[16];
    for (uint32_t i = 0; i < 16; i++)
        users[i] = make(ft, i, i);
    flow_mark_settled(ft, users[5]);
    make(ft, 16, 100);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], 5); /* not flow 0, the longest idle */
    make(ft, 17, 101);
    assert_int_equal(c.ids[1], 0); /* then the longest idle again */
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_closing_list_linger(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 4);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 50, KEY(11), on_close, &c);
    struct user *u = make(ft, 0, 0);
    make(ft, 1, 0);
    flow_mark_closing(ft, u, 10);
    flow_mark_closing(ft, u, 30); /* a second mark does not extend the linger */
    flow_expire(ft, 59);
    assert_int_equal(c.n, 0);
    bool created;
    assert_ptr_equal(find(ft, 0, 59, true, &created), u); /* still there while lingering */
    assert_false(created);
    flow_expire(ft, 61);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], 0);
    assert_int_equal(c.why[0], FLOW_CLOSE_FINISHED);
    assert_int_equal(flow_table_active(ft), 1);
    /* The same four-tuple is a new flow now */
    u = find(ft, 0, 62, false, &created);
    assert_true(created);
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_close_now_and_destroy_reasons(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 8);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 50, KEY(13), on_close, &c);
    struct user *u[5];
    for (uint32_t i = 0; i < 5; i++)
        u[i] = make(ft, i, i);
    flow_close_now(ft, u[2], FLOW_CLOSE_REUSED);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.why[0], FLOW_CLOSE_REUSED);
    assert_int_equal(flow_table_active(ft), 4);
    flow_table_destroy(ft);
    assert_int_equal(c.n, 5);
    for (size_t i = 1; i < c.n; i++)
        assert_int_equal(c.why[i], FLOW_CLOSE_END);
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(c.per_id[i], 1);
    closes_free(&c);
}

static void test_close_all_keeps_table_usable(void **state)
{
    (void)state;
    struct closes c;
    closes_init(&c, 64);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100, 1000, 50, KEY(17), on_close, &c);
    for (uint32_t i = 0; i < 40; i++) {
        struct user *u = make(ft, i, i);
        memset(u->junk, 0xAB, sizeof u->junk);
    }
    flow_close_all(ft);
    assert_int_equal(c.n, 40);
    assert_int_equal(flow_table_active(ft), 0);
    /* Slots are reused; the user area of a new flow is zeroed */
    for (uint32_t i = 0; i < 20; i++) {
        bool created;
        struct user *u = find(ft, i, 100, false, &created);
        assert_true(created);
        assert_int_equal(u->id, 0);
        assert_int_equal(u->junk[0], 0);
        assert_int_equal(u->junk[2], 0);
    }
    flow_table_destroy(ft);
    closes_free(&c);
}

static void test_growth_many_flows(void **state)
{
    (void)state;
    const uint32_t n = 50000;
    struct closes c;
    closes_init(&c, n);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 100000, 1000000000, 50, KEY(19), on_close, &c);
    int dir;
    bool created;
    for (uint32_t i = 0; i < n; i++) {
        /* distinct client addresses and ports */
        struct flow_tuple t = t4(0x0A000000u + i, (uint16_t)(1024 + i % 60000), SERVER, 25);
        struct user *u = flow_lookup(ft, &t, i, &dir, &created);
        assert_non_null(u);
        assert_true(created);
        u->id = i;
    }
    assert_int_equal(flow_table_active(ft), n);
    assert_int_equal(flow_table_stats(ft)->max_active, n);
    assert_int_equal(c.n, 0);
    for (uint32_t i = 0; i < n; i++) {
        struct flow_tuple t = rev(t4(0x0A000000u + i, (uint16_t)(1024 + i % 60000), SERVER, 25));
        struct user *u = flow_lookup(ft, &t, n + i, &dir, &created);
        if (created || u->id != i || dir != 1)
            fail_msg("flow %u not found after growth", i);
    }
    flow_table_destroy(ft);
    assert_int_equal(c.n, n);
    closes_free(&c);
}

static void test_deletion_keeps_others_findable(void **state)
{
    (void)state;
    const uint32_t n = 20000;
    struct closes c;
    closes_init(&c, 3 * n);
    struct flow_table *ft =
        flow_table_create(sizeof(struct user), 4 * n, 1000000000, 50, KEY(23), on_close, &c);
    struct prng rng = prng_seed(0x5EED);
    struct user **users = calloc(3 * n, sizeof *users);
    bool *live = calloc(3 * n, sizeof *live);
    int dir;
    bool created;
    uint64_t now = 0;
    uint32_t next = 0;
    /* Three rounds: insert n keys that differ only in a few bits (same
     * addresses, consecutive ports), delete a random half. */
    for (int round = 0; round < 3; round++) {
        for (uint32_t k = 0; k < n; k++, next++) {
            struct flow_tuple t = t4(CLIENT, (uint16_t)(next % 65536), SERVER + next / 65536, 25);
            users[next] = flow_lookup(ft, &t, ++now, &dir, &created);
            assert_non_null(users[next]);
            assert_true(created);
            users[next]->id = next;
            live[next] = true;
        }
        for (uint32_t i = 0; i < next; i++) {
            if (live[i] && prng_next(&rng) % 2 == 0) {
                flow_close_now(ft, users[i], FLOW_CLOSE_FINISHED);
                live[i] = false;
            }
        }
        uint32_t alive = 0;
        for (uint32_t i = 0; i < next; i++) {
            if (!live[i])
                continue;
            alive++;
            struct flow_tuple t = rev(t4(CLIENT, (uint16_t)(i % 65536), SERVER + i / 65536, 25));
            struct user *u = flow_lookup(ft, &t, ++now, &dir, &created);
            if (created || u != users[i] || u->id != i)
                fail_msg("round %d: flow %u lost after deletions", round, i);
        }
        assert_int_equal(flow_table_active(ft), alive);
    }
    for (uint32_t i = 0; i < next; i++)
        assert_int_equal(c.per_id[i], live[i] ? 0 : 1);
    flow_table_destroy(ft);
    for (uint32_t i = 0; i < next; i++)
        assert_int_equal(c.per_id[i], 1);
    free(users);
    free(live);
    closes_free(&c);
}

static void test_entry_size(void **state)
{
    (void)state;
    assert_true(flow_entry_size(0) > 0);
    assert_true(flow_entry_size(1000) >= 1000);
    assert_true(flow_entry_size(1000) >= flow_entry_size(10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions_one_entry),
        cmocka_unit_test(test_same_address_both_ends_and_families),
        cmocka_unit_test(test_endpoint_zero_is_creator),
        cmocka_unit_test(test_idle_expiry_order),
        cmocka_unit_test(test_eviction_of_longest_idle),
        cmocka_unit_test(test_evicted_flow_resumes),
        cmocka_unit_test(test_settled_flow_evicted_first),
        cmocka_unit_test(test_closing_list_linger),
        cmocka_unit_test(test_close_now_and_destroy_reasons),
        cmocka_unit_test(test_close_all_keeps_table_usable),
        cmocka_unit_test(test_growth_many_flows),
        cmocka_unit_test(test_deletion_keeps_others_findable),
        cmocka_unit_test(test_entry_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
