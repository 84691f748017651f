/*
 * test_session.c - one SMTP session from both byte streams to its record
 * (decode/session.h), driven with SMTP text and TLS records built in the
 * test. The modes and fields are those of README.md ("What a session is, and
 * its mode", "Session records"): a handshake "went through" when encrypted
 * records flowed both ways, no fatal alert was sent in clear, and the
 * client's first encrypted record was not its last with nothing from the
 * server after it.
 */
#include "session.h"
#include "session_internal.h"
#include "tls_names.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "smtp.h"
#include "tbuf.h"
#include "tlsbuild.h"

#define CL SIDE_CLIENT
#define SV SIDE_SERVER

static const uint8_t client_addr[16] = {192, 0, 2, 1};
static const uint8_t server_addr[16] = {198, 51, 100, 25};

/* A dialogue: steps of one side's bytes, text or binary. */
struct step {
    int side;
    const uint8_t *p;
    size_t n;
};

struct dialogue {
    struct step steps[128];
    size_t n;
    struct tbuf bufs[128];
};

static void d_init(struct dialogue *d)
{
    memset(d, 0, sizeof *d);
}

static void d_free(struct dialogue *d)
{
    for (size_t i = 0; i < d->n; i++)
        tb_free(&d->bufs[i]);
}

static void d_bytes(struct dialogue *d, int side, const struct tbuf *b)
{
    assert_true(d->n < 128);
    tb_init(&d->bufs[d->n]);
    tb_put(&d->bufs[d->n], b->p, b->len);
    d->steps[d->n].side = side;
    d->steps[d->n].p = d->bufs[d->n].p;
    d->steps[d->n].n = b->len;
    d->n++;
}

static void d_text(struct dialogue *d, int side, const char *text)
{
    struct tbuf b;
    tb_init(&b);
    tb_str(&b, text);
    d_bytes(d, side, &b);
    tb_free(&b);
}

enum chunking { WHOLE, BYTES, RANDOM };

struct outcome {
    struct session_record rec;
    bool stopped;      /* session_data asked for no more bytes */
    size_t stopped_at; /* step at which it did */
};

/* Feed the dialogue as the pipeline would: once a side is told to stop,
 * the pipeline stops both directions. */
static void run(const struct dialogue *d, uint16_t server_port, bool syn, enum chunking ch,
                uint64_t seed, struct outcome *o)
{
    struct session_start st = {
        .start_us = 1000,
        .family = 4,
        .client = client_addr,
        .server = server_addr,
        .client_port = 40000,
        .server_port = server_port,
        .syn_seen = syn,
        .implicit_port = server_port == 465,
    };
    struct session *s = session_new(&st);
    assert_non_null(s);
    struct prng rng = prng_seed(seed);
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < d->n && !o->stopped; i++) {
        size_t off = 0;
        while (off < d->steps[i].n && !o->stopped) {
            size_t k = d->steps[i].n - off;
            if (ch == BYTES)
                k = 1;
            else if (ch == RANDOM && k > 1)
                k = prng_range(&rng, 1, k < 29 ? k : 29);
            uint8_t *chunk = tb_dup(d->steps[i].p + off, k);
            bool stop = false;
            session_data(s, d->steps[i].side, chunk, k, &stop);
            free(chunk);
            if (stop) {
                o->stopped = true;
                o->stopped_at = i;
            }
            off += k;
        }
    }
    uint64_t packets[2] = {3, 4}, bytes[2] = {100, 200};
    struct session_end_facts f = {.end_us = 2000, .end = SESSION_END_CLOSED};
    memcpy(f.packets, packets, sizeof f.packets);
    memcpy(f.bytes, bytes, sizeof f.bytes);
    session_finish(s, &f, &o->rec);
}

