/*
 * test_peers.c - the server and client tables by name (report/peers.h) and
 * the domains in clear (report/domains.h).
 *
 * Contract under test: a server is named by its greeting, else its EHLO
 * reply, its certificate's CN, the SNI, else its address, and only a word
 * that looks like a host name counts; a client by its HELO name, else its
 * address; sessions that show no name count under the name their address
 * and port had, a row of the address alone merging into the name when it
 * comes; rows keep their addresses (LIMIT_PEER_ADDRS, then "more");
 * past LIMIT_PEERS rows the rest share "other", listed last; the order is
 * the same under any hash key. Domains: each session counted once per
 * domain, as sender and as recipient, with its messages; past LIMIT_DOMAINS
 * the rest share "other".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains.h"
#include "findings.h"
#include "peers.h"
#include "session.h"

static const struct hash_key key_a = {3, 4}, key_b = {0xFEEDFACECAFEBEEFull, 7};

static struct session_record session(uint32_t server, uint16_t port)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.client[0] = 198, r.client[1] = 51, r.client[2] = 100, r.client[3] = 7;
    r.server[0] = 10;
    r.server[1] = (uint8_t)(server >> 16);
    r.server[2] = (uint8_t)(server >> 8);
    r.server[3] = (uint8_t)server;
    r.server_port = port;
    r.mode = SESSION_PLAINTEXT;
    r.starttls_offered = SESSION_TRUE;
    r.cipher_key = SESSION_NO_CIPHER;
    return r;
}

static enum peer_source server_name(const struct session_record *r, const char *want)
{
    char name[LIMIT_PEER_NAME];
    enum peer_source s = peers_server_name(r, name);
    assert_string_equal(name, want);
    return s;
}

static void test_server_names(void **state)
{
    (void)state;
    struct session_record r = session(1, 25);
    assert_int_equal(server_name(&r, "10.0.0.1"), PEER_FROM_ADDRESS);
    strcpy(r.sni, "MX.Example.NET");
    assert_int_equal(server_name(&r, "mx.example.net"), PEER_FROM_SNI);
    r.has_cert = true;
    strcpy(r.cert_subject, "CN=mail.example.net,O=Example,C=NL");
    assert_int_equal(server_name(&r, "mail.example.net"), PEER_FROM_CERT);
    strcpy(r.ehlo_host, "mx1.example.net");
    assert_int_equal(server_name(&r, "mx1.example.net"), PEER_FROM_EHLO);
    strcpy(r.greeting_host, "mx1.EXAMPLE.net");
    assert_int_equal(server_name(&r, "mx1.example.net"), PEER_FROM_GREETING);
    /* words that name nothing are passed over */
    strcpy(r.greeting_host, "ESMTP");
    assert_int_equal(server_name(&r, "mx1.example.net"), PEER_FROM_EHLO);
    strcpy(r.ehlo_host, "***********");
    assert_int_equal(server_name(&r, "mail.example.net"), PEER_FROM_CERT);
    strcpy(r.cert_subject, "O=Example,CN=*.example.net");
    assert_int_equal(server_name(&r, "*.example.net"), PEER_FROM_CERT);
    strcpy(r.cert_subject, "CN=Example Mail Service");
    assert_int_equal(server_name(&r, "mx.example.net"), PEER_FROM_SNI);
    strcpy(r.sni, "mx\x1b.example.net");
    assert_int_equal(server_name(&r, "10.0.0.1"), PEER_FROM_ADDRESS);
    strcpy(r.greeting_host, "[192.0.2.25]");
    assert_int_equal(server_name(&r, "[192.0.2.25]"), PEER_FROM_GREETING);
    strcpy(r.greeting_host, ".example.net");
    assert_int_equal(server_name(&r, "10.0.0.1"), PEER_FROM_ADDRESS);
}

