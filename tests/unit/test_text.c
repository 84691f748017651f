/*
 * test_text.c - what the report says (report/text.h, json.h), on sessions
 * made to the purpose.
 *
 * Contract under test: an empty capture gets no "Nothing urgent"; the
 * obsolete protocol line lists only the obsolete versions; AUTH in clear
 * gets its advice; one session is "1 session"; probes never count as
 * sessions that stayed in clear, and the headline gives the share without
 * them; advice follows direction (the sending MTA's policy outbound, the
 * receiving side inbound, port 25 opportunistic, submission required);
 * every line fits the width, long names and IPv6 addresses included; the
 * text and the JSON list the same number of servers, clients and domains.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "smtp.h"
#include "text.h"
#include "textout.h"

struct world {
    struct home_net home;
    struct aggregate agg;
    struct findings *fi;
};

static void world_init(struct world *w, const char *home)
{
    static const struct hash_key key = {7, 8};
    char err[256];
    memset(w, 0, sizeof *w);
    if (home)
        assert_int_equal(home_net_parse(&w->home, home, err, sizeof err), 0);
    struct aggregate_config cfg = {.key = key, .directions = home != NULL};
    assert_int_equal(aggregate_init(&w->agg, &cfg), 0);
    w->fi = findings_new(&key, &w->home);
    assert_non_null(w->fi);
}

static void world_free(struct world *w)
{
    aggregate_free(&w->agg);
    findings_free(w->fi);
}

static void add(struct world *w, const struct session_record *r)
{
    struct verdict v;
    findings_judge(w->fi, r, &v);
    aggregate_add(&w->agg, r, &v);
}

static struct session_record session(const char *client, const char *server, uint16_t port)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = strchr(server, ':') ? 6 : 4;
    assert_int_equal(inet_pton(r.family == 6 ? AF_INET6 : AF_INET, client, r.client), 1);
    assert_int_equal(inet_pton(r.family == 6 ? AF_INET6 : AF_INET, server, r.server), 1);
    r.client_port = 40000;
    r.server_port = port;
    r.start_us = r.end_us = 1796000000ull * 1000000ull;
    r.cipher_key = SESSION_NO_CIPHER;
    r.starttls_offered = SESSION_TRUE;
    strcpy(r.greeting_host, "mx.example.net");
    return r;
}

static struct session_record plain_mail(const char *client, const char *server, uint16_t port)
{
    struct session_record r = session(client, server, port);
    r.mode = SESSION_PLAINTEXT;
    r.nleaked = 3;
    r.leaked[0] = SESSION_LEAK_MAIL, r.leaked[1] = SESSION_LEAK_RCPT,
    r.leaked[2] = SESSION_LEAK_DATA;
    r.nverbs = 4;
    r.verbs[0] = SMTP_VERB_EHLO, r.verbs[1] = SMTP_VERB_MAIL, r.verbs[2] = SMTP_VERB_RCPT;
    r.verbs[3] = SMTP_VERB_DATA;
    r.messages = 1;
    return r;
}

static struct session_record probe(const char *client, const char *server)
{
    struct session_record r = session(client, server, 25);
    r.mode = SESSION_PLAINTEXT;
    r.nverbs = 2;
    r.verbs[0] = SMTP_VERB_EHLO, r.verbs[1] = SMTP_VERB_QUIT;
    return r;
}

static struct session_record tls(const char *client, const char *server, uint16_t version,
                                 uint32_t cipher)
{
    struct session_record r = session(client, server, 25);
    r.mode = SESSION_STARTTLS;
    r.starttls_attempts = 1;
    r.starttls_reply = 220;
    r.tls_version = version;
    r.cipher_key = cipher;
    return r;
}

/* The text report at a width; the caller frees. Every line within it. */
static char *report(struct world *w, unsigned width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct aggregate_capture cap;
    memset(&cap, 0, sizeof cap);
    cap.home = &w->home;
    cap.version = "0.0.0";
    cap.sensor = "test";
    assert_int_equal(text_write_report(f, &w->agg, &cap, w->fi, width), 0);
    assert_int_equal(fclose(f), 0);
    char *copy = strdup(buf);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
        if (text_cols(line) > width)
            fail_msg("%zu columns at width %u: '%s'", text_cols(line), width, line);
    free(copy);
    return buf;
}

static char *summary(struct world *w)
{
    struct aggregate_capture cap;
    memset(&cap, 0, sizeof cap);
    struct jsonb b;
    jb_init(&b, LIMIT_JSON_SUMMARY);
    size_t len;
    const char *text = json_summary(&b, &w->agg, &cap, w->fi, &len);
    assert_non_null(text);
    char *copy = malloc(len + 1); /* the builder's text has no NUL */
    assert_non_null(copy);
    memcpy(copy, text, len);
    copy[len] = '\0';
    jb_free(&b);
    return copy;
}

