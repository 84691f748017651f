/* Records read back (report/record_read.h): every field of a record written
 * by json_session comes back as it was; every prefix of a record, a key
 * missing, of the wrong type or unknown, strings too long, deep nesting,
 * bytes that are not UTF-8, duplicate keys: a status and one line, never a
 * crash. The golden records' round trip is tests/tools/record_roundtrip.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "json.h"
#include "record_read.h"
#include "smtp.h"

struct fixture {
    struct record_reader *rr;
    struct community_id *cid;
    struct jsonb b;
    struct record_read out;
    char why[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->rr = record_reader_new();
    f->cid = community_id_new();
    jb_init(&f->b, LIMIT_JSON_RECORD);
    *state = f;
    return f->rr && f->cid ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    record_reader_free(f->rr);
    community_id_free(f->cid);
    jb_free(&f->b);
    free(f);
    return 0;
}

#define SET(field, s) snprintf((field), sizeof(field), "%s", (s))

/* A record with every field set, none to its zero value where it has one. */
static void full_record(struct session_record *r, struct verdict *v)
{
    memset(r, 0, sizeof *r);
    memset(v, 0, sizeof *v);
    r->start_us = 1796000000123456ull;
    r->end_us = 1796000007000001ull;
    r->family = 6;
    static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(r->client, c6, 16);
    memcpy(r->server, s6, 16);
    r->client_port = 51234;
    r->server_port = 587;
    r->mode = SESSION_STARTTLS_FAILED;
    r->starttls_offered = SESSION_TRUE;
    r->starttls_reply = 220;
    r->starttls_attempts = 3;
    r->nstarttls_replies = 2;
    r->starttls_replies[0] = 503;
    r->starttls_replies[1] = 220;
    r->greeting_code = 220;
    r->has_helo = true;
    SET(r->helo, "client.example.org");
    r->syn_seen = true;
    r->end = SESSION_END_IDLE;
    r->tls_version = 0x7F17; /* TLSv1.3-draft23 */
    r->cipher_key = 0xC030;
    r->hrr = true;
    r->alert_level = 2;
    r->alert_desc = 40;
    r->nverbs = 4;
    r->verbs[0] = SMTP_VERB_EHLO;
    r->verbs[1] = SMTP_VERB_STARTTLS;
    r->verbs[2] = SMTP_VERB_MAIL;
    r->verbs[3] = SMTP_VERB_XFORWARD;
    r->nleaked = 2;
    r->leaked[0] = SESSION_LEAK_MAIL;
    r->leaked[1] = SESSION_LEAK_AUTH;
    r->commands = 9;
    r->unknown_commands = 2;
    r->gaps = 3;
    r->overlap_conflicts = 4;
    r->packets[SIDE_CLIENT] = 12;
    r->packets[SIDE_SERVER] = 13;
    r->bytes[SIDE_CLIENT] = 1400;
    r->bytes[SIDE_SERVER] = 5000000000ull;
    r->anomalies[0] = 1;
    r->anomalies[ANOMALY_COUNT - 1] = 7;
    SET(r->ndpi_protocol, "SMTP");
    SET(r->ndpi_risks, "Known Protocol on Non Standard Port; Unsafe Protocol");
    SET(r->greeting_host, "mx.example.net");
    SET(r->ehlo_host, "mx2.example.net");
    r->ncaps = 3;
    SET(r->caps[0], "PIPELINING");
    SET(r->caps[1], "STARTTLX");
    SET(r->caps[2], "AUTH");
    SET(r->auth_offered, "PLAIN LOGIN");
    SET(r->auth_mechanism, "PLAIN");
    SET(r->starttls_reply_text, "2.0.0 Ready to start TLS");
    r->strip_marks = true;
    r->client_injection = true;
    r->server_injection = true;
    r->messages = 5;
    r->domains_kept = true;
    SET(r->mail_from_domain, "example.org");
    memcpy(r->rcpt_domains, "a.example\0b.example\0", 20);
    r->nrcpt_domains = 2;
    r->rcpt_domains_dropped = 6;
    r->rcpt_accepted = 7;
    r->rcpt_rejected = 8;
    r->failure = SESSION_FAIL_INCOMPLETE;
    SET(r->sni, "mx.example.net");
    r->client_version = 0x0303;
    r->noffered_versions = 3;
    r->offered_versions[0] = 0x0304;
    r->offered_versions[1] = 0x0303;
    r->offered_versions[2] = 0x0A0A; /* a number without a name */
    r->noffered_suites = 70;
    for (unsigned i = 0; i < LIMIT_TLS_SUITES_KEPT; i++)
        r->offered_suites[i] = (uint16_t)(0xC000 + i);
    r->ngroups = 3;
    r->groups[0] = 29;
    r->groups[1] = 23;
    r->groups[2] = 0x1234;
    SET(r->alpn, "smtp,h2");
    SET(r->ja3, "0123456789abcdef0123456789abcdef");
    SET(r->ja3s, "fedcba9876543210fedcba9876543210");
    r->kx_group = 0x11EC;
    r->dh_bits = 2048;
    r->has_cert = true;
    r->cert_self_signed = true;
    r->cert_chain = 3;
    r->cert_key_bits = 4096;
    SET(r->cert_key_type, "RSA");
    r->cert_not_before = -86400 * 365; /* 1969 */
    r->cert_not_after = 1700000000;
    SET(r->cert_subject, "CN=mx.example.net,O=Example");
    SET(r->cert_issuer, "CN=Example CA");
    v->findings = 1u << FINDING_STARTTLS_INJECTION | 1u << FINDING_TLS_HANDSHAKE_FAILED |
                  1u << FINDING_TLS_FALLBACK_CLEARTEXT;
    v->injection_client = v->injection_server = true;
    v->fallback_after_us = 1795999999000000ull;
    v->grade = GRADE_RECOMMENDED;
    v->direction = DIRECTION_OUTBOUND;
    v->session_class = CLASS_MAIL;
}

