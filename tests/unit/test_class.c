/*
 * test_class.c - what a session carried (report/class.h), from records
 * made by the real session decoder out of SMTP dialogues.
 *
 * Contract under test: connect-and-close, a banner read, HELO or EHLO then
 * QUIT, RSET or NOOP, VRFY are probes; a mail transaction in clear is
 * "mail", AUTH alone "auth", a STARTTLS or TLS from the client "tls"
 * whatever came of it; the classes add up to the sessions, and the share of
 * encrypted sessions without probes is over the others.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "aggregate.h"
#include "class.h"
#include "session.h"

static const uint8_t client_addr[16] = {192, 0, 2, 1}, server_addr[16] = {192, 0, 2, 25};

/* A session from its lines: "C:" from the client, "S:" from the server. */
static struct session_record dialogue(uint16_t port, const char *const *lines)
{
    struct session_start st = {.start_us = 1000,
                               .family = 4,
                               .client = client_addr,
                               .server = server_addr,
                               .client_port = 40000,
                               .server_port = port,
                               .syn_seen = true,
                               .implicit_port = port == 465};
    struct session *s = session_new(&st);
    assert_non_null(s);
    for (size_t i = 0; lines[i]; i++) {
        bool stop = false;
        session_data(s, lines[i][0] == 'C' ? SIDE_CLIENT : SIDE_SERVER,
                     (const uint8_t *)lines[i] + 2, strlen(lines[i]) - 2, &stop);
    }
    struct session_record r;
    session_finish(s, &(struct session_end_facts){.end_us = 2000, .end = SESSION_END_CLOSED}, &r);
    return r;
}

#define DIALOGUE(port, ...) dialogue(port, (const char *const[]){__VA_ARGS__, NULL})

static void test_probes(void **state)
{
    (void)state;
    struct session_record connect_close = DIALOGUE(25, "S:");
    assert_int_equal(class_of(&connect_close), CLASS_PROBE);
    struct session_record banner = DIALOGUE(25, "S:220 mx.example.net ESMTP\r\n");
    assert_int_equal(class_of(&banner), CLASS_PROBE);
    struct session_record ehlo_quit = DIALOGUE(
        25, "S:220 mx.example.net ESMTP\r\n", "C:EHLO nagios.example.net\r\n",
        "S:250-mx.example.net\r\n250-STARTTLS\r\n250 8BITMIME\r\n", "C:QUIT\r\n", "S:221 bye\r\n");
    assert_int_equal(ehlo_quit.mode, SESSION_PLAINTEXT);
    assert_int_equal(class_of(&ehlo_quit), CLASS_PROBE);
    struct session_record helo_rset =
        DIALOGUE(25, "S:220 mx.example.net ESMTP\r\n", "C:HELO lb.example.net\r\n",
                 "S:250 mx.example.net\r\n", "C:RSET\r\n", "S:250 ok\r\n", "C:NOOP\r\n",
                 "S:250 ok\r\n", "C:VRFY postmaster\r\n", "S:252 maybe\r\n", "C:QUIT\r\n");
    assert_int_equal(class_of(&helo_rset), CLASS_PROBE);
    assert_string_equal(class_name(CLASS_PROBE), "probe");
}

static void test_what_was_carried(void **state)
{
    (void)state;
    struct session_record mail =
        DIALOGUE(25, "S:220 mx.example.net ESMTP\r\n", "C:EHLO a.example.org\r\n", "S:250 mx\r\n",
                 "C:MAIL FROM:<a@example.org>\r\n", "S:250 ok\r\n", "C:RCPT TO:<b@example.net>\r\n",
                 "S:250 ok\r\n", "C:QUIT\r\n");
    assert_int_equal(class_of(&mail), CLASS_MAIL);
    assert_string_equal(class_name(CLASS_MAIL), "mail");
    struct session_record auth =
        DIALOGUE(587, "S:220 mx.example.net ESMTP\r\n", "C:EHLO a.example.org\r\n",
                 "S:250-mx\r\n250 AUTH PLAIN\r\n", "C:AUTH PLAIN AGFAYg==\r\n", "S:535 no\r\n",
                 "C:QUIT\r\n");
    assert_int_equal(class_of(&auth), CLASS_AUTH);
    assert_string_equal(class_name(CLASS_AUTH), "auth");
    struct session_record refused = DIALOGUE(
        25, "S:220 mx.example.net ESMTP\r\n", "C:EHLO a.example.org\r\n",
        "S:250-mx\r\n250 STARTTLS\r\n", "C:STARTTLS\r\n", "S:454 not now\r\n", "C:QUIT\r\n");
    assert_int_equal(refused.mode, SESSION_STARTTLS_FAILED);
    assert_int_equal(class_of(&refused), CLASS_TLS);
    assert_string_equal(class_name(CLASS_TLS), "tls");
    /* STARTTLS sent, no reply seen (a one-sided capture): mode unknown */
    struct session_record one_sided = DIALOGUE(25, "C:EHLO a.example.org\r\n", "C:STARTTLS\r\n");
    assert_int_equal(one_sided.mode, SESSION_UNKNOWN);
    assert_int_equal(class_of(&one_sided), CLASS_TLS);
    /* refused, then the mail in clear: the envelope went in clear */
    struct session_record fallback =
        DIALOGUE(25, "S:220 mx.example.net ESMTP\r\n", "C:EHLO a.example.org\r\n",
                 "S:250-mx\r\n250 STARTTLS\r\n", "C:STARTTLS\r\n", "S:454 not now\r\n",
                 "C:MAIL FROM:<a@example.org>\r\n", "S:250 ok\r\n");
    assert_int_equal(class_of(&fallback), CLASS_MAIL);
    /* TLS from the client's first byte, whatever came of it */
    struct session_record tls;
    memset(&tls, 0, sizeof tls);
    tls.mode = SESSION_IMPLICIT_TLS_FAILED;
    assert_int_equal(class_of(&tls), CLASS_TLS);
    tls.mode = SESSION_IMPLICIT_TLS;
    assert_int_equal(class_of(&tls), CLASS_TLS);
}

/* Three monitoring probes and one mail over STARTTLS: 25% of all sessions
 * encrypted, 100% of those that carried something. */
static void test_headline_without_probes(void **state)
{
    (void)state;
    struct aggregate a;
    static const struct hash_key key = {1, 2};
    struct findings *fi = findings_new(&key, NULL);
    assert_int_equal(aggregate_init(&a, NULL), 0);
    struct session_record probe =
        DIALOGUE(25, "S:220 mx.example.net ESMTP\r\n", "C:EHLO nagios.example.net\r\n",
                 "S:250-mx.example.net\r\n250 STARTTLS\r\n", "C:QUIT\r\n");
    struct session_record mail = probe;
    mail.mode = SESSION_STARTTLS;
    mail.starttls_attempts = 1;
    for (int i = 0; i < 4; i++) {
        struct verdict v;
        findings_judge(fi, i == 3 ? &mail : &probe, &v);
        aggregate_add(&a, i == 3 ? &mail : &probe, &v);
    }
    assert_int_equal(a.total, 4);
    assert_int_equal(a.classes[CLASS_PROBE], 3);
    assert_int_equal(a.classes[CLASS_TLS], 1);
    assert_int_equal(aggregate_carrying(&a), 1);
    assert_int_equal(a.encrypted, 1);
    aggregate_free(&a);
    findings_free(fi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probes),
        cmocka_unit_test(test_what_was_carried),
        cmocka_unit_test(test_headline_without_probes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