/* text with each line break and the indent after it read as one space:
 * wrapped prose reads as written. */
static char *unwrapped(const char *text)
{
    char *out = strdup(text), *o = out;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            while (*p == '\n' || *p == ' ')
                p++;
            *o++ = ' ';
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

static void has(const char *text, const char *want)
{
    char *flat = unwrapped(text);
    if (!strstr(text, want) && !strstr(flat, want))
        fail_msg("'%s' not in:\n%s", want, text);
    free(flat);
}

static void lacks(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted))
        fail_msg("'%s' in:\n%s", unwanted, text);
}

static void test_empty_capture(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    char *text = report(&w, 100);
    has(text, "No SMTP sessions: nothing to recommend.");
    lacks(text, "Nothing urgent");
    lacks(text, "Cipher configuration");
    free(text);
    world_free(&w);
}

static void test_nothing_urgent(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    struct session_record r = tls("192.0.2.1", "192.0.2.25", 0x0304, 0x1302);
    add(&w, &r);
    char *text = report(&w, 100);
    has(text, "Nothing urgent: no mail or AUTH went in clear");
    free(text);
    world_free(&w);
}

static void test_obsolete_lists_only_obsolete(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    static const uint16_t versions[] = {0x0301, 0x0302, 0x0303, 0x0304};
    for (size_t i = 0; i < 4; i++) {
        struct session_record r = tls("192.0.2.1", "192.0.2.25", versions[i], 0xC02F);
        add(&w, &r);
    }
    char *text = report(&w, 100);
    has(text, "obsolete protocol in use (TLSv1 TLSv1.1);");
    free(text);
    world_free(&w);
}

static void test_auth_advice_and_one_session(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    struct session_record r = plain_mail("192.0.2.1", "192.0.2.25", 587);
    r.leaked[r.nleaked++] = SESSION_LEAK_AUTH;
    r.verbs[r.nverbs++] = SMTP_VERB_AUTH;
    add(&w, &r);
    char *text = report(&w, 100);
    has(text, "mx.example.net:587 (1 session):");
    has(text, "AUTH in clear in 1 session: set smtpd_tls_auth_only = yes");
    has(text, "1 session stayed in clear on submission: require TLS on this port");
    lacks(text, "1 sessions");
    free(text);
    world_free(&w);
}

/* Three monitoring probes and one mail over STARTTLS (issue 11's case). */
static void test_probes_apart(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    for (int i = 0; i < 3; i++) {
        struct session_record p = probe("192.0.2.9", "192.0.2.25");
        add(&w, &p);
    }
    struct session_record r = tls("192.0.2.1", "192.0.2.25", 0x0304, 0x1302);
    add(&w, &r);
    char *text = report(&w, 100);
    has(text, "  encrypted                     1   25.0%");
    has(text, "  probes                        3   75.0%");
    has(text, "  encrypted w/o probes          1  100.0%  of the 1 session that carried");
    has(text, "3 probes (no MAIL, AUTH or TLS");
    lacks(text, "stayed in clear");
    lacks(text, "\n  1. ");
    free(text);
    char *json = summary(&w);
    has(json, "\"encrypted_percent\": 25.0,");
    has(json, "\"classes\": {\"mail\": 0, \"auth\": 0, \"tls\": 1, \"probe\": 3}, "
              "\"encrypted_percent_without_probes\": 100.0");
    free(json);
    world_free(&w);
}

static void test_advice_follows_direction(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "192.0.2.0/24");
    struct session_record out = plain_mail("192.0.2.1", "203.0.113.25", 25); /* outbound */
    strcpy(out.greeting_host, "mx.remote.example");
    add(&w, &out);
    struct session_record in = plain_mail("203.0.113.9", "192.0.2.25", 25); /* inbound */
    add(&w, &in);
    struct session_record sub = plain_mail("203.0.113.9", "192.0.2.25", 587);
    add(&w, &sub);
    struct session_record transit = plain_mail("203.0.113.9", "198.51.100.25", 25); /* external */
    strcpy(transit.greeting_host, "mx.transit.example");
    add(&w, &transit);
    /* our server's name at an address outside, in a session that is not
     * ours: still our server, and that session not counted in its advice */
    struct session_record elsewhere = plain_mail("203.0.113.9", "198.51.100.26", 25);
    add(&w, &elsewhere);
    char *text = report(&w, 100);
    has(text, "mx.transit.example:25");  /* in the server table */
    lacks(text, ". mx.transit.example"); /* never advised: neither side is ours */
    has(text, "By direction");
    has(text, "  inbound: 2 sessions, 0 probes; encrypted 0");
    has(text, "  outbound: 1 session, 0 probes;");
    has(text, "mx.remote.example:25 (1 session from our side, outside --home-net): 1 session from "
              "our side stayed");
    has(text, "smtp_tls_security_level");
    has(text, "Outbound: our MTA delivered in clear in 1 session");
    has(text, "mx.example.net:25 (1 session, ours): 1 session stayed in clear although STARTTLS is "
              "offered: the senders' choice");
    has(text, "mx.example.net:587 (1 session, ours): 1 session stayed in clear on submission");
    has(text, "Inbound: 2 sessions delivered to us in clear");
    has(text, "Clients of our servers, inside --home-net (by sessions");
    free(text);
    char *json = summary(&w);
    has(json, "\"home_net\": \"outside\"");
    has(json, "\"directions\": {");
    has(json, "\"clients_scope\": \"home_net\"");
    free(json);
    world_free(&w);
}

