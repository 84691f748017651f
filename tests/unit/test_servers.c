/*
 * test_servers.c - the per-server rows (report/servers.h).
 *
 * Contract under test: one row per (family, address, port), found again
 * through growth and staying where it is; past LIMIT_SERVERS servers the
 * rest share the "other" row; servers_add keeps the history the findings
 * need (offers, and sessions without STARTTLS before the first offer). The
 * server table of the report is peers.h (test_peers.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "servers.h"
#include "session.h"

static const struct hash_key key_a = {3, 4};

static void addr_of(uint32_t i, uint8_t a[16])
{
    memset(a, 0, 16);
    a[0] = 10;
    a[1] = (uint8_t)(i >> 16);
    a[2] = (uint8_t)(i >> 8);
    a[3] = (uint8_t)i;
}

static struct session_record session(enum session_mode mode)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.server_port = 25;
    r.mode = mode;
    r.starttls_offered = SESSION_NULL;
    return r;
}

static void test_one_row_per_server(void **state)
{
    (void)state;
    struct servers *s = servers_new(&key_a);
    assert_non_null(s);
    uint8_t a[16];
    addr_of(1, a);
    struct server_stats *r = servers_get(s, 4, a, 25);
    assert_false(r->other);
    assert_int_equal(r->port, 25);
    assert_ptr_equal(servers_get(s, 4, a, 25), r);
    assert_ptr_not_equal(servers_get(s, 4, a, 587), r);
    assert_ptr_not_equal(servers_get(s, 6, a, 25), r);
    const uint32_t n = 20000;
    struct server_stats **rows = calloc(n, sizeof *rows);
    assert_non_null(rows);
    for (uint32_t i = 0; i < n; i++) {
        addr_of(i + 100, a);
        rows[i] = servers_get(s, 4, a, 465);
    }
    for (uint32_t i = 0; i < n; i++) {
        addr_of(i + 100, a);
        if (servers_get(s, 4, a, 465) != rows[i])
            fail_msg("server %u moved or lost", i);
    }
    addr_of(1, a);
    assert_ptr_equal(servers_get(s, 4, a, 25), r);
    free(rows);
    servers_free(s);
}

static void test_overflow_row(void **state)
{
    (void)state;
    struct servers *s = servers_new(&key_a);
    uint8_t a[16];
    for (uint32_t i = 0; i < LIMIT_SERVERS; i++) {
        addr_of(i, a);
        assert_false(servers_get(s, 4, a, 25)->other);
    }
    addr_of(LIMIT_SERVERS, a);
    struct server_stats *o = servers_get(s, 4, a, 25);
    assert_true(o->other);
    addr_of(7, a);
    struct server_stats *r = servers_get(s, 4, a, 25);
    assert_false(r->other);
    assert_int_equal(r->addr[3], 7);
    struct session_record rec = session(SESSION_PLAINTEXT);
    rec.starttls_offered = SESSION_TRUE;
    servers_add(o, &rec, false, false);
    assert_int_equal(o->offered, 1);
    assert_int_equal(servers_stripped_late(s), 0); /* the other row is never judged */
    servers_free(s);
}

static void test_add_keeps_the_history(void **state)
{
    (void)state;
    struct servers *s = servers_new(&key_a);
    uint8_t a[16];
    addr_of(1, a);
    struct server_stats *r = servers_get(s, 4, a, 25);

    struct session_record plain = session(SESSION_PLAINTEXT);
    plain.starttls_offered = SESSION_FALSE;
    servers_add(r, &plain, true, false); /* before any offer */
    servers_add(r, &plain, true, true);  /* stripped: not "before" */
    assert_int_equal(servers_stripped_late(s), 0); /* never offered */
    struct session_record tls = session(SESSION_STARTTLS);
    tls.starttls_offered = SESSION_TRUE;
    servers_add(r, &tls, false, false);
    servers_add(r, &plain, true, false); /* after the offer */
    assert_int_equal(servers_stripped_late(s), 1);
    struct session_record unk = session(SESSION_UNKNOWN);
    servers_add(r, &unk, false, false);
    servers_add(r, &plain, false, false); /* a HELO's reply: it could not have shown STARTTLS */

    assert_int_equal(r->sessions, 6);
    assert_int_equal(r->offered, 1);
    assert_int_equal(r->not_offered, 3);
    assert_int_equal(r->not_offered_before_offer, 1);
    servers_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_row_per_server),
        cmocka_unit_test(test_overflow_row),
        cmocka_unit_test(test_add_keeps_the_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