/* The record as json_session writes it, copied with a NUL (free it). */
static char *write(struct fixture *f, const struct session_record *r, const struct verdict *v,
                   const char *sensor, size_t *len)
{
    struct json_context ctx = {sensor, f->cid};
    const char *line = json_session(&f->b, &ctx, r, v, len);
    assert_non_null(line);
    char *copy = malloc(*len + 1);
    memcpy(copy, line, *len);
    copy[*len] = '\0';
    return copy;
}

static enum record_status read_text(struct fixture *f, const char *s)
{
    return record_read(f->rr, s, strlen(s), &f->out, f->why, sizeof f->why);
}

/* Every field back as it was, and the same bytes written again. */
static void test_every_field(void **state)
{
    struct fixture *f = *state;
    struct session_record r;
    struct verdict v;
    full_record(&r, &v);
    size_t len;
    char *line = write(f, &r, &v, "gw1", &len);
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why), RECORD_OK);
    assert_memory_equal(&f->out.rec, &r, sizeof r);
    assert_string_equal(f->out.sensor, "gw1");
    assert_true(f->out.has_sensor);
    assert_int_equal(f->out.unknown_keys, 0);
    assert_int_equal(f->out.verdict.findings, v.findings);
    assert_true(f->out.verdict.injection_client && f->out.verdict.injection_server);
    assert_true(f->out.verdict.fallback_after_us == v.fallback_after_us);
    assert_int_equal(f->out.verdict.grade, v.grade);
    assert_int_equal(f->out.verdict.direction, v.direction);
    assert_int_equal(f->out.verdict.session_class, v.session_class);
    size_t len2;
    char *again = write(f, &f->out.rec, &f->out.verdict, f->out.sensor, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(again, line, len);
    free(again);
    free(line);

    /* IPv4, nothing of TLS, no domains (--no-domains), no sensor. */
    memset(&r, 0, sizeof r);
    memset(&v, 0, sizeof v);
    r.family = 4;
    memcpy(r.client, "\xc0\x00\x02\x01", 4);
    memcpy(r.server, "\xc0\x00\x02\x02", 4);
    r.start_us = r.end_us = 5;
    r.cipher_key = SESSION_NO_CIPHER;
    r.starttls_offered = SESSION_NULL;
    line = write(f, &r, &v, NULL, &len);
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why), RECORD_OK);
    assert_memory_equal(&f->out.rec, &r, sizeof r);
    assert_false(f->out.has_sensor);
    free(line);
}