/* Long names, IPv6 addresses, many ciphers: within the width, 80 and 100. */
static void test_fits_the_width(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, "2001:db8::/32");
    for (uint32_t i = 0; i < 40; i++) {
        char client[64], server[64];
        snprintf(client, sizeof client, "2001:db8:%x:5678:9abc:def0:1234:%x", i, i);
        snprintf(server, sizeof server, "2001:db9:1234:5678:9abc:def0:%x:%x", i % 3, i);
        struct session_record r = tls(client, server, 0x0303, 0xC000 + i);
        memset(r.greeting_host, 'a' + (char)(i % 3), sizeof r.greeting_host - 1);
        memcpy(r.greeting_host + 20, ".example", 8);
        r.has_helo = true;
        memset(r.helo, 'h', sizeof r.helo - 1);
        r.helo[3] = (char)('a' + i % 5);
        add(&w, &r);
        struct session_record m = plain_mail(client, server, 25);
        r.domains_kept = true;
        memset(m.mail_from_domain, 'd', 200);
        m.domains_kept = true;
        add(&w, &m);
    }
    char *text = report(&w, 100);
    free(text);
    text = report(&w, 80);
    has(text, "or more"); /* addresses and ciphers were cut */
    free(text);
    world_free(&w);
}

/* Rows of a table in the summary: one per line, from key to end. */
static size_t rows_in(const char *json, const char *key, const char *end)
{
    const char *p = strstr(json, key), *q = strstr(json, end);
    assert_non_null(p);
    assert_non_null(q);
    size_t n = 0;
    while ((p = strstr(p, "\n  {")) && p < q) {
        n++;
        p++;
    }
    return n;
}

static void test_same_rows_in_text_and_json(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, NULL);
    for (uint32_t i = 0; i < LIMIT_REPORT_ROWS + 10; i++) {
        char client[32], server[32];
        snprintf(client, sizeof client, "198.51.100.%u", i);
        snprintf(server, sizeof server, "192.0.2.%u", i);
        struct session_record r = plain_mail(client, server, 25);
        r.greeting_host[0] = '\0';
        r.domains_kept = true;
        snprintf(r.mail_from_domain, sizeof r.mail_from_domain, "d%u.example", i);
        add(&w, &r);
    }
    char *text = report(&w, 100);
    char said[96];
    snprintf(said, sizeof said, "(by sessions: the %u busiest of %u; --json lists the same)",
             LIMIT_REPORT_ROWS, LIMIT_REPORT_ROWS + 10);
    has(text, said);
    size_t servers = 0;
    for (const char *p = strstr(text, "worst grade  server"); p && (p = strstr(p, ":25")); p++)
        servers += p < strstr(text, "\nClients");
    assert_int_equal(servers, LIMIT_REPORT_ROWS);
    free(text);
    char *json = summary(&w);
    assert_int_equal(rows_in(json, "\"servers\": [", "\"servers_total\""), LIMIT_REPORT_ROWS);
    assert_int_equal(rows_in(json, "\"clients\": [", "\"clients_total\""), LIMIT_REPORT_ROWS);
    assert_int_equal(rows_in(json, "\"domains_cleartext\": [", "\"domains_cleartext_total\""),
                     LIMIT_REPORT_ROWS);
    snprintf(said, sizeof said, "\"servers_total\": %u", LIMIT_REPORT_ROWS + 10);
    has(json, said);
    snprintf(said, sizeof said, "\"domains_cleartext_total\": %u", LIMIT_REPORT_ROWS + 10);
    has(json, said);
    free(json);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_capture),
        cmocka_unit_test(test_nothing_urgent),
        cmocka_unit_test(test_obsolete_lists_only_obsolete),
        cmocka_unit_test(test_auth_advice_and_one_session),
        cmocka_unit_test(test_probes_apart),
        cmocka_unit_test(test_advice_follows_direction),
        cmocka_unit_test(test_fits_the_width),
        cmocka_unit_test(test_same_rows_in_text_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
