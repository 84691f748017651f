/* The JSON writers at their largest: a session record with every string
 * full of bytes that escape to six, every list full, every anomaly counted,
 * and a summary with every cipher suite seen; both must be one valid JSON
 * text well inside their caps (decode/caps.h). The goldens cover the
 * ordinary records byte for byte. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/json_check.h"
#include "json.h"

#define FILL(field) (memset((field), 0x01, sizeof(field) - 1), (field)[sizeof(field) - 1] = '\0')

static void worst_record(struct session_record *r, struct verdict *v)
{
    memset(r, 0, sizeof *r);
    memset(v, 0, sizeof *v);
    r->family = 6;
    memset(r->client, 0xFF, sizeof r->client);
    memset(r->server, 0xFF, sizeof r->server);
    r->start_us = r->end_us = UINT64_MAX;
    r->client_port = r->server_port = 65535;
    r->mode = SESSION_STARTTLS_FAILED;
    r->starttls_offered = SESSION_TRUE;
    r->starttls_reply = 999;
    r->greeting_code = 999;
    r->has_helo = true;
    FILL(r->helo);
    r->tls_version = 0x7F12;
    r->cipher_key = 0xFFFF;
    r->alert_level = 2;
    r->nverbs = 0;
    r->nleaked = SESSION_LEAK_COUNT;
    for (unsigned i = 0; i < SESSION_LEAK_COUNT; i++)
        r->leaked[i] = (uint8_t)i;
    r->commands = r->unknown_commands = r->gaps = r->overlap_conflicts = UINT32_MAX;
    r->gap_bytes = UINT64_MAX;
    r->packets[0] = r->packets[1] = r->bytes[0] = r->bytes[1] = UINT64_MAX;
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        r->anomalies[i] = UINT32_MAX;
    FILL(r->ndpi_protocol);
    FILL(r->ndpi_risks);
    FILL(r->greeting_host);
    FILL(r->ehlo_host);
    r->ncaps = LIMIT_SMTP_CAPS;
    for (unsigned i = 0; i < LIMIT_SMTP_CAPS; i++)
        FILL(r->caps[i]);
    FILL(r->auth_offered);
    FILL(r->auth_mechanism);
    FILL(r->starttls_reply_text);
    r->messages = r->rcpt_accepted = r->rcpt_rejected = UINT32_MAX;
    r->failure = SESSION_FAIL_INCOMPLETE;
    FILL(r->sni);
    r->client_version = 0x7F12;
    r->noffered_versions = LIMIT_TLS_VERSIONS_KEPT;
    for (unsigned i = 0; i < LIMIT_TLS_VERSIONS_KEPT; i++)
        r->offered_versions[i] = (uint16_t)(0xFF00 + i);
    r->noffered_suites = UINT16_MAX;
    for (unsigned i = 0; i < LIMIT_TLS_SUITES_KEPT; i++)
        r->offered_suites[i] = (uint16_t)(0xFF00 + i);
    r->ngroups = LIMIT_TLS_GROUPS_KEPT;
    for (unsigned i = 0; i < LIMIT_TLS_GROUPS_KEPT; i++)
        r->groups[i] = (uint16_t)(0xFE00 + i);
    FILL(r->alpn);
    memset(r->ja3, 'f', 32);
    memset(r->ja3s, 'f', 32);
    r->kx_group = 0xFEFF;
    r->dh_bits = UINT16_MAX;
    r->has_cert = true;
    r->cert_chain = UINT8_MAX;
    r->cert_key_bits = UINT16_MAX;
    FILL(r->cert_key_type);
    r->cert_not_before = r->cert_not_after = 253402300799; /* 9999-12-31 */
    FILL(r->cert_subject);
    FILL(r->cert_issuer);
    v->findings = (1u << FINDING_COUNT) - 1u;
    v->injection_client = v->injection_server = true;
    v->fallback_after_us = UINT64_MAX;
}

static void assert_json(const char *text, size_t len)
{
    assert_non_null(text);
    long bad = json_check((const uint8_t *)text, len);
    if (bad >= 0)
        fail_msg("invalid JSON at byte %ld of %zu", bad, len);
}