/* Names that are no registry's, lossy names, SSLv2: written again alike. */
static void test_odd_values(void **state)
{
    struct fixture *f = *state;
    struct session_record r;
    struct verdict v;
    full_record(&r, &v);
    r.tls_version = 0xFB05;                         /* TLSv1.3-fb5 */
    r.cipher_key = SESSION_CIPHER_SSLV2 | 0x0700C0; /* an SSLv2 kind */
    r.alert_level = 9;                              /* "other" */
    r.alert_desc = 250;                             /* "unknown" */
    r.cert_not_after = 0;                           /* unreadable: null */
    size_t len;
    char *line = write(f, &r, &v, "gw1", &len);
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why), RECORD_OK);
    assert_int_equal(f->out.rec.tls_version, 0xFB05);
    assert_int_equal(f->out.rec.cipher_key, r.cipher_key);
    assert_int_equal(f->out.rec.cert_not_after, 0);
    size_t len2;
    char *again = write(f, &f->out.rec, &f->out.verdict, f->out.sensor, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(again, line, len);
    free(again);
    free(line);
}

/* Wire bytes that are not UTF-8, control characters, quotes: the record's
 * bytes come back, not the characters their escapes decode to. */
static void test_bytes_not_utf8(void **state)
{
    struct fixture *f = *state;
    struct session_record r;
    struct verdict v;
    full_record(&r, &v);
    /* a lone 0xE9 (escaped as \u00e9), then a valid e-acute (C3 A9, as it is), 0x01, '"', '\' */
    SET(r.helo, "\xE9t\xC3\xA9\x01\"\\\x80\xFF");
    SET(r.greeting_host, "\xC3");
    memcpy(r.rcpt_domains, "m\xC3\xBCnchen.example\0\xFC.example\0", 28);
    size_t len;
    char *line = write(f, &r, &v, "gw1", &len);
    assert_non_null(strstr(line, "\"helo\": \"\\u00e9t\xC3\xA9\\u0001\\\"\\\\\\u0080\\u00ff\""));
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why), RECORD_OK);
    assert_string_equal(f->out.rec.helo, r.helo);
    assert_string_equal(f->out.rec.greeting_host, "\xC3");
    assert_memory_equal(f->out.rec.rcpt_domains, r.rcpt_domains, 28);
    free(line);

    /* An escaped backslash before "u00e9" is no escape of a byte. */
    SET(r.helo, "\\u00e9");
    line = write(f, &r, &v, "gw1", &len);
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why), RECORD_OK);
    assert_string_equal(f->out.rec.helo, "\\u00e9");
    free(line);

    /* Raw bytes that are not UTF-8 are not JSON; a NUL of its own is refused. */
    line = write(f, &r, &v, "gw1", &len);
    char *h = strstr(line, "\"helo\": \"") + 9;
    h[0] = (char)0xE9;
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why),
                     RECORD_NOT_JSON);
    assert_non_null(strstr(f->why, "not JSON"));
    memcpy(h, "\\u0000", 6);
    assert_int_equal(record_read(f->rr, line, len, &f->out, f->why, sizeof f->why),
                     RECORD_BAD_VALUE);
    assert_non_null(strstr(f->why, "\"helo\""));
    free(line);
}

/* The record of test_every_field, with key's value replaced by value (a
 * JSON text), or without key when value is NULL. */
