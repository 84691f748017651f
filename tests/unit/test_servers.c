/*
 * test_servers.c - the per-server rows (report/servers.h).
 *
 * Contract under test: one row per (family, address, port), found again
 * through growth and staying where it is; past LIMIT_SERVERS servers the
 * rest share the "other" row; servers_add counts a session as the report
 * reads it; servers_sorted orders by sessions then address, "other" last,
 * the same under any hash key.
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
#include "tls_names.h"

static const struct hash_key key_a = {3, 4}, key_b = {0xFEEDFACECAFEBEEFull, 7};

static void addr_of(uint32_t i, uint8_t a[16])
{
    memset(a, 0, 16);
    a[0] = 10;
    a[1] = (uint8_t)(i >> 16);
    a[2] = (uint8_t)(i >> 8);
    a[3] = (uint8_t)i;
}

static struct session_record session(enum session_mode mode, uint16_t version, uint32_t cipher)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.server_port = 25;
    r.mode = mode;
    r.tls_version = version;
    r.cipher_key = cipher;
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
    struct session_record rec = session(SESSION_PLAINTEXT, 0, SESSION_NO_CIPHER);
    servers_add(o, &rec, GRADE_UNKNOWN, false, false);
    struct server_stats **v;
    size_t n;
    assert_int_equal(servers_sorted(s, &v, &n), 0);
    assert_int_equal(n, LIMIT_SERVERS + 1u);
    assert_true(v[n - 1]->other); /* last, though it has the most sessions */
    free(v);
    servers_free(s);
}

static void test_add_counts_a_session(void **state)
{
    (void)state;
    struct servers *s = servers_new(&key_a);
    uint8_t a[16];
    addr_of(1, a);
    struct server_stats *r = servers_get(s, 4, a, 25);

    struct session_record plain = session(SESSION_PLAINTEXT, 0, SESSION_NO_CIPHER);
    plain.starttls_offered = SESSION_FALSE;
    servers_add(r, &plain, GRADE_UNKNOWN, true, false); /* before any offer */
    servers_add(r, &plain, GRADE_UNKNOWN, true, true);  /* stripped: not "before" */
    assert_int_equal(servers_stripped_late(s), 0);      /* never offered */
    struct session_record tls = session(SESSION_STARTTLS, TLS_VERSION_TLS12, 0xC02F);
    tls.starttls_offered = SESSION_TRUE;
    servers_add(r, &tls, GRADE_RECOMMENDED, false, false);
    servers_add(r, &plain, GRADE_UNKNOWN, true, false); /* after the offer */
    assert_int_equal(servers_stripped_late(s), 1);
    for (uint32_t c = 1; c <= LIMIT_SERVER_CIPHERS + 1u; c++) {
        struct session_record t = session(SESSION_IMPLICIT_TLS, TLS_VERSION_TLS10, c);
        servers_add(r, &t, c == 3 ? GRADE_INSECURE : GRADE_WEAK, false, false);
    }
    struct session_record bad = session(SESSION_STARTTLS_FAILED, TLS_VERSION_TLS13, 0x1301);
    servers_add(r, &bad, GRADE_RECOMMENDED, true, false); /* failed: no version, no cipher */
    struct session_record unk = session(SESSION_UNKNOWN, 0, SESSION_NO_CIPHER);
    servers_add(r, &unk, GRADE_UNKNOWN, false, false);

    assert_int_equal(r->sessions, 4 + LIMIT_SERVER_CIPHERS + 1u + 2);
    assert_int_equal(r->encrypted, 1 + LIMIT_SERVER_CIPHERS + 1u);
    assert_int_equal(r->plaintext, 3);
    assert_int_equal(r->failed, 1);
    assert_int_equal(r->unknown, 1);
    assert_int_equal(r->offered, 1);
    assert_int_equal(r->not_offered, 3);
    assert_int_equal(r->not_offered_before_offer, 1);
    assert_int_equal(r->findings, 4);
    assert_int_equal(r->versions, 1u << SV_TLS12 | 1u << SV_TLS10);
    assert_int_equal(r->nciphers, LIMIT_SERVER_CIPHERS);
    assert_int_equal(r->ciphers[0], 0xC02F);
    assert_true(r->more_ciphers);
    assert_int_equal(r->worst, GRADE_INSECURE);
    servers_free(s);
}

/* The sorted rows, as text, under one key. */
static void sorted_under(const struct hash_key *key, char *out, size_t cap)
{
    struct servers *s = servers_new(key);
    uint8_t a[16];
    struct session_record r = session(SESSION_PLAINTEXT, 0, SESSION_NO_CIPHER);
    for (uint32_t i = 0; i < 300; i++) {
        addr_of(i % 50, a);
        struct server_stats *row = servers_get(s, i % 3 ? 4 : 6, a, (uint16_t)(25 + i % 2));
        for (uint32_t k = 0; k < i % 7; k++)
            servers_add(row, &r, GRADE_UNKNOWN, false, false);
    }
    struct server_stats **v;
    size_t n;
    assert_int_equal(servers_sorted(s, &v, &n), 0);
    size_t len = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%u/%u:%u=%llu ", v[i]->family, v[i]->addr[3],
                                v[i]->port, (unsigned long long)v[i]->sessions);
    for (size_t i = 1; i < n; i++)
        assert_true(v[i - 1]->sessions >= v[i]->sessions);
    free(v);
    servers_free(s);
}

static void test_sorted_whatever_the_key(void **state)
{
    (void)state;
    static char x[16384], y[16384];
    sorted_under(&key_a, x, sizeof x);
    sorted_under(&key_b, y, sizeof y);
    assert_string_equal(x, y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_row_per_server),
        cmocka_unit_test(test_overflow_row),
        cmocka_unit_test(test_add_counts_a_session),
        cmocka_unit_test(test_sorted_whatever_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