static void test_largest_record(void **state)
{
    (void)state;
    struct session_record r;
    struct verdict v;
    worst_record(&r, &v);
    struct jsonb b;
    jb_init(&b, LIMIT_JSON_RECORD);
    size_t len = 0;
    const char *line = json_session(&b, NULL, &r, &v, &len);
    assert_json(line, len);
    assert_true(line[len - 1] == '\n');
    assert_ptr_equal(memchr(line, '\n', len), line + len - 1);
    /* about 16 KB: the cap leaves room for the record to grow many times over */
    assert_in_range(len, 16000, 24000);
    assert_true(len * 40 < LIMIT_JSON_RECORD);

    /* the builder reused for a small record writes what a fresh one does */
    struct session_record small;
    struct verdict none;
    memset(&small, 0, sizeof small);
    memset(&none, 0, sizeof none);
    small.family = 4;
    small.cipher_key = SESSION_NO_CIPHER;
    const char *again = json_session(&b, NULL, &small, &none, &len);
    assert_json(again, len);
    char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, again, len);
    struct jsonb fresh;
    jb_init(&fresh, LIMIT_JSON_RECORD);
    size_t flen = 0;
    const char *f = json_session(&fresh, NULL, &small, &none, &flen);
    assert_int_equal(flen, len);
    assert_memory_equal(f, copy, len);
    free(copy);
    jb_free(&fresh);
    jb_free(&b);
}

static void test_write_session_is_one_line(void **state)
{
    (void)state;
    struct session_record r;
    struct verdict v;
    worst_record(&r, &v);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(json_write_session(f, NULL, &r, &v), 0);
    assert_int_equal(json_write_session(f, NULL, &r, &v), 0);
    assert_int_equal(fclose(f), 0);
    assert_true(len > 2 && len % 2 == 0);
    assert_memory_equal(buf, buf + len / 2, len / 2);
    assert_json(buf, len / 2);
    free(buf);
}

static void test_largest_summary(void **state)
{
    (void)state;
    static const struct hash_key key = {3, 4};
    static struct home_net home;
    char err[256];
    assert_int_equal(home_net_parse(&home, "::/1", err, sizeof err), 0);
    struct aggregate_config cfg = {.key = key, .directions = true, .bin_s = 1};
    struct aggregate a;
    assert_int_equal(aggregate_init(&a, &cfg), 0);
    struct findings *fi = findings_new(&key, &home);
    assert_non_null(fi);
    /* many servers and clients, each with its own cipher, name and domains;
     * a session per second: every bin of the timeline */
    for (unsigned i = 0; i < LIMIT_TIMELINE_BINS; i++) {
        struct session_record r;
        struct verdict v;
        worst_record(&r, &v);
        r.server[14] = r.client[14] = (uint8_t)(i >> 8);
        r.server[15] = r.client[15] = (uint8_t)i;
        r.server[0] = (uint8_t)(i % 2 ? 0x00 : 0xFF); /* inbound and external */
        r.greeting_host[0] = (char)('a' + i % 26);
        r.helo[0] = (char)('a' + i % 26);
        r.start_us = r.end_us = (uint64_t)i * 1000000u;
        r.mode = SESSION_STARTTLS;
        r.tls_version = 0x0303;
        r.cipher_key = i;
        r.domains_kept = true;
        FILL(r.mail_from_domain);
        r.mail_from_domain[0] = (char)('a' + i % 26);
        findings_judge(fi, &r, &v);
        aggregate_add(&a, &r, &v);
    }
    for (uint32_t i = 0; i < 65536u; i++) { /* every suite seen, in every direction */
        a.cipher_counts[i] = UINT32_MAX;
        for (unsigned d = DIRECTION_NONE + 1; d < DIRECTION_COUNT; d++)
            a.dirs[d]->cipher_counts[i] = UINT32_MAX;
    }
    a.cipher_lo = 0, a.cipher_hi = 65535;
    for (unsigned d = DIRECTION_NONE + 1; d < DIRECTION_COUNT; d++)
        a.dirs[d]->cipher_lo = 0, a.dirs[d]->cipher_hi = 65535;
    struct aggregate_capture cap;
    memset(&cap, 0, sizeof cap);
    cap.capture.live = true;
    cap.home = &home;
    struct jsonb b;
    jb_init(&b, LIMIT_JSON_SUMMARY);
    size_t len = 0;
    const char *text = json_summary(&b, &a, &cap, fi, &len);
    assert_json(text, len);
    assert_true(text[len - 1] == '\n');
    assert_true(len + len / 4 < LIMIT_JSON_SUMMARY); /* 24 MB, most of it five cipher lists */
    jb_free(&b);
    findings_free(fi);
    aggregate_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_largest_record),
        cmocka_unit_test(test_write_session_is_one_line),
        cmocka_unit_test(test_largest_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