static enum record_status edited(struct fixture *f, const char *key, const char *value)
{
    struct session_record r;
    struct verdict v;
    full_record(&r, &v);
    size_t len;
    char *line = write(f, &r, &v, "gw1", &len);
    char pattern[80];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = strstr(line, pattern);
    assert_non_null(at);
    /* the value ends at the comma or brace that closes it at depth 0 */
    const char *p = at + strlen(pattern);
    int depth = 0;
    bool in_string = false;
    for (; *p; p++) {
        if (in_string) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_string = false;
            continue;
        }
        if (*p == '"')
            in_string = true;
        else if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && depth-- == 0)
            break;
        else if (*p == ',' && depth == 0)
            break;
    }
    size_t vlen = value ? strlen(value) : 0;
    char *out = malloc(len + vlen + 1);
    size_t n = 0;
    if (value) {
        size_t head = (size_t)(at - line) + strlen(pattern);
        memcpy(out, line, head);
        n = head;
        memcpy(out + n, value, vlen);
        n += vlen;
        memcpy(out + n, p, len - (size_t)(p - line));
        n += len - (size_t)(p - line);
    } else { /* drop the member and its separator */
        size_t head = (size_t)(at - line);
        const char *tail = *p == ',' ? p + 2 : p;
        if (*p != ',' && head >= 2)
            head -= 2;
        memcpy(out, line, head);
        n = head;
        memcpy(out + n, tail, len - (size_t)(tail - line));
        n += len - (size_t)(tail - line);
    }
    enum record_status st = record_read(f->rr, out, n, &f->out, f->why, sizeof f->why);
    free(out);
    free(line);
    return st;
}

static const char *const facts[] = {
    "start",
    "client",
    "client_port",
    "server",
    "server_port",
    "mode",
    "starttls_offered",
    "starttls_reply",
    "helo",
    "tls_version",
    "cipher_id",
    "cleartext_commands",
    "leaked",
    "failure",
    "syn_seen",
    "gaps",
    "overlap_conflicts",
    "greeting_code",
    "greeting_host",
    "ehlo_host",
    "capabilities",
    "strip_marks",
    "auth_offered",
    "auth_mechanism",
    "starttls_reply_text",
    "starttls_attempts",
    "starttls_replies",
    "injection_client",
    "injection_server",
    "messages",
    "rcpt_accepted",
    "rcpt_rejected",
    "commands",
    "unknown_commands",
    "mail_from_domain",
    "rcpt_domains",
    "rcpt_domains_dropped",
    "sni",
    "client_version",
    "offered_versions",
    "offered_ciphers_count",
    "offered_ciphers",
    "groups",
    "alpn",
    "ja3",
    "ja3s",
    "key_exchange_group",
    "dh_bits",
    "hello_retry",
    "alert",
    "certificate",
    "end",
    "end_reason",
    "packets",
    "bytes",
    "ndpi_protocol",
    "ndpi_risks",
    "anomalies",
    "sensor",
};
static const char *const derived_keys[] = {
    "community_id", "class",           "direction", "cipher",   "cipher_iana",
    "findings",     "finding_details", "grade",     "duration",
};

/* A fact missing is a bad record naming it (an older smtptls); what a
 * writer derived may be missing. */
static void test_missing_keys(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        assert_int_equal(edited(f, facts[i], NULL), RECORD_MISSING);
        char want[80];
        snprintf(want, sizeof want, "missing key \"%s\"", facts[i]);
        assert_string_equal(f->why, want);
    }
    for (size_t i = 0; i < sizeof derived_keys / sizeof derived_keys[0]; i++)
        assert_int_equal(edited(f, derived_keys[i], NULL), RECORD_OK);
    assert_int_equal(edited(f, "subject", NULL), RECORD_MISSING);
    assert_string_equal(f->why, "missing key \"certificate.subject\"");
    assert_int_equal(edited(f, "level", NULL), RECORD_MISSING);
}