/* The same dialogue whole, byte by byte and in random chunks: the same record. */
static void same_record(const struct session_record *a, const struct session_record *b,
                        const char *how)
{
#define SAME(f)                                                                                    \
    if (a->f != b->f)                                                                              \
    fail_msg("%s: %s differs: %lld vs %lld", how, #f, (long long)a->f, (long long)b->f)
    SAME(mode);
    SAME(starttls_offered);
    SAME(starttls_reply);
    SAME(greeting_code);
    SAME(has_helo);
    SAME(tls_version);
    SAME(cipher_key);
    SAME(hrr);
    SAME(alert_level);
    SAME(alert_desc);
    SAME(nverbs);
    SAME(nleaked);
    SAME(commands);
    SAME(unknown_commands);
    SAME(gaps);
#undef SAME
    assert_string_equal(a->helo, b->helo);
    assert_memory_equal(a->verbs, b->verbs, a->nverbs);
    assert_memory_equal(a->leaked, b->leaked, a->nleaked);
    for (int i = 0; i < ANOMALY_COUNT; i++)
        if (a->anomalies[i] != b->anomalies[i])
            fail_msg("%s: anomaly %s: %u vs %u", how, anomaly_name((enum anomaly)i),
                     a->anomalies[i], b->anomalies[i]);
}

static void check_splits(const struct dialogue *d, uint16_t port, bool syn)
{
    struct outcome whole, other;
    run(d, port, syn, WHOLE, 0, &whole);
    run(d, port, syn, BYTES, 0, &other);
    same_record(&whole.rec, &other.rec, "byte at a time");
    for (uint64_t seed = 1; seed <= 10; seed++) {
        run(d, port, syn, RANDOM, seed, &other);
        same_record(&whole.rec, &other.rec, "random chunks");
    }
}

static void expect_leaks(const struct session_record *r, const enum session_leak *want, size_t n)
{
    if (r->nleaked != n)
        fail_msg("%u leaks, want %zu", r->nleaked, n);
    for (size_t i = 0; i < n; i++)
        if (r->leaked[i] != want[i])
            fail_msg("leak %zu is %s, want %s", i,
                     session_leak_name((enum session_leak)r->leaked[i]),
                     session_leak_name(want[i]));
}

static void expect_verbs(const struct session_record *r, const enum smtp_verb *want, size_t n)
{
    if (r->nverbs != n)
        fail_msg("%u verbs, want %zu", r->nverbs, n);
    for (size_t i = 0; i < n; i++)
        if (r->verbs[i] != want[i])
            fail_msg("verb %zu is %s, want %s", i, session_verb_name(r->verbs[i]),
                     smtp_verb_name(want[i]));
}

static void expect_mode(const struct session_record *r, enum session_mode m)
{
    if (r->mode != m)
        fail_msg("mode %s, want %s", session_mode_name((enum session_mode)r->mode),
                 session_mode_name(m));
}

/* The cleartext part shared by the STARTTLS dialogues. */
static void smtp_up_to_starttls(struct dialogue *d, bool offered)
{
    d_text(d, SV, "220 mx.example.com ESMTP Postfix\r\n");
    d_text(d, CL, "EHLO client.example.org\r\n");
    d_text(d, SV,
           offered ? "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                     "250-STARTTLS\r\n250 8BITMIME\r\n"
                   : "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    d_text(d, CL, "STARTTLS\r\n");
}

static void tls12_handshake(struct dialogue *d, uint16_t cipher)
{
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", NULL, 0);
    d_bytes(d, CL, &b);
    tb_reset(&b);
    tlsb_tls12_server_flight(&b, cipher);
    d_bytes(d, SV, &b);
    tb_reset(&b);
    tlsb_tls12_client_finish(&b);
    d_bytes(d, CL, &b);
    tb_reset(&b);
    tlsb_tls12_server_finish(&b);
    d_bytes(d, SV, &b);
    tb_reset(&b);
    tlsb_opaque_record(&b, 23, 0x0303, 120, 50); /* EHLO again, encrypted */
    d_bytes(d, CL, &b);
    tb_reset(&b);
    tlsb_opaque_record(&b, 23, 0x0303, 200, 51);
    d_bytes(d, SV, &b);
    tb_free(&b);
}

static void test_plaintext_with_leaks_in_order(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP Postfix\r\n");
    d_text(&d, CL, "EHLO client.example.org\r\n");
    d_text(&d, SV,
           "250-mx.example.com\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
    d_text(&d, CL, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n");
    d_text(&d, SV, "235 2.7.0 Authentication successful\r\n");
    d_text(&d, CL, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
    d_text(&d, SV, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
    d_text(&d, CL, "Subject: hi\r\n\r\nMAIL FROM:<not-a-command>\r\n.\r\n");
    d_text(&d, SV, "250 2.0.0 Ok: queued as 12345\r\n");
    d_text(&d, CL, "QUIT\r\n");
    d_text(&d, SV, "221 2.0.0 Bye\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    const struct session_record *r = &o.rec;
    expect_mode(r, SESSION_PLAINTEXT);
    static const enum session_leak leaks[] = {SESSION_LEAK_AUTH, SESSION_LEAK_MAIL,
                                              SESSION_LEAK_RCPT, SESSION_LEAK_DATA};
    expect_leaks(r, leaks, 4);
    static const enum smtp_verb verbs[] = {SMTP_VERB_EHLO, SMTP_VERB_AUTH, SMTP_VERB_MAIL,
                                           SMTP_VERB_RCPT, SMTP_VERB_DATA, SMTP_VERB_QUIT};
    expect_verbs(r, verbs, 6);
    assert_int_equal(r->commands, 6);
    assert_int_equal(r->starttls_offered, SESSION_FALSE);
    assert_int_equal(r->greeting_code, 220);
    assert_string_equal(r->greeting_host, "mx.example.com");
    assert_string_equal(r->ehlo_host, "mx.example.com");
    assert_true(r->has_helo);
    assert_string_equal(r->helo, "client.example.org");
    assert_int_equal(r->starttls_reply, 0);
    assert_int_equal(r->tls_version, 0);
    assert_int_equal(r->cipher_key, SESSION_NO_CIPHER);
    assert_false(o.stopped);
    assert_string_equal(session_mode_name(SESSION_PLAINTEXT), "plaintext");
    assert_string_equal(session_leak_name(SESSION_LEAK_AUTH), "AUTH");
    check_splits(&d, 25, true);
    d_free(&d);
}

static void test_starttls_tls12_established(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    tls12_handshake(&d, 0xC02F);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    const struct session_record *r = &o.rec;
    expect_mode(r, SESSION_STARTTLS);
    assert_int_equal(r->tls_version, 0x0303);
    assert_int_equal(r->cipher_key, 0xC02F);
    assert_int_equal(r->starttls_offered, SESSION_TRUE);
    assert_int_equal(r->starttls_reply, 220);
    assert_int_equal(r->nleaked, 0);
    static const enum smtp_verb verbs[] = {SMTP_VERB_EHLO, SMTP_VERB_STARTTLS};
    expect_verbs(r, verbs, 2);
    assert_int_equal(r->alert_level, 0);
    /* once established, nothing more is wanted */
    assert_true(o.stopped);
    assert_string_equal(session_mode_name((enum session_mode)r->mode), "starttls");
    check_splits(&d, 25, true);
    d_free(&d);
}

static void test_starttls_refused(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "454 4.7.0 TLS not available due to local problem\r\n");
    d_text(&d, CL, "MAIL FROM:<a@example.org>\r\n");
    d_text(&d, SV, "250 2.1.0 Ok\r\n");
    d_text(&d, CL, "RCPT TO:<b@example.com>\r\n");
    d_text(&d, SV, "250 2.1.5 Ok\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    assert_int_equal(o.rec.starttls_reply, 454);
    static const enum session_leak leaks[] = {SESSION_LEAK_MAIL, SESSION_LEAK_RCPT};
    expect_leaks(&o.rec, leaks, 2);
    assert_int_equal(o.rec.starttls_offered, SESSION_TRUE);
    check_splits(&d, 25, true);
    d_free(&d);
}

static void test_starttls_then_fatal_alert(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", NULL, 0);
    d_bytes(&d, CL, &b);
    tb_reset(&b);
    tlsb_alert(&b, 0x0303, 2, 40); /* fatal handshake_failure */
    d_bytes(&d, SV, &b);
    tb_free(&b);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    assert_int_equal(o.rec.starttls_reply, 220);
    assert_int_equal(o.rec.alert_level, 2);
    assert_int_equal(o.rec.alert_desc, 40);
    assert_string_equal(tls_alert_name(o.rec.alert_desc), "handshake_failure");
    check_splits(&d, 25, true);
    d_free(&d);
}

static void test_starttls_220_then_plaintext(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    d_text(&d, CL, "MAIL FROM:<a@example.org>\r\n");
    d_text(&d, SV, "250 2.1.0 Ok\r\n");
    d_text(&d, CL, "RCPT TO:<b@example.com>\r\nDATA\r\n");
    d_text(&d, SV, "250 2.1.5 Ok\r\n354 go\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    assert_int_equal(o.rec.starttls_reply, 220);
    static const enum session_leak leaks[] = {SESSION_LEAK_MAIL, SESSION_LEAK_RCPT,
                                              SESSION_LEAK_DATA};
    expect_leaks(&o.rec, leaks, 3);
    check_splits(&d, 25, true);
    d_free(&d);
}

static void test_commands_behind_starttls_leak(void **state)
{
    (void)state;
    /* MAIL pipelined behind STARTTLS crossed the wire in clear, even though
     * the handshake then went through */
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP\r\n");
    d_text(&d, CL, "EHLO c.example\r\n");
    d_text(&d, SV, "250-mx.example.com\r\n250 STARTTLS\r\n");
    d_text(&d, CL, "STARTTLS\r\nMAIL FROM:<a@example.org>\r\n");
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    tls12_handshake(&d, 0xC030);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    static const enum session_leak leaks[] = {SESSION_LEAK_MAIL};
    expect_leaks(&o.rec, leaks, 1);
    assert_true(o.rec.anomalies[ANOMALY_SMTP_CMD_AFTER_STARTTLS] >= 1);
    d_free(&d);
}

static void test_implicit_tls12(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    tls12_handshake(&d, 0x009C);
    struct outcome o;
    run(&d, 465, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_IMPLICIT_TLS);
    assert_int_equal(o.rec.tls_version, 0x0303);
    assert_int_equal(o.rec.cipher_key, 0x009C);
    assert_int_equal(o.rec.starttls_offered, SESSION_NULL);
    assert_int_equal(o.rec.greeting_code, 0);
    assert_int_equal(o.rec.commands, 0);
    assert_int_equal(o.rec.nleaked, 0);
    assert_true(o.stopped);
    check_splits(&d, 465, true);
    d_free(&d);
}

static void tls13_handshake(struct dialogue *d, bool server_speaks_after_client)
{
    static const uint16_t v13[] = {0x0304, 0x0303};
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", v13, 2);
    d_bytes(d, CL, &b);
    tb_reset(&b);
    tlsb_tls13_server_flight(&b, 0x1301);
    d_bytes(d, SV, &b);
    tb_reset(&b);
    tlsb_tls13_client_finish(&b); /* CCS, then one encrypted record */
    d_bytes(d, CL, &b);
    if (server_speaks_after_client) {
        tb_reset(&b);
        tlsb_opaque_record(&b, 23, 0x0303, 250, 60); /* NewSessionTicket, encrypted */
        d_bytes(d, SV, &b);
    }
    tb_free(&b);
}

static void test_sni_capped(void **state)
{
    (void)state;
    /* a 300-byte host_name: the record keeps at most LIMIT_TLS_SNI bytes */
    char host[301];
    memset(host, 'a', 300);
    host[300] = '\0';
    struct dialogue d;
    d_init(&d);
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, host, NULL, 0);
    d_bytes(&d, CL, &b);
    tb_free(&b);
    struct outcome o;
    run(&d, 465, true, WHOLE, 0, &o);
    assert_true(strlen(o.rec.sni) <= LIMIT_TLS_SNI);
    assert_int_equal(o.rec.sni[0], 'a');
    d_free(&d);
}

static void test_implicit_tls13(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    tls13_handshake(&d, true);
    struct outcome o;
    run(&d, 465, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_IMPLICIT_TLS);
    assert_int_equal(o.rec.tls_version, 0x0304);
    assert_int_equal(o.rec.cipher_key, 0x1301);
    check_splits(&d, 465, true);
    d_free(&d);
}

static void test_tls13_client_lone_encrypted_record_not_established(void **state)
{
    (void)state;
    /* The client's only encrypted record (its alert rejecting the
     * certificate) and nothing from the server after it */
    struct dialogue d;
    d_init(&d);
    tls13_handshake(&d, false);
    struct outcome o;
    run(&d, 465, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_IMPLICIT_TLS_FAILED);
    assert_int_equal(o.rec.tls_version, 0x0304); /* what the ServerHello showed is kept */
    assert_false(o.stopped);
    d_free(&d);

    /* The same after STARTTLS */
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    tls13_handshake(&d, false);
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    assert_int_equal(o.rec.cipher_key, 0x1301);
    d_free(&d);
}

static void test_client_hello_answered_by_banner(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", NULL, 0);
    d_bytes(&d, CL, &b);
    tb_free(&b);
    d_text(&d, SV, "220 mx.example.com ESMTP\r\n");
    d_text(&d, SV, "421 4.7.0 Error: I can break rules, too. Goodbye.\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_IMPLICIT_TLS_FAILED);
    assert_int_equal(o.rec.tls_version, 0);
    check_splits(&d, 25, true);
    d_free(&d);
}

static void expect_replies(const struct session_record *r, unsigned attempts, const uint16_t *want,
                           size_t n)
{
    assert_int_equal(r->starttls_attempts, attempts);
    if (r->nstarttls_replies != n)
        fail_msg("%u STARTTLS replies, want %zu", r->nstarttls_replies, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r->starttls_replies[i], want[i]);
}

static void expect_failure(const struct session_record *r, enum session_failure f)
{
    if (r->failure != f)
        fail_msg("failure %s, want %s", session_failure_name((enum session_failure)r->failure),
                 session_failure_name(f));
}

/* Seen on real traffic: HELO, STARTTLS refused with 503 ("send EHLO
 * first"), EHLO, STARTTLS accepted, TLS 1.3, mail inside TLS. The STARTTLS
 * that led to TLS decides the session. */
static void test_starttls_refused_then_accepted(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP Exim 4.96\r\n");
    d_text(&d, CL, "HELO client.example.org\r\n");
    d_text(&d, SV, "250 mx.example.com Hello client.example.org\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "503 STARTTLS command used when not advertised\r\n");
    d_text(&d, CL, "EHLO client.example.org\r\n");
    d_text(&d, SV, "250-mx.example.com Hello\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "220 TLS go ahead\r\n");
    tls13_handshake(&d, true);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    expect_failure(&o.rec, SESSION_FAIL_NONE);
    assert_int_equal(o.rec.starttls_reply, 220);
    assert_string_equal(o.rec.starttls_reply_text, "TLS go ahead");
    static const uint16_t replies[] = {503, 220};
    expect_replies(&o.rec, 2, replies, 2);
    assert_int_equal(o.rec.tls_version, 0x0304);
    assert_int_equal(o.rec.nleaked, 0);
    assert_true(o.stopped);
    check_splits(&d, 25, true);
    d_free(&d);
}

/* A 454 to the first STARTTLS, a 220 to the second, on one EHLO. */
static void test_starttls_454_then_220(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "454 4.7.0 TLS not available due to temporary reason\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    tls12_handshake(&d, 0xC02F);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    assert_int_equal(o.rec.starttls_reply, 220);
    static const uint16_t replies[] = {454, 220};
    expect_replies(&o.rec, 2, replies, 2);
    assert_int_equal(o.rec.cipher_key, 0xC02F);
    check_splits(&d, 25, true);
    d_free(&d);
}

/* Refused twice, then the mail in clear: the last refusal decides. */
static void test_starttls_refused_twice_then_clear(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "454 4.7.0 TLS not available\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "454 4.7.0 TLS still not available\r\n");
    d_text(&d, CL, "MAIL FROM:<a@example.org>\r\n");
    d_text(&d, SV, "250 2.1.0 Ok\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    expect_failure(&o.rec, SESSION_FAIL_REFUSED);
    assert_int_equal(o.rec.starttls_reply, 454);
    assert_string_equal(o.rec.starttls_reply_text, "4.7.0 TLS still not available");
    static const uint16_t replies[] = {454, 454};
    expect_replies(&o.rec, 2, replies, 2);
    static const enum session_leak leaks[] = {SESSION_LEAK_MAIL};
    expect_leaks(&o.rec, leaks, 1);
    check_splits(&d, 25, true);
    d_free(&d);
}

/* Refused, then accepted, then the handshake failed: the second attempt
 * decides (fatal-alert), the first stays visible. */
static void test_starttls_refused_then_handshake_fails(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "454 4.7.0 TLS not available\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", NULL, 0);
    d_bytes(&d, CL, &b);
    tb_reset(&b);
    tlsb_alert(&b, 0x0303, 2, 40);
    d_bytes(&d, SV, &b);
    tb_free(&b);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS_FAILED);
    expect_failure(&o.rec, SESSION_FAIL_ALERT);
    assert_int_equal(o.rec.starttls_reply, 220);
    static const uint16_t replies[] = {454, 220};
    expect_replies(&o.rec, 2, replies, 2);
    check_splits(&d, 25, true);
    d_free(&d);
}

/* A 2xx, then the client went on in clear, then STARTTLS again and TLS: the
 * retry decides. */
static void test_plaintext_after_220_then_retry(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    d_text(&d, CL, "NOOP\r\n");
    d_text(&d, SV, "250 2.0.0 Ok\r\n");
    d_text(&d, CL, "STARTTLS\r\n");
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    tls12_handshake(&d, 0xC030);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    static const uint16_t replies[] = {220, 220};
    expect_replies(&o.rec, 2, replies, 2);
    assert_true(o.rec.anomalies[ANOMALY_SMTP_PLAINTEXT_AFTER_STARTTLS] >= 1);
    d_free(&d);
}

/* STARTTLS sent again inside TLS: under a NULL-encryption suite the inner
 * dialogue is on the wire, and its STARTTLS and 220 change nothing. */
static void test_starttls_inside_tls(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    smtp_up_to_starttls(&d, true);
    d_text(&d, SV, "220 2.0.0 Ready to start TLS\r\n");
    struct tbuf b;
    tb_init(&b);
    tlsb_client_hello_record(&b, "mx.example.com", NULL, 0);
    d_bytes(&d, CL, &b);
    tb_reset(&b);
    tlsb_tls12_server_flight(&b, 0x0002); /* NULL-SHA: a 20-byte MAC, no encryption */
    d_bytes(&d, SV, &b);
    tb_reset(&b);
    tlsb_tls12_client_finish(&b);
    d_bytes(&d, CL, &b);
    tb_reset(&b);
    tlsb_tls12_server_finish(&b);
    d_bytes(&d, SV, &b);
    static const char *const inner[][2] = {
        {"EHLO client.example.org\r\n", "250-mx.example.com\r\n250 STARTTLS\r\n"},
        {"STARTTLS\r\n", "220 2.0.0 Ready to start TLS\r\n"},
        {"QUIT\r\n", "221 Bye\r\n"},
    };
    for (size_t i = 0; i < 3; i++) {
        for (int side = CL; side <= SV; side++) {
            uint8_t rec[128];
            size_t n = strlen(inner[i][side]);
            memcpy(rec, inner[i][side], n);
            memset(rec + n, 0xAA, 20); /* the MAC */
            tb_reset(&b);
            tlsb_records(&b, 23, 0x0303, rec, n + 20, 16384);
            d_bytes(&d, side, &b);
        }
    }
    tb_free(&b);
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    assert_int_equal(o.rec.starttls_reply, 220);
    static const uint16_t replies[] = {220};
    expect_replies(&o.rec, 1, replies, 1);
    assert_int_equal(o.rec.cipher_key, 0x0002);
    check_splits(&d, 25, true);
    d_free(&d);
}

/* The transition table, event by event, on a session driven directly. */
static void test_phase_table(void **state)
{
    (void)state;
    static const uint8_t a[16] = {192, 0, 2, 1};
    struct session_start st = {
        .family = 4, .client = a, .server = a, .server_port = 25, .syn_seen = true};
    struct session *s = session_new(&st);
    assert_int_equal(s->phase, PHASE_OPENING);
    session_step_simple(s, EV_SIDE_SMTP, SIDE_SERVER);
    assert_int_equal(s->phase, PHASE_DIALOGUE);
    session_step_simple(s, EV_STARTTLS, SIDE_CLIENT);
    assert_int_equal(s->phase, PHASE_STARTTLS_SENT);
    struct session_event refused = {EV_STARTTLS_REPLY, SIDE_SERVER, 503, NULL, 0};
    session_step(s, &refused);
    assert_int_equal(s->phase, PHASE_DIALOGUE);
    session_step_simple(s, EV_STARTTLS, SIDE_CLIENT);
    struct session_event ok = {EV_STARTTLS_REPLY, SIDE_SERVER, 220, NULL, 0};
    session_step(s, &ok);
    assert_int_equal(s->phase, PHASE_TLS_EXPECTED);
    session_step(s, &refused); /* a reply with no STARTTLS pending changes nothing */
    assert_int_equal(s->phase, PHASE_TLS_EXPECTED);
    session_step_simple(s, EV_TLS_BEGINS, SIDE_CLIENT);
    assert_int_equal(s->phase, PHASE_HANDSHAKE);
    assert_int_equal(s->entry, ENTRY_STARTTLS);
    session_step_simple(s, EV_ENCRYPTED_RECORD, SIDE_CLIENT);
    assert_int_equal(s->phase, PHASE_HANDSHAKE);
    session_step_simple(s, EV_ENCRYPTED_RECORD, SIDE_SERVER);
    assert_int_equal(s->phase, PHASE_ESTABLISHED);
    session_step_simple(s, EV_STARTTLS, SIDE_CLIENT); /* inside TLS */
    session_step_simple(s, EV_FATAL_ALERT, SIDE_SERVER);
    assert_int_equal(s->phase, PHASE_ESTABLISHED);
    assert_string_equal(session_phase_name(PHASE_ESTABLISHED), "established");
    struct session_record r;
    session_finish(s, &(struct session_end_facts){.end_us = 5}, &r);
    assert_int_equal(r.mode, SESSION_STARTTLS);
    assert_int_equal(r.starttls_attempts, 2);
}

/* The envelope domains sent in clear, never the local parts. */
static void test_envelope_domains(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP\r\n");
    d_text(&d, CL, "EHLO c.example\r\n");
    d_text(&d, SV, "250 mx.example.com\r\n");
    d_text(&d, CL, "MAIL FROM: <Alice@Example.ORG> SIZE=100\r\n");
    d_text(&d, SV, "250 Ok\r\n");
    d_text(&d, CL,
           "RCPT TO:<b@x.com>\r\nRCPT TO:<c@X.COM>\r\nRCPT TO:<@relay.example:d@y.net>\r\n");
    d_text(&d, SV, "250 Ok\r\n250 Ok\r\n250 Ok\r\n");
    d_text(&d, CL,
           "RCPT TO:<postmaster>\r\nRCPT TO:<e@[192.0.2.7]>\r\nMAIL FROM:<z@later.example>\r\n");
    d_text(&d, SV, "250 Ok\r\n250 Ok\r\n503 nested\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    assert_string_equal(o.rec.mail_from_domain, "example.org");
    assert_int_equal(o.rec.nrcpt_domains, 3);
    const char *p = o.rec.rcpt_domains;
    assert_string_equal(p, "x.com");
    p += strlen(p) + 1;
    assert_string_equal(p, "y.net");
    p += strlen(p) + 1;
    assert_string_equal(p, "[192.0.2.7]");
    assert_int_equal(o.rec.rcpt_domains_dropped, 0);
    check_splits(&d, 25, true);
    d_free(&d);

    /* the null sender has no domain; many recipients' domains are capped */
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP\r\n");
    d_text(&d, CL, "HELO c.example\r\n");
    d_text(&d, SV, "250 mx.example.com\r\n");
    d_text(&d, CL, "MAIL FROM:<>\r\n");
    d_text(&d, SV, "250 Ok\r\n");
    for (int i = 0; i < 40; i++) {
        char line[80];
        snprintf(line, sizeof line, "RCPT TO:<u@domain-number-%02d.example.net>\r\n", i);
        d_text(&d, CL, line);
        d_text(&d, SV, "250 Ok\r\n");
    }
    run(&d, 25, true, WHOLE, 0, &o);
    assert_string_equal(o.rec.mail_from_domain, "");
    assert_true(o.rec.nrcpt_domains > 10 && o.rec.nrcpt_domains < 40);
    assert_int_equal(o.rec.nrcpt_domains + o.rec.rcpt_domains_dropped, 40);
    d_free(&d);
}

static int8_t offered_for(const char *server_reply, const char *cmd)
{
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP\r\n");
    d_text(&d, CL, cmd);
    if (server_reply)
        d_text(&d, SV, server_reply);
    d_text(&d, CL, "QUIT\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    d_free(&d);
    return o.rec.starttls_offered;
}

static void test_starttls_offered_rules(void **state)
{
    (void)state;
    assert_int_equal(offered_for("250-mx\r\n250-STARTTLS\r\n250 SIZE 1000\r\n", "EHLO c\r\n"),
                     SESSION_TRUE);
    assert_int_equal(offered_for("250-mx\r\n250 STARTTLS\r\n", "EHLO c\r\n"), SESSION_TRUE);
    /* EHLO keywords are case-insensitive (RFC 5321 2.4) */
    assert_int_equal(offered_for("250-mx\r\n250 starttls\r\n", "EHLO c\r\n"), SESSION_TRUE);
    assert_int_equal(offered_for("250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", "EHLO c\r\n"),
                     SESSION_FALSE);
    /* a keyword that only starts like STARTTLS is not it */
    assert_int_equal(offered_for("250-mx\r\n250 STARTTLSX\r\n", "EHLO c\r\n"), SESSION_FALSE);
    /* the domain line (index 0) is not a keyword */
    assert_int_equal(offered_for("250 STARTTLS\r\n", "EHLO c\r\n"), SESSION_FALSE);
    assert_int_equal(offered_for("250 mx.example.com\r\n", "HELO c\r\n"), SESSION_FALSE);
    assert_int_equal(offered_for("502 5.5.2 Error: command not recognized\r\n250 mx\r\n",
                                 "EHLO c\r\nHELO c\r\n"),
                     SESSION_FALSE);
    /* no reply to EHLO seen */
    assert_int_equal(offered_for(NULL, "EHLO c\r\n"), SESSION_NULL);
    assert_int_equal(offered_for(NULL, "NOOP\r\n"), SESSION_NULL);
}

static void test_banner_only_is_unknown(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx.example.com ESMTP Postfix\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_UNKNOWN);
    assert_int_equal(o.rec.greeting_code, 220);
    assert_int_equal(o.rec.commands, 0);
    assert_int_equal(o.rec.starttls_offered, SESSION_NULL);
    assert_false(o.rec.has_helo);
    assert_int_equal(o.rec.packets[CL], 3);
    assert_int_equal(o.rec.bytes[SV], 200);
    assert_int_equal(o.rec.end, SESSION_END_CLOSED);
    assert_int_equal(o.rec.client_port, 40000);
    assert_int_equal(o.rec.server_port, 25);
    assert_memory_equal(o.rec.client, client_addr, 16);
    d_free(&d);
}

static void test_helo_kept(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 mx ESMTP\r\n");
    d_text(&d, CL, "EHLO  mail.example.org extra words\r\n");
    d_text(&d, SV, "250 mx\r\n");
    d_text(&d, CL, "HELO other.example\r\n");
    d_text(&d, SV, "250 mx\r\n");
    struct outcome o;
    run(&d, 25, true, WHOLE, 0, &o);
    assert_true(o.rec.has_helo);
    assert_string_equal(o.rec.helo, "mail.example.org");
    d_free(&d);

    /* HELO alone; a name longer than the cap is cut, not overflowed */
    d_init(&d);
    char line[600];
    memset(line, 0, sizeof line);
    strcpy(line, "HELO ");
    memset(line + 5, 'h', 400);
    strcat(line, "\r\n");
    d_text(&d, CL, line);
    run(&d, 587, true, WHOLE, 0, &o);
    assert_true(o.rec.has_helo);
    assert_true(strlen(o.rec.helo) <= LIMIT_SMTP_HOSTNAME);
    assert_int_equal(o.rec.helo[0], 'h');
    expect_mode(&o.rec, SESSION_PLAINTEXT);
    d_free(&d);
}

/* The server's name in its reply to HELO or EHLO: the first word of the
 * first 250 line, whatever came before (a refused EHLO) or after. */
static void test_ehlo_host(void **state)
{
    (void)state;
    struct dialogue d;
    d_init(&d);
    d_text(&d, SV, "220 ESMTP ready\r\n");
    d_text(&d, CL, "EHLO a.example.org\r\n");
    d_text(&d, SV, "502 5.5.2 Error: command not recognized\r\n");
    d_text(&d, CL, "HELO a.example.org\r\n");
    d_text(&d, SV, "250  mx1.example.com Hello a.example.org\r\n");
    d_text(&d, CL, "EHLO a.example.org\r\n");
    d_text(&d, SV, "250-mx2.example.com\r\n250 8BITMIME\r\n");
    for (enum chunking ch = WHOLE; ch <= RANDOM; ch++) {
        struct outcome o;
        run(&d, 25, true, ch, 7, &o);
        assert_string_equal(o.rec.greeting_host, "ESMTP");
        assert_string_equal(o.rec.ehlo_host, "mx1.example.com");
    }
    d_free(&d);
}

static void test_gap_counted(void **state)
{
    (void)state;
    struct session_start st = {.family = 4,
                               .client = client_addr,
                               .server = server_addr,
                               .client_port = 40000,
                               .server_port = 25,
                               .syn_seen = true};
    struct session *s = session_new(&st);
    bool stop;
    session_data(s, SV, (const uint8_t *)"220 mx ESMTP\r\n", 14, &stop);
    session_data(s, CL, (const uint8_t *)"MAIL FROM:<a", 12, &stop);
    session_gap(s, CL, 100);
    session_data(s, CL, (const uint8_t *)"b>\r\nRCPT TO:<c@d>\r\n", 19, &stop);
    struct session_record r;
    session_finish(s, &(struct session_end_facts){.end_us = 5, .end = SESSION_END_CAPTURE_END}, &r);
    assert_int_equal(r.gaps, 1);
    assert_int_equal(r.gap_bytes, 100);
    assert_int_equal(r.anomalies[ANOMALY_REASM_GAP], 1);
    assert_int_equal(r.end, SESSION_END_CAPTURE_END);
    bool rcpt = false;
    for (unsigned i = 0; i < r.nleaked; i++)
        rcpt |= r.leaked[i] == SESSION_LEAK_RCPT;
    assert_true(rcpt);
}

static void test_midstream_tls_both_ways(void **state)
{
    (void)state;
    /* Joined mid-stream: application data records both ways from the first
     * captured byte. Port 25: an earlier STARTTLS; 465: implicit TLS; the
     * ServerHello was before the capture. */
    struct dialogue d;
    d_init(&d);
    struct tbuf b;
    tb_init(&b);
    tlsb_opaque_record(&b, 23, 0x0303, 80, 70);
    tlsb_opaque_record(&b, 23, 0x0303, 60, 71);
    d_bytes(&d, CL, &b);
    tb_reset(&b);
    tlsb_opaque_record(&b, 23, 0x0303, 90, 72);
    d_bytes(&d, SV, &b);
    tb_free(&b);
    struct outcome o;
    run(&d, 25, false, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_STARTTLS);
    assert_int_equal(o.rec.tls_version, 0);
    assert_int_equal(o.rec.cipher_key, SESSION_NO_CIPHER);
    assert_false(o.rec.syn_seen);
    run(&d, 465, false, WHOLE, 0, &o);
    expect_mode(&o.rec, SESSION_IMPLICIT_TLS);
    d_free(&d);
}

static void test_recognised(void **state)
{
    (void)state;
    struct session_start st = {.family = 4,
                               .client = client_addr,
                               .server = server_addr,
                               .client_port = 40000,
                               .server_port = 8080,
                               .syn_seen = true};
    struct session *s = session_new(&st);
    bool stop;
    session_data(s, SV, (const uint8_t *)"220 hello\r\n", 11, &stop);
    assert_false(session_recognised(s));
    session_data(s, CL, (const uint8_t *)"EHLO x\r\n", 8, &stop);
    assert_true(session_recognised(s));
    struct session_record r;
    session_finish(s, &(struct session_end_facts){.end_us = 5, .end = SESSION_END_CLOSED}, &r);
}

static int free_buffers(void **state)
{
    (void)state;
    tb_free_all();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plaintext_with_leaks_in_order),
        cmocka_unit_test(test_starttls_tls12_established),
        cmocka_unit_test(test_starttls_refused),
        cmocka_unit_test(test_starttls_then_fatal_alert),
        cmocka_unit_test(test_starttls_220_then_plaintext),
        cmocka_unit_test(test_commands_behind_starttls_leak),
        cmocka_unit_test(test_implicit_tls12),
        cmocka_unit_test(test_sni_capped),
        cmocka_unit_test(test_implicit_tls13),
        cmocka_unit_test(test_tls13_client_lone_encrypted_record_not_established),
        cmocka_unit_test(test_client_hello_answered_by_banner),
        cmocka_unit_test(test_starttls_offered_rules),
        cmocka_unit_test(test_banner_only_is_unknown),
        cmocka_unit_test(test_helo_kept),
        cmocka_unit_test(test_ehlo_host),
        cmocka_unit_test(test_gap_counted),
        cmocka_unit_test(test_midstream_tls_both_ways),
        cmocka_unit_test(test_recognised),
        cmocka_unit_test(test_starttls_refused_then_accepted),
        cmocka_unit_test(test_starttls_454_then_220),
        cmocka_unit_test(test_starttls_refused_twice_then_clear),
        cmocka_unit_test(test_starttls_refused_then_handshake_fails),
        cmocka_unit_test(test_plaintext_after_220_then_retry),
        cmocka_unit_test(test_starttls_inside_tls),
        cmocka_unit_test(test_phase_table),
        cmocka_unit_test(test_envelope_domains),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
