/*
 * test_aggregate.c - the report's sorted views and writers when memory runs
 * out: aggregate_init fails cleanly, aggregate_ciphers and peers_sorted tell
 * "out of memory" (-1) from "none" (0 entries), and the summary and text
 * writers pass it on. calloc
 * is wrapped at link time (-Wl,--wrap=calloc) so a test can make the next
 * calls fail.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "aggregate.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "peers.h"
#include "text.h"

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static unsigned calloc_fail_after = ~0u; /* calls left before they fail */

void *__wrap_calloc(size_t n, size_t size)
{
    if (calloc_fail_after == 0)
        return NULL;
    if (calloc_fail_after != ~0u)
        calloc_fail_after--;
    return __real_calloc(n, size);
}

static void fail_callocs_after(unsigned n)
{
    calloc_fail_after = n;
}

static void callocs_work(void)
{
    calloc_fail_after = ~0u;
}

static struct session_record tls12(uint8_t server, uint32_t cipher)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.client[0] = 10, r.client[3] = 1;
    r.server[0] = 10, r.server[3] = server;
    r.client_port = 40000;
    r.server_port = 25;
    r.mode = SESSION_STARTTLS;
    r.starttls_offered = SESSION_TRUE;
    r.starttls_reply = 220;
    r.tls_version = 0x0303;
    r.cipher_key = cipher;
    r.start_us = r.end_us = 1796000000ull * 1000000ull;
    return r;
}

struct world {
    struct aggregate agg;
    struct findings *fi;
};

static void world_init(struct world *w, size_t nsessions)
{
    static const struct hash_key key = {1, 2};
    assert_int_equal(aggregate_init(&w->agg, NULL), 0);
    w->fi = findings_new(&key, NULL);
    assert_non_null(w->fi);
    for (size_t i = 0; i < nsessions; i++) {
        struct session_record r = tls12((uint8_t)(20 + i % 3), i % 2 ? 0xC02Fu : 0x009Cu);
        struct verdict v;
        findings_judge(w->fi, &r, &v);
        aggregate_add(&w->agg, &r, &v);
    }
}

static void world_free(struct world *w)
{
    aggregate_free(&w->agg);
    findings_free(w->fi);
}

static void test_ciphers_none_is_not_failure(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 0);
    struct aggregate_cipher *cs = (struct aggregate_cipher *)&w; /* must be overwritten */
    size_t n = 99;
    fail_callocs_after(0); /* nothing to allocate: no failure either */
    assert_int_equal(aggregate_ciphers(&w.agg, &cs, &n), 0);
    callocs_work();
    assert_null(cs);
    assert_int_equal(n, 0);
    world_free(&w);
}

static void test_ciphers_out_of_memory(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 4);
    struct aggregate_cipher *cs;
    size_t n = 99;
    assert_int_equal(aggregate_ciphers(&w.agg, &cs, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cs[0].count, 2);
    free(cs);
    fail_callocs_after(0);
    assert_int_equal(aggregate_ciphers(&w.agg, &cs, &n), -1);
    callocs_work();
    assert_null(cs);
    assert_int_equal(n, 0);
    world_free(&w);
}

static void test_servers_out_of_memory(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 0);
    struct peer_stats **v;
    size_t n = 99;
    assert_int_equal(peers_sorted(w.agg.servers, &v, &n), 0);
    assert_null(v);
    assert_int_equal(n, 0);
    world_free(&w);

    world_init(&w, 5);
    assert_int_equal(peers_sorted(w.agg.servers, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(v[0]->sessions, 2);
    free(v);
    fail_callocs_after(0);
    assert_int_equal(peers_sorted(w.agg.servers, &v, &n), -1);
    callocs_work();
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(findings_stripped_late(w.fi), 0); /* never allocates */
    world_free(&w);
}

/* Each allocation aggregate_init makes fails in turn: -1, and
 * aggregate_free releases what was made (LeakSanitizer checks). */
static void test_init_out_of_memory(void **state)
{
    (void)state;
    struct aggregate_config cfg = {.key = {1, 2}, .directions = true};
    unsigned callocs = 0;
    for (;; callocs++) {
        struct aggregate a;
        fail_callocs_after(callocs);
        int rc = aggregate_init(&a, &cfg);
        callocs_work();
        aggregate_free(&a);
        if (rc == 0)
            break;
        assert_true(callocs < 64);
    }
    assert_true(callocs >= 8);
}

static int text_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                       const struct findings *fi)
{
    return text_write_report(f, a, cap, fi, 0);
}

typedef int (*writer)(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi);

/* Each calloc a writer makes fails in turn, and it says so. */
static void writer_fails_cleanly(writer write)
{
    struct world w;
    world_init(&w, 5);
    struct aggregate_capture cap = {.decode = {.packets = 50, .flows = 5}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    unsigned callocs = 0;
    for (;; callocs++) {
        rewind(f);
        fail_callocs_after(callocs);
        int rc = write(f, &w.agg, &cap, w.fi);
        callocs_work();
        if (rc == 0)
            break;
        assert_int_equal(rc, -1);
        assert_true(callocs < 16);
    }
    assert_true(callocs >= 2); /* ciphers and servers at least */
    assert_int_equal(fclose(f), 0);
    free(buf);
    world_free(&w);
}

static void test_summary_out_of_memory(void **state)
{
    (void)state;
    writer_fails_cleanly(json_write_summary);
}

static void test_text_out_of_memory(void **state)
{
    (void)state;
    writer_fails_cleanly(text_report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ciphers_none_is_not_failure),
        cmocka_unit_test(test_ciphers_out_of_memory),
        cmocka_unit_test(test_servers_out_of_memory),
        cmocka_unit_test(test_init_out_of_memory),
        cmocka_unit_test(test_summary_out_of_memory),
        cmocka_unit_test(test_text_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