static void test_client_names(void **state)
{
    (void)state;
    struct session_record r = session(1, 25);
    char name[LIMIT_PEER_NAME];
    assert_int_equal(peers_client_name(&r, name), PEER_FROM_ADDRESS);
    assert_string_equal(name, "198.51.100.7");
    r.has_helo = true;
    strcpy(r.helo, "ylmf-pc");
    assert_int_equal(peers_client_name(&r, name), PEER_FROM_HELO);
    assert_string_equal(name, "ylmf-pc");
    strcpy(r.helo, "Mail-Out.Example.ORG");
    peers_client_name(&r, name);
    assert_string_equal(name, "mail-out.example.org");
    strcpy(r.helo, "bad name");
    assert_int_equal(peers_client_name(&r, name), PEER_FROM_ADDRESS);
}

static struct verdict judged(enum session_class c)
{
    struct verdict v;
    memset(&v, 0, sizeof v);
    v.session_class = (uint8_t)c;
    return v;
}

static void add_server(struct peers *p, const struct session_record *r, const struct verdict *v)
{
    peers_add(p, PEER_SERVER, r, v, false);
}

static void test_unnamed_sessions_join_the_name(void **state)
{
    (void)state;
    struct peers *p = peers_new(&key_a);
    struct verdict v = judged(CLASS_TLS);
    struct session_record tls13 = session(1, 465); /* no greeting, no certificate */
    tls13.mode = SESSION_IMPLICIT_TLS;
    add_server(p, &tls13, &v);
    add_server(p, &tls13, &v);
    struct session_record tls12 = tls13;
    tls12.has_cert = true;
    strcpy(tls12.cert_subject, "CN=mx.example.net");
    add_server(p, &tls12, &v); /* the address row merges into the name */
    add_server(p, &tls13, &v); /* and the address stays with it */
    struct session_record other_port = session(1, 587);
    add_server(p, &other_port, &v); /* another port is another row */
    struct peer_stats **rows;
    size_t n;
    assert_int_equal(peers_sorted(p, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0]->name, "mx.example.net");
    assert_int_equal(rows[0]->port, 465);
    assert_int_equal(rows[0]->sessions, 4);
    assert_int_equal(rows[0]->encrypted, 4);
    assert_int_equal(rows[0]->source, PEER_FROM_CERT);
    assert_int_equal(rows[0]->naddrs, 1);
    assert_string_equal(rows[1]->name, "10.0.0.1");
    assert_int_equal(rows[1]->port, 587);
    free(rows);
    peers_free(p);
}

/* Clients by HELO, whatever its case; sessions without HELO under the
 * name their address had, for the addresses a row keeps; servers'
 * greetings in any case are one row. */
static void test_clients_by_helo(void **state)
{
    (void)state;
    struct peers *p = peers_new(&key_b);
    struct verdict v = judged(CLASS_TLS);
    struct session_record tls = session(1, 465);
    tls.mode = SESSION_IMPLICIT_TLS;
    peers_add(p, PEER_CLIENT, &tls, &v, false); /* an address row, merged below */
    struct session_record helo = session(2, 25);
    helo.has_helo = true;
    strcpy(helo.helo, "Out.Example.ORG");
    peers_add(p, PEER_CLIENT, &helo, &v, false);
    strcpy(helo.helo, "out.example.org");
    peers_add(p, PEER_CLIENT, &helo, &v, false);
    peers_add(p, PEER_CLIENT, &tls, &v, false);
    /* a name with all its addresses kept: another address is not followed */
    for (uint8_t i = 0; i < LIMIT_PEER_ADDRS; i++) {
        helo.client[3] = (uint8_t)(10 + i);
        peers_add(p, PEER_CLIENT, &helo, &v, false);
    }
    struct session_record stranger = tls;
    stranger.client[3] = 99;
    helo.client[3] = 99;
    peers_add(p, PEER_CLIENT, &helo, &v, false);
    peers_add(p, PEER_CLIENT, &stranger, &v, false);
    struct session_record greeted = session(3, 25);
    strcpy(greeted.greeting_host, "MX.example.net");
    peers_add(p, PEER_SERVER, &greeted, &v, false);
    strcpy(greeted.greeting_host, "mx.EXAMPLE.net");
    peers_add(p, PEER_SERVER, &greeted, &v, false);
    struct peer_stats **rows;
    size_t n;
    assert_int_equal(peers_sorted(p, &rows, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0]->name, "out.example.org");
    assert_int_equal(rows[0]->port, 0);
    assert_int_equal(rows[0]->sessions, 4 + LIMIT_PEER_ADDRS + 1);
    assert_int_equal(rows[0]->source, PEER_FROM_HELO);
    assert_true(rows[0]->more_addrs);
    assert_string_equal(rows[1]->name, "mx.example.net");
    assert_int_equal(rows[1]->sessions, 2);
    assert_string_equal(rows[2]->name, "198.51.100.99");
    assert_int_equal(rows[2]->source, PEER_FROM_ADDRESS);
    free(rows);
    peers_free(p);
}