/* Keys of a newer smtptls: counted and named, the record read. */
static void test_unknown_keys(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(edited(f, "sensor", "\"gw1\", \"tls_ech\": true"), RECORD_OK);
    assert_int_equal(f->out.unknown_keys, 1);
    assert_string_equal(f->out.unknown_key, "tls_ech");
    assert_int_equal(edited(f, "chain_length", "3, \"sct\": [1, 2]"), RECORD_OK);
    assert_string_equal(f->out.unknown_key, "certificate.sct");
    assert_int_equal(edited(f, "anomalies", "{\"quantum-noise\": 2}"), RECORD_OK);
    assert_string_equal(f->out.unknown_key, "anomalies.quantum-noise");
    assert_int_equal(edited(f, "finding_details", "{\"injection\": \"both\", \"x\": 1}"),
                     RECORD_OK);
    assert_string_equal(f->out.unknown_key, "finding_details.x");
}

static bool among(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

/* The replacements of test_mistyped that are of the key's type after all. */
static bool legit(const char *key, const char *value, unsigned unknown)
{
    static const char *const bools[] = {"starttls_offered", "syn_seen",         "strip_marks",
                                        "injection_client", "injection_server", "hello_retry"};
    static const char *const texts[] = {"helo",
                                        "greeting_host",
                                        "ehlo_host",
                                        "auth_offered",
                                        "auth_mechanism",
                                        "starttls_reply_text",
                                        "mail_from_domain",
                                        "sni",
                                        "alpn",
                                        "ja3",
                                        "ja3s",
                                        "ndpi_protocol",
                                        "sensor"};
    if (strcmp(value, "true") == 0)
        return among(key, bools, sizeof bools / sizeof bools[0]);
    if (value[0] == '"')
        return among(key, texts, sizeof texts / sizeof texts[0]);
    if (strcmp(value, "[1]") == 0)
        return strcmp(key, "starttls_replies") == 0;
    return value[0] == '{' && strcmp(key, "anomalies") == 0 && unknown == 1;
}

/* Every key given values of every other type: never read as the record. */
static void test_mistyped(void **state)
{
    struct fixture *f = *state;
    static const char *const values[] = {
        "\"text\"", "-1", "1.5", "true", "[1]", "{\"a\": 1}", "18446744073709551616", "\"\""};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            enum record_status st = edited(f, facts[i], values[k]);
            /* "" is a legitimate string value and {"a": 1} a legitimate
             * anomalies object (an unknown anomaly). */
            if (st == RECORD_OK)
                assert_true(legit(facts[i], values[k], f->out.unknown_keys));
            else
                assert_true(st == RECORD_BAD_VALUE || st == RECORD_MISSING ||
                            st == RECORD_NOT_JSON);
        }
    assert_int_equal(edited(f, "client_port", "65536"), RECORD_BAD_VALUE);
    assert_string_equal(f->why, "\"client_port\": out of range (0 to 65535)");
    assert_int_equal(edited(f, "start", "\"yesterday\""), RECORD_BAD_VALUE);
    assert_int_equal(edited(f, "server", "\"192.0.2.1\""), RECORD_BAD_VALUE); /* v4 and v6 */
    assert_int_equal(edited(f, "mode", "\"encrypted\""), RECORD_BAD_VALUE);
    assert_int_equal(edited(f, "offered_ciphers", "[\"0xC000\"]"), RECORD_BAD_VALUE);
    assert_int_equal(edited(f, "findings", "[\"ok\"]"), RECORD_BAD_VALUE);
    assert_int_equal(edited(f, "class", "7"), RECORD_BAD_VALUE);
    assert_int_equal(edited(f, "not_after", "\"2023-11-14T22:13:20.5Z\""), RECORD_BAD_VALUE);
}

/* Strings longer than the record keeps, huge values of unknown keys. */
static void test_huge(void **state)
{
    struct fixture *f = *state;
    size_t big = 900000;
    char *value = malloc(big + 3);
    value[0] = '"';
    memset(value + 1, 'a', big);
    value[big + 1] = '"';
    value[big + 2] = '\0';
    assert_int_equal(edited(f, "helo", value), RECORD_BAD_VALUE);
    assert_non_null(strstr(f->why, "more than 255 bytes"));
    char helo[260];
    snprintf(helo, sizeof helo, "\"%.255s\"", value + 1);
    assert_int_equal(edited(f, "helo", helo), RECORD_OK); /* 255 bytes fit */
    char sensor[80];
    snprintf(sensor, sizeof sensor, "\"%.65s\"", value + 1);
    assert_int_equal(edited(f, "sensor", sensor), RECORD_BAD_VALUE);
    /* a huge value of a key this version does not know */
    char *member = malloc(big + 40);
    snprintf(member, big + 40, "\"gw1\", \"future\": %s", value);
    assert_int_equal(edited(f, "sensor", member), RECORD_OK);
    assert_int_equal(edited(f, "capabilities",
                            "[\"A\", \"B\", \"C\", \"D\", \"E\", \"F\", "
                            "\"G\", \"H\", \"I\", \"J\", \"K\", \"L\", \"M\", "
                            "\"N\", \"O\", \"P\", \"Q\", \"R\", \"S\", \"T\", "
                            "\"U\", \"V\", \"W\", \"X\", \"Y\"]"),
                     RECORD_BAD_VALUE);
    free(member);
    free(value);
}

/* Nesting far past jansson's depth limit, at the top and inside a member. */
static void test_deep(void **state)
{
    struct fixture *f = *state;
    size_t depth = 100000;
    char *s = malloc(2 * depth + 64);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    assert_int_equal(read_text(f, s), RECORD_NOT_JSON);
    char *member = malloc(2 * depth + 64);
    snprintf(member, 2 * depth + 64, "\"gw1\", \"deep\": %s", s);
    assert_int_equal(edited(f, "sensor", member), RECORD_NOT_JSON);
    free(member);
    free(s);
}

/* Every prefix of a record (a line cut short): not read, no crash. */
static void test_prefixes(void **state)
{
    struct fixture *f = *state;
    struct session_record r;
    struct verdict v;
    full_record(&r, &v);
    size_t len;
    char *line = write(f, &r, &v, "gw1", &len);
    for (size_t k = 0; k + 1 < len; k++) {
        char *cut = malloc(k ? k : 1); /* exactly k bytes: an over-read is ASan's */
        memcpy(cut, line, k);
        enum record_status st = record_read(f->rr, cut, k, &f->out, f->why, sizeof f->why);
        assert_int_equal(st, RECORD_NOT_JSON);
        free(cut);
    }
    assert_int_equal(record_read(f->rr, line, len - 1, &f->out, f->why, sizeof f->why), RECORD_OK);
    free(line);
}

static void test_not_records(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(read_text(f, "[1, 2]"), RECORD_NOT_OBJECT);
    assert_int_equal(read_text(f, "\"start\""), RECORD_NOT_OBJECT);
    assert_int_equal(read_text(f, "{}"), RECORD_MISSING);
    assert_string_equal(f->why, "missing key \"start\"");
    assert_int_equal(read_text(f, ""), RECORD_NOT_JSON);
    assert_int_equal(read_text(f, "{\"a\": 1} {\"b\": 2}"), RECORD_NOT_JSON);
    assert_int_equal(read_text(f, "smtptls: 4 SMTP sessions in 80 packets"), RECORD_NOT_JSON);
    assert_int_equal(edited(f, "sensor", "\"gw1\", \"start\": \"2026-01-01\""), RECORD_NOT_JSON);
    assert_non_null(strstr(f->why, "duplicate"));
    assert_string_equal(record_status_name(RECORD_MISSING), "missing key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field),    cmocka_unit_test(test_odd_values),
        cmocka_unit_test(test_bytes_not_utf8), cmocka_unit_test(test_missing_keys),
        cmocka_unit_test(test_unknown_keys),   cmocka_unit_test(test_mistyped),
        cmocka_unit_test(test_huge),           cmocka_unit_test(test_deep),
        cmocka_unit_test(test_prefixes),       cmocka_unit_test(test_not_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