static void test_addresses_and_counts(void **state)
{
    (void)state;
    struct peers *p = peers_new(&key_a);
    struct verdict probe = judged(CLASS_PROBE), mail = judged(CLASS_MAIL);
    mail.findings = 1u << FINDING_ENVELOPE_CLEARTEXT | 1u << FINDING_AUTH_CLEARTEXT;
    for (uint32_t i = 0; i < LIMIT_PEER_ADDRS + 3; i++) {
        struct session_record r = session(i, 25);
        strcpy(r.greeting_host, "mx.example.net");
        r.messages = 2;
        add_server(p, &r, i % 2 ? &probe : &mail);
    }
    struct peer_stats **rows;
    size_t n;
    assert_int_equal(peers_sorted(p, &rows, &n), 0);
    assert_int_equal(n, 1);
    const struct peer_stats *s = rows[0];
    assert_int_equal(s->sessions, LIMIT_PEER_ADDRS + 3);
    assert_int_equal(s->naddrs, LIMIT_PEER_ADDRS);
    assert_true(s->more_addrs);
    assert_int_equal(s->probes, (LIMIT_PEER_ADDRS + 3) / 2);
    assert_int_equal(s->plaintext, LIMIT_PEER_ADDRS + 3);
    assert_int_equal(s->clear, s->plaintext - s->probes); /* probes never stayed "in clear" */
    assert_int_equal(s->envelope, s->sessions - s->probes);
    assert_int_equal(s->auth, s->envelope);
    assert_int_equal(s->messages, 2 * s->sessions);
    free(rows);
    peers_free(p);
}

static void test_overflow_row(void **state)
{
    (void)state;
    struct peers *p = peers_new(&key_a);
    struct verdict v = judged(CLASS_MAIL);
    for (uint32_t i = 0; i < LIMIT_PEERS + 5; i++) {
        struct session_record r = session(i, 25);
        add_server(p, &r, &v);
    }
    struct session_record again = session(3, 25);
    add_server(p, &again, &v); /* an early row is still found */
    struct peer_stats **rows;
    size_t n;
    assert_int_equal(peers_sorted(p, &rows, &n), 0);
    assert_int_equal(n, LIMIT_PEERS + 1u);
    assert_true(rows[n - 1]->other); /* last, though it has the most sessions */
    assert_int_equal(rows[n - 1]->sessions, 5);
    assert_int_equal(rows[n - 1]->naddrs, 0);
    assert_string_equal(rows[0]->name, "10.0.0.3");
    assert_int_equal(rows[0]->sessions, 2);
    free(rows);
    peers_free(p);
}

/* The sorted rows, as text, under one key. */
static void sorted_under(const struct hash_key *key, char *out, size_t cap)
{
    struct peers *p = peers_new(key);
    struct verdict v = judged(CLASS_MAIL);
    for (uint32_t i = 0; i < 300; i++) {
        struct session_record r = session(i % 50, (uint16_t)(25 + i % 2));
        if (i % 3)
            snprintf(r.greeting_host, sizeof r.greeting_host, "mx%u.example.net", i % 7);
        for (uint32_t k = 0; k < i % 7; k++)
            add_server(p, &r, &v);
    }
    struct peer_stats **rows;
    size_t n;
    assert_int_equal(peers_sorted(p, &rows, &n), 0);
    size_t len = 0;
    for (size_t i = 0; i < n && len < cap; i++)
        len +=
            (size_t)snprintf(out + len, cap - len, "%s:%u=%llu/%u ", rows[i]->name, rows[i]->port,
                             (unsigned long long)rows[i]->sessions, rows[i]->naddrs);
    for (size_t i = 1; i < n; i++)
        assert_true(rows[i - 1]->sessions >= rows[i]->sessions);
    free(rows);
    peers_free(p);
}

static void test_sorted_whatever_the_key(void **state)
{
    (void)state;
    static char x[16384], y[16384];
    sorted_under(&key_a, x, sizeof x);
    sorted_under(&key_b, y, sizeof y);
    assert_string_equal(x, y);
}

static void rcpt(struct session_record *r, const char *d)
{
    size_t used = 0;
    for (unsigned i = 0; i < r->nrcpt_domains; i++)
        used += strlen(r->rcpt_domains + used) + 1;
    strcpy(r->rcpt_domains + used, d);
    r->nrcpt_domains++;
}

static void test_domains(void **state)
{
    (void)state;
    struct domains *d = domains_new(&key_a);
    struct session_record r = session(1, 25);
    r.domains_kept = true;
    r.messages = 3;
    strcpy(r.mail_from_domain, "example.org");
    rcpt(&r, "example.net");
    rcpt(&r, "example.org"); /* to itself: one session, sender and recipient */
    r.rcpt_domains_dropped = 2;
    domains_add(d, &r);
    struct session_record none = r;
    none.domains_kept = false; /* --no-domains */
    domains_add(d, &none);
    struct domain_stats **rows;
    size_t n;
    assert_int_equal(domains_sorted(d, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0]->name, "example.net"); /* equal sessions: by name */
    assert_int_equal(rows[0]->sessions, 1);
    assert_int_equal(rows[0]->messages, 3);
    assert_int_equal(rows[0]->as_sender, 0);
    assert_int_equal(rows[0]->as_recipient, 1);
    assert_string_equal(rows[1]->name, "example.org");
    assert_int_equal(rows[1]->sessions, 1);
    assert_int_equal(rows[1]->as_sender, 1);
    assert_int_equal(rows[1]->as_recipient, 1);
    assert_int_equal(domains_dropped(d), 2);
    free(rows);
    domains_free(d);
}

static void test_domains_cap(void **state)
{
    (void)state;
    struct domains *d = domains_new(&key_b);
    struct session_record r = session(1, 25);
    r.domains_kept = true;
    for (uint32_t i = 0; i < LIMIT_DOMAINS + 3; i++) {
        snprintf(r.mail_from_domain, sizeof r.mail_from_domain, "d%u.example", i);
        domains_add(d, &r);
    }
    struct domain_stats **rows;
    size_t n;
    assert_int_equal(domains_sorted(d, &rows, &n), 0);
    assert_int_equal(n, LIMIT_DOMAINS + 1u);
    assert_true(rows[n - 1]->other);
    assert_int_equal(rows[n - 1]->sessions, 3);
    free(rows);
    domains_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_names),
        cmocka_unit_test(test_client_names),
        cmocka_unit_test(test_unnamed_sessions_join_the_name),
        cmocka_unit_test(test_clients_by_helo),
        cmocka_unit_test(test_addresses_and_counts),
        cmocka_unit_test(test_overflow_row),
        cmocka_unit_test(test_sorted_whatever_the_key),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_domains_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
