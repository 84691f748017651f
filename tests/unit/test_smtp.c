/*
 * test_smtp.c - the SMTP dialogue decoder (decode/smtp.h).
 *
 * Normative sources: RFC 5321 (commands, replies, multi-line replies 4.2.1,
 * DATA and dot-stuffing 4.5.2), RFC 2920 (pipelining: replies match
 * commands first in, first out; the example of section 3.2 is used below),
 * RFC 3030 (BDAT chunks are binary and counted), RFC 4954 (AUTH and its 334
 * challenges; base64 responses are no commands), RFC 3207 (STARTTLS: after
 * the 220 the next bytes of both sides are TLS).
 *
 * Events are recorded as text lines (tests/support/recorder.h): "CMD <verb>
 * <arg>", "REP <to> <code> <index> last|more <text>", "ANOM <name>", and
 * "TLS c|s step=<i> off=<n>" where a side was handed over to TLS.
 */
#include "smtp.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "prng.h"
#include "recorder.h"
#include "smtpdrive.h"
#include "tbuf.h"

#define C SIDE_CLIENT
#define S SIDE_SERVER
#define N(steps) (sizeof(steps) / sizeof((steps)[0]))

static struct recorder rec;
/* The reference recording of check_splits, freed by the next call or the
 * group teardown (a failed assertion skips the rest of the function). */
static char *split_ref;

static int setup(void **state)
{
    (void)state;
    rec_init(&rec);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rec_free(&rec);
    free(split_ref);
    split_ref = NULL;
    tb_free_all();
    return 0;
}

/* Run a dialogue on a fresh decoder; returns the recording (valid until
 * the next run). */
static const char *run_opts(const struct smtp_step *steps, size_t n, const struct drive_opts *o)
{
    struct smtp s;
    smtp_init(&s, true);
    rec_reset(&rec);
    smtp_drive(&s, steps, n, o, &rec);
    assert_true(s.pending_count <= LIMIT_SMTP_PENDING_CMDS);
    smtp_free(&s);
    return rec_text(&rec);
}

static const char *run(const struct smtp_step *steps, size_t n)
{
    struct drive_opts o = {.mode = DRIVE_WHOLE};
    return run_opts(steps, n, &o);
}

static void expect(const struct smtp_step *steps, size_t n, const char *want)
{
    const char *got = run(steps, n);
    if (strcmp(got, want) != 0)
        fail_msg("events differ.\n--- got:\n%s--- want:\n%s", got, want);
}

static char *dup_text(const char *t)
{
    return (char *)tb_dup((const uint8_t *)t, strlen(t) + 1);
}

/* Split invariance and the prefix property: whole, byte by byte, seeded
 * random chunks and every single extra cut give the same events; feeding any
 * prefix gives a prefix of those events. */
static void check_splits(const struct smtp_step *steps, size_t n)
{
    free(split_ref);
    split_ref = NULL;
    const char *ref = split_ref = dup_text(run(steps, n));
    size_t total = smtp_dialogue_len(steps, n);
    struct drive_opts o = {.mode = DRIVE_BYTES};
    const char *got = run_opts(steps, n, &o);
    if (strcmp(got, ref) != 0)
        fail_msg("byte-at-a-time differs.\n--- got:\n%s--- whole:\n%s", got, ref);
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct drive_opts r = {.mode = DRIVE_RANDOM, .seed = seed, .max_chunk = seed % 3 ? 7 : 40};
        got = run_opts(steps, n, &r);
        if (strcmp(got, ref) != 0)
            fail_msg("random chunks (seed %llu) differ.\n--- got:\n%s--- whole:\n%s",
                     (unsigned long long)seed, got, ref);
    }
    for (size_t k = 1; k < total; k++) {
        struct drive_opts a = {.mode = DRIVE_SPLIT_AT, .split_at = k};
        got = run_opts(steps, n, &a);
        if (strcmp(got, ref) != 0)
            fail_msg("cut at byte %zu differs.\n--- got:\n%s--- whole:\n%s", k, got, ref);
        struct drive_opts p = {.mode = DRIVE_WHOLE, .prefix = true, .limit = k};
        got = run_opts(steps, n, &p);
        if (strncmp(got, ref, strlen(got)) != 0)
            fail_msg("prefix of %zu bytes is no prefix of the events.\n--- got:\n%s--- whole:\n%s",
                     k, got, ref);
    }
    free(split_ref);
    split_ref = NULL;
}

static void test_greeting(void **state)
{
    (void)state;
    static const struct smtp_step one[] = {{S, "220 mx.example.com ESMTP Postfix\r\n", 0}};
    expect(one, N(one), "REP - 220 0 last mx.example.com ESMTP Postfix\n");
    /* RFC 5321 4.2.1 multi-line greeting */
    static const struct smtp_step multi[] = {
        {S, "220-mx.example.com ESMTP\r\n220-no UCE\r\n220 ready\r\n", 0}};
    expect(multi, N(multi),
           "REP - 220 0 more mx.example.com ESMTP\n"
           "REP - 220 1 more no UCE\n"
           "REP - 220 2 last ready\n");
}

static const struct smtp_step ehlo_dialogue[] = {
    {S, "220 mx.example.com ESMTP\r\n", 0},
    {C, "EHLO client.example.org\r\n", 0},
    {S,
     "250-mx.example.com Hello client\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
     "250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
     0},
};

static void test_ehlo_multiline_reply(void **state)
{
    (void)state;
    expect(ehlo_dialogue, N(ehlo_dialogue),
           "REP - 220 0 last mx.example.com ESMTP\n"
           "CMD EHLO client.example.org\n"
           "REP EHLO 250 0 more mx.example.com Hello client\n"
           "REP EHLO 250 1 more PIPELINING\n"
           "REP EHLO 250 2 more SIZE 10240000\n"
           "REP EHLO 250 3 more STARTTLS\n"
           "REP EHLO 250 4 more AUTH PLAIN LOGIN\n"
           "REP EHLO 250 5 last 8BITMIME\n");
    check_splits(ehlo_dialogue, N(ehlo_dialogue));
}

/* RFC 2920 section 3.2, the pipelined exchange (after EHLO). */
static const struct smtp_step rfc2920[] = {
    {S, "220 innosoft.com SMTP service ready\r\n", 0},
    {C,
     "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\n"
     "RCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n",
     0},
    {S,
     "250 sender <mrose@dbc.mtview.ca.us> OK\r\n250 recipient <ned@innosoft.com> OK\r\n"
     "250 recipient <dan@innosoft.com> OK\r\n250 recipient <kvc@innosoft.com> OK\r\n"
     "354 enter mail, end with line containing only \".\"\r\n",
     0},
    {C, " ...\r\n.\r\nQUIT\r\n", 0},
    {S, "250 message sent\r\n221 goodbye\r\n", 0},
};

static void test_pipelined_replies_matched_fifo(void **state)
{
    (void)state;
    expect(rfc2920, N(rfc2920),
           "REP - 220 0 last innosoft.com SMTP service ready\n"
           "CMD MAIL FROM:<mrose@dbc.mtview.ca.us>\n"
           "CMD RCPT TO:<ned@innosoft.com>\n"
           "CMD RCPT TO:<dan@innosoft.com>\n"
           "CMD RCPT TO:<kvc@innosoft.com>\n"
           "CMD DATA \n"
           "REP MAIL 250 0 last sender <mrose@dbc.mtview.ca.us> OK\n"
           "REP RCPT 250 0 last recipient <ned@innosoft.com> OK\n"
           "REP RCPT 250 0 last recipient <dan@innosoft.com> OK\n"
           "REP RCPT 250 0 last recipient <kvc@innosoft.com> OK\n"
           "REP DATA 354 0 last enter mail, end with line containing only \".\"\n"
           "CMD QUIT \n"
           "REP <end-of-data> 250 0 last message sent\n"
           "REP QUIT 221 0 last goodbye\n");
    check_splits(rfc2920, N(rfc2920));
}

static void test_data_body_forms(void **state)
{
    (void)state;
    /* Dot-stuffed lines ("..", "..\r\n") and a line "." inside a longer line
     * do not end the body; the line "." does (RFC 5321 4.5.2). */
    static const struct smtp_step crlf[] = {
        {C, "DATA\r\n", 0},
        {S, "354 go ahead\r\n", 0},
        {C, "Subject: t\r\n\r\n..not the end\r\n..\r\nx.\r\n.x\r\n\r\n.\r\nQUIT\r\n", 0},
        {S, "250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n", 0},
    };
    static const char want[] = "CMD DATA \n"
                               "REP DATA 354 0 last go ahead\n"
                               "CMD QUIT \n"
                               "REP <end-of-data> 250 0 last 2.0.0 Ok: queued\n"
                               "REP QUIT 221 0 last 2.0.0 Bye\n";
    expect(crlf, N(crlf), want);
    check_splits(crlf, N(crlf));

    /* Bare LF line ends */
    static const struct smtp_step lf[] = {
        {C, "DATA\n", 0},
        {S, "354 go ahead\r\n", 0},
        {C, "Subject: t\n\nbody\n.\nQUIT\n", 0},
        {S, "250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n", 0},
    };
    expect(lf, N(lf), want);
    check_splits(lf, N(lf));

    /* An empty body */
    static const struct smtp_step empty[] = {
        {C, "DATA\r\n", 0},
        {S, "354 go ahead\r\n", 0},
        {C, ".\r\nQUIT\r\n", 0},
        {S, "250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n", 0},
    };
    expect(empty, N(empty), want);
}

static void test_body_pipelined_before_354(void **state)
{
    (void)state;
    static const struct smtp_step steps[] = {
        {C, "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", 0},
        {S, "354 go\r\n250 ok\r\n221 bye\r\n", 0},
    };
    expect(steps, N(steps),
           "CMD DATA \n"
           "CMD QUIT \n"
           "REP DATA 354 0 last go\n"
           "REP <end-of-data> 250 0 last ok\n"
           "REP QUIT 221 0 last bye\n");
    check_splits(steps, N(steps));
}

/* The 354 is captured while the client, which did not wait for it, is in the
 * middle of its body: where the client is in "\r\n.\r\n" must not change. */
static void test_354_arriving_mid_body(void **state)
{
    (void)state;
    /* after "line1\r\n." the client sends "\r\n": that ends the body */
    static const struct smtp_step after_dot[] = {
        {C, "DATA\r\nSubject: x\r\n\r\nline1\r\n.", 0},
        {S, "354 go\r\n", 0},
        {C, "\r\nQUIT\r\n", 0},
        {S, "250 ok\r\n221 bye\r\n", 0},
    };
    expect(after_dot, N(after_dot),
           "CMD DATA \n"
           "REP DATA 354 0 last go\n"
           "CMD QUIT \n"
           "REP <end-of-data> 250 0 last ok\n"
           "REP QUIT 221 0 last bye\n");
}

static void test_354_arriving_mid_body_line(void **state)
{
    (void)state;
    /* mid-line: "abc" then ".\r\n" is the line "abc.", not the end */
    static const struct smtp_step mid_line[] = {
        {C, "DATA\r\nabc", 0},
        {S, "354 go\r\n", 0},
        {C, ".\r\nQUIT\r\n", 0},
    };
    expect(mid_line, N(mid_line), "CMD DATA \nREP DATA 354 0 last go\n");
}

static void test_data_rejected_returns_to_commands(void **state)
{
    (void)state;
    static const struct smtp_step steps[] = {
        {C, "RCPT TO:<nobody@example.com>\r\n", 0},
        {S, "550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n", 0},
        {C, "DATA\r\n", 0},
        {S, "554 5.5.1 Error: no valid recipients\r\n", 0},
        {C, "QUIT\r\n", 0},
        {S, "221 2.0.0 Bye\r\n", 0},
    };
    expect(steps, N(steps),
           "CMD RCPT TO:<nobody@example.com>\n"
           "REP RCPT 550 0 last 5.1.1 <nobody@example.com>: Recipient address rejected\n"
           "CMD DATA \n"
           "REP DATA 554 0 last 5.5.1 Error: no valid recipients\n"
           "CMD QUIT \n"
           "REP QUIT 221 0 last 2.0.0 Bye\n");
}

static void test_bdat_skips_exactly(void **state)
{
    (void)state;
    /* RFC 3030: BDAT 33, 33 binary bytes holding "\r\n.\r\n", a command-like
     * line and TLS-looking bytes; BDAT 5 LAST with 5 more; then QUIT. */
    static const uint8_t chunk1[33] = "Hi\r\n.\r\nMAIL FROM:<x@y>\r\n\x00\xff\x16\x03\x01\x00\x05";
    static const uint8_t chunk2[5] = {'\r', '\n', '.', '\r', '\n'};
    struct tbuf b;
    tb_init(&b);
    tb_str(&b, "BDAT 33\r\n");
    tb_put(&b, chunk1, sizeof chunk1);
    tb_str(&b, "BDAT 5 LAST\r\n");
    tb_put(&b, chunk2, sizeof chunk2);
    tb_str(&b, "QUIT\r\n");
    struct smtp_step steps[] = {
        {C, (const char *)b.p, b.len},
        {S, "250 2.0.0 33 octets received\r\n250 2.0.0 Message accepted\r\n221 Bye\r\n", 0},
    };
    expect(steps, N(steps),
           "CMD BDAT 33\n"
           "CMD BDAT 5 LAST\n"
           "CMD QUIT \n"
           "REP BDAT 250 0 last 2.0.0 33 octets received\n"
           "REP BDAT 250 0 last 2.0.0 Message accepted\n"
           "REP QUIT 221 0 last Bye\n");
    check_splits(steps, N(steps));
    /* the count plus or minus one: the chunk boundary moves, QUIT is no
     * command any more ("jQUIT", "UIT") */
    static const char *const off_by_one[] = {"BDAT 9\r\nabcdefghijQUIT\r\n",
                                             "BDAT 11\r\nabcdefghijQUIT\r\n"};
    for (int i = 0; i < 2; i++) {
        struct smtp_step one[] = {{C, off_by_one[i], 0}};
        const char *got = run(one, 1);
        assert_null(strstr(got, "CMD QUIT"));
        assert_int_equal(rec.anomalies[ANOMALY_SMTP_UNKNOWN_COMMAND], 1);
    }
    tb_free(&b);
}

static const struct smtp_step auth_login[] = {
    {C, "AUTH LOGIN\r\n", 0},
    {S, "334 VXNlcm5hbWU6\r\n", 0},
    {C, "dXNlcm5hbWU=\r\n", 0},
    {S, "334 UGFzc3dvcmQ6\r\n", 0},
    {C, "cGFzc3dvcmQ=\r\n", 0},
    {S, "235 2.7.0 Authentication successful\r\n", 0},
    {C, "MAIL FROM:<a@example.org>\r\n", 0},
    {S, "250 2.1.0 Ok\r\n", 0},
};

static void test_auth_login_base64_not_commands(void **state)
{
    (void)state;
    expect(auth_login, N(auth_login),
           "CMD AUTH LOGIN\n"
           "REP AUTH 334 0 last VXNlcm5hbWU6\n"
           "REP AUTH 334 0 last UGFzc3dvcmQ6\n"
           "REP AUTH 235 0 last 2.7.0 Authentication successful\n"
           "CMD MAIL FROM:<a@example.org>\n"
           "REP MAIL 250 0 last 2.1.0 Ok\n");
    check_splits(auth_login, N(auth_login));

    /* AUTH PLAIN with an initial response, and a cancelled exchange ("*") */
    static const struct smtp_step plain[] = {
        {C, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n", 0},
        {S, "235 2.7.0 Authentication successful\r\n", 0},
        {C, "AUTH LOGIN\r\n", 0},
        {S, "334 VXNlcm5hbWU6\r\n", 0},
        {C, "*\r\n", 0},
        {S, "501 5.7.0 Authentication aborted\r\n", 0},
        {C, "QUIT\r\n", 0},
    };
    expect(plain, N(plain),
           "CMD AUTH PLAIN AHVzZXIAcGFzcw==\n"
           "REP AUTH 235 0 last 2.7.0 Authentication successful\n"
           "CMD AUTH LOGIN\n"
           "REP AUTH 334 0 last VXNlcm5hbWU6\n"
           "REP AUTH 501 0 last 5.7.0 Authentication aborted\n"
           "CMD QUIT \n");
}

static void test_command_in_sasl_ends_sasl(void **state)
{
    (void)state;
    /* The end of the exchange was not seen: a line that cannot be base64 and
     * is a command ends it, and its reply is matched to it. */
    static const struct smtp_step steps[] = {
        {C, "AUTH LOGIN\r\n", 0},
        {S, "334 VXNlcm5hbWU6\r\n", 0},
        {C, "MAIL FROM:<a@b.example>\r\n", 0},
        {S, "250 2.1.0 Ok\r\n", 0},
    };
    expect(steps, N(steps),
           "CMD AUTH LOGIN\n"
           "REP AUTH 334 0 last VXNlcm5hbWU6\n"
           "CMD MAIL FROM:<a@b.example>\n"
           "REP MAIL 250 0 last 2.1.0 Ok\n");
}

/* "\x16\x03\x01\x00\x05hello": the first bytes of a TLS record */
#define TLS_BYTES "\x16\x03\x01\x00\x05hello"

static void test_starttls_220_hands_over(void **state)
{
    (void)state;
    static const struct smtp_step steps[] = {
        {S, "220 mx.example.com ESMTP\r\n", 0},
        {C, "EHLO c.example\r\n", 0},
        {S, "250-mx.example.com\r\n250 STARTTLS\r\n", 0},
        {C, "STARTTLS\r\n", 0},
        {S, "220 2.0.0 Ready to start TLS\r\n", 0},
        {C, TLS_BYTES "more TLS", 18},
        {S,
         "\x16\x03\x03\x00\x02"
         "ab",
         7},
    };
    expect(steps, N(steps),
           "REP - 220 0 last mx.example.com ESMTP\n"
           "CMD EHLO c.example\n"
           "REP EHLO 250 0 more mx.example.com\n"
           "REP EHLO 250 1 last STARTTLS\n"
           "CMD STARTTLS \n"
           "REP STARTTLS 220 0 last 2.0.0 Ready to start TLS\n"
           "TLS c step=5 off=0\n"
           "TLS s step=6 off=0\n");
    check_splits(steps, N(steps));

    /* The server's TLS bytes in the same chunk as its 220 line: handed over
     * at the byte after the line (30) */
    static const struct smtp_step same_chunk[] = {
        {S, "220 mx ESMTP\r\n", 0},
        {C, "STARTTLS\r\n", 0},
        {S,
         "220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x02"
         "ab",
         37},
        {C, TLS_BYTES, 10},
    };
    expect(same_chunk, N(same_chunk),
           "REP - 220 0 last mx ESMTP\n"
           "CMD STARTTLS \n"
           "REP STARTTLS 220 0 last 2.0.0 Ready to start TLS\n"
           "TLS s step=2 off=30\n"
           "TLS c step=3 off=0\n");
    check_splits(same_chunk, N(same_chunk));
}

static void test_starttls_refused_client_goes_on(void **state)
{
    (void)state;
    static const struct smtp_step steps[] = {
        {C, "STARTTLS\r\n", 0},
        {S, "454 4.7.0 TLS not available due to local problem\r\n", 0},
        {C, "MAIL FROM:<a@b.example>\r\n", 0},
        {S, "250 2.1.0 Ok\r\n", 0},
    };
    expect(steps, N(steps),
           "CMD STARTTLS \n"
           "REP STARTTLS 454 0 last 4.7.0 TLS not available due to local problem\n"
           "CMD MAIL FROM:<a@b.example>\n"
           "REP MAIL 250 0 last 2.1.0 Ok\n");
}

static void test_commands_pipelined_after_starttls(void **state)
{
    (void)state;
    /* CVE-2011-0411: plaintext injected behind STARTTLS */
    static const struct smtp_step steps[] = {
        {S, "220 mx ESMTP\r\n", 0},
        {C, "STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.net>\r\n", 0},
        {S, "220 2.0.0 Ready to start TLS\r\n", 0},
        {C, TLS_BYTES, 10},
    };
    expect(steps, N(steps),
           "REP - 220 0 last mx ESMTP\n"
           "CMD STARTTLS \n"
           "ANOM smtp-command-after-starttls\n"
           "CMD RSET \n"
           "ANOM smtp-command-after-starttls\n"
           "CMD MAIL FROM:<evil@example.net>\n"
           "REP STARTTLS 220 0 last 2.0.0 Ready to start TLS\n"
           "TLS c step=3 off=0\n");
    check_splits(steps, N(steps));
}

static void test_plaintext_after_220_stays_smtp(void **state)
{
    (void)state;
    /* The 220 came but the client went on in clear: the dialogue is SMTP
     * again on both sides, replies matched to their commands. */
    static const struct smtp_step steps[] = {
        {S, "220 mx ESMTP\r\n", 0},
        {C, "STARTTLS\r\n", 0},
        {S, "220 2.0.0 Ready to start TLS\r\n", 0},
        {C, "MAIL FROM:<a@b.example>\r\n", 0},
        {S, "250 2.1.0 Ok\r\n", 0},
        {C, "QUIT\r\n", 0},
        {S, "221 2.0.0 Bye\r\n", 0},
    };
    const char *t = run(steps, N(steps));
    assert_true(rec_has_line(&rec, "REP STARTTLS 220 0 last 2.0.0 Ready to start TLS"));
    assert_true(rec_has_line(&rec, "CMD MAIL FROM:<a@b.example>"));
    assert_true(rec_has_line(&rec, "REP MAIL 250 0 last 2.1.0 Ok"));
    assert_true(rec_has_line(&rec, "CMD QUIT "));
    assert_true(rec_has_line(&rec, "REP QUIT 221 0 last 2.0.0 Bye"));
    assert_null(strstr(t, "TLS c step"));
    assert_null(strstr(t, "TLS s step"));
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_REPLY_WITHOUT_COMMAND], 0);
    check_splits(steps, N(steps));
}

static void test_pending_command_cap(void **state)
{
    (void)state;
    const unsigned n = LIMIT_SMTP_PENDING_CMDS + 2;
    struct tbuf cmds, replies;
    tb_init(&cmds);
    tb_init(&replies);
    for (unsigned i = 0; i < n; i++) {
        tb_str(&cmds, "NOOP\r\n");
        tb_str(&replies, "250 2.0.0 Ok\r\n");
    }
    struct smtp_step steps[] = {
        {C, (const char *)cmds.p, cmds.len},
        {S, (const char *)replies.p, replies.len},
    };
    run(steps, N(steps));
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_PIPELINE_CAP], 2);
    /* the queue held LIMIT commands: that many replies are matched */
    const char *t = rec_text(&rec);
    unsigned matched = 0;
    for (const char *p = t; (p = strstr(p, "REP NOOP 250")) != NULL; p++)
        matched++;
    assert_int_equal(matched, LIMIT_SMTP_PENDING_CMDS);
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_REPLY_WITHOUT_COMMAND], 2);
    tb_free(&cmds);
    tb_free(&replies);
}

static void test_reply_without_command(void **state)
{
    (void)state;
    static const struct smtp_step steps[] = {
        {S, "220 mx ESMTP\r\n250 spurious\r\n", 0},
    };
    expect(steps, N(steps),
           "REP - 220 0 last mx ESMTP\n"
           "ANOM smtp-reply-without-command\n"
           "REP - 250 0 last spurious\n");
}

static void test_malformed_replies(void **state)
{
    (void)state;
    static const struct smtp_step bad[] = {
        {S, "hello\r\n25\r\n250x ok\r\n2a0 ok\r\n\r\n", 0},
    };
    expect(bad, N(bad),
           "ANOM smtp-bad-reply\nANOM smtp-bad-reply\nANOM smtp-bad-reply\n"
           "ANOM smtp-bad-reply\nANOM smtp-bad-reply\n");
    /* a bare code is a whole reply; a code that changes within a multi-line
     * reply is flagged */
    static const struct smtp_step codes[] = {
        {S, "220\r\n", 0},
        {C, "EHLO x\r\n", 0},
        {S, "250-a\r\n251 b\r\n", 0},
    };
    expect(codes, N(codes),
           "REP - 220 0 last \n"
           "CMD EHLO x\n"
           "REP EHLO 250 0 more a\n"
           "ANOM smtp-bad-reply\n"
           "REP EHLO 251 1 last b\n");
}

static void test_unknown_and_overlong_commands(void **state)
{
    (void)state;
    static const struct smtp_step unknown[] = {
        {C, "XYZZY plugh\r\n", 0},
        {S, "502 5.5.2 Error: command not recognized\r\n", 0},
    };
    const char *t = run(unknown, N(unknown));
    assert_true(rec_has_line(&rec, "ANOM smtp-unknown-command"));
    assert_non_null(strstr(t, "CMD OTHER "));
    assert_true(rec_has_line(&rec, "REP OTHER 502 0 last 5.5.2 Error: command not recognized"));

    struct tbuf b;
    tb_init(&b);
    tb_str(&b, "MAIL FROM:<");
    tb_fill(&b, 'a', 2 * LIMIT_SMTP_LINE);
    tb_str(&b, "@example.org>\r\nQUIT\r\n");
    struct smtp_step steps[] = {{C, (const char *)b.p, b.len}};
    run(steps, 1);
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_LINE_TOO_LONG], 1);
    assert_non_null(strstr(rec_text(&rec), "CMD MAIL FROM:<aaaa"));
    assert_true(rec_has_line(&rec, "CMD QUIT "));
    check_splits(steps, 1);
    tb_free(&b);
}

static size_t feed(struct smtp *s, int dir, const char *text)
{
    size_t n = strlen(text);
    uint8_t *copy = tb_dup((const uint8_t *)text, n);
    bool to_tls;
    size_t used = smtp_feed(s, dir, copy, n, &rec_smtp_events, &rec, &to_tls);
    free(copy);
    return used;
}

static void test_gap_resynchronises_at_next_line(void **state)
{
    (void)state;
    struct smtp s;
    smtp_init(&s, false);
    rec_reset(&rec);
    feed(&s, C, "MAIL FROM:<a");
    smtp_gap(&s, C, 100, &rec_smtp_events, &rec);
    feed(&s, C, "bc@d.example>\r\nRCPT TO:<x@y.example>\r\n");
    assert_true(rec_has_line(&rec, "CMD RCPT TO:<x@y.example>"));
    assert_null(strstr(rec_text(&rec), "bc@d.example>"));
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_UNKNOWN_COMMAND], 0);

    /* the server side: the tail of a line after the gap is dropped, the
     * next line is a reply again */
    feed(&s, S, "250 2.1.0 O");
    smtp_gap(&s, S, 10, &rec_smtp_events, &rec);
    feed(&s, S, "k then more\r\n250 2.1.5 Ok\r\n");
    assert_null(strstr(rec_text(&rec), "then more"));
    assert_true(rec_has_line(&rec, "REP RCPT 250 0 last 2.1.5 Ok"));
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_BAD_REPLY], 0);
    smtp_free(&s);

    /* a gap inside a DATA body keeps the body: QUIT after its end counts */
    smtp_init(&s, false);
    rec_reset(&rec);
    feed(&s, C, "DATA\r\n");
    feed(&s, S, "354 go\r\n");
    feed(&s, C, "Subject: x\r\n");
    smtp_gap(&s, C, 50, &rec_smtp_events, &rec);
    feed(&s, C, "RCPT TO:<in-body@x>\r\nmore body\r\n.\r\nQUIT\r\n");
    assert_null(strstr(rec_text(&rec), "in-body"));
    assert_true(rec_has_line(&rec, "CMD QUIT "));
    smtp_free(&s);

    /* a gap inside a BDAT chunk counts against the chunk */
    smtp_init(&s, false);
    rec_reset(&rec);
    feed(&s, C, "BDAT 100\r\n0123456789012345678901234567890123456789");
    smtp_gap(&s, C, 30, &rec_smtp_events, &rec);
    feed(&s, C, "RCPT TO:<in-chunk@x>\r\n01234567\r\nQUIT\r\n");
    assert_null(strstr(rec_text(&rec), "in-chunk"));
    assert_true(rec_has_line(&rec, "CMD QUIT "));
    smtp_free(&s);
}

/* A whole dialogue: greeting, EHLO, AUTH, pipelined envelope, DATA with a
 * dot-stuffed body, BDAT with binary, an unknown command, STARTTLS. */
static void test_split_invariance_full_dialogue(void **state)
{
    (void)state;
    static const uint8_t bin[16] = "\r\n.\r\n\x16\x03\x01\x00\x00QUIT\r";
    struct tbuf bdat;
    tb_init(&bdat);
    tb_str(&bdat, "BDAT 16 LAST\r\n");
    tb_put(&bdat, bin, sizeof bin);
    tb_str(&bdat, "RSET\r\nXFOO bar\r\nSTARTTLS\r\n");
    const struct smtp_step steps[] = {
        {S, "220-mx.example.com ESMTP\r\n220 hello\r\n", 0},
        {C, "EHLO client.example.org\r\n", 0},
        {S, "250-mx.example.com\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 STARTTLS\r\n", 0},
        {C, "AUTH LOGIN dXNlcg==\r\n", 0},
        {S, "334 UGFzc3dvcmQ6\r\n", 0},
        {C, "cGFzcw==\r\n", 0},
        {S, "235 2.7.0 ok\r\n", 0},
        {C, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n", 0},
        {S, "250 ok\r\n250 ok\r\n354 go\r\n", 0},
        {C, "Subject: hi\r\n\r\n..dot\r\nbare\n.\r\n", 0},
        {S, "250 queued\r\n", 0},
        {C, "MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.com>\r\n", 0},
        {S, "250 ok\r\n250 ok\r\n", 0},
        {C, (const char *)bdat.p, bdat.len},
        {S, "250 accepted\r\n250 reset\r\n500 unknown\r\n220 go ahead\r\n", 0},
        {C, TLS_BYTES, 10},
        {S,
         "\x16\x03\x03\x00\x02"
         "ab",
         7},
    };
    const char *t = run(steps, N(steps));
    assert_true(rec_has_line(&rec, "REP <end-of-data> 250 0 last queued"));
    assert_true(rec_has_line(&rec, "REP BDAT 250 0 last accepted"));
    assert_true(rec_has_line(&rec, "REP STARTTLS 220 0 last go ahead"));
    assert_true(rec_has_line(&rec, "TLS c step=15 off=0"));
    assert_true(rec_has_line(&rec, "TLS s step=16 off=0"));
    assert_null(strstr(t, "CMD QUIT"));
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_REPLY_WITHOUT_COMMAND], 0);
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_BAD_REPLY], 0);
    assert_int_equal(rec.anomalies[ANOMALY_SMTP_UNKNOWN_COMMAND], 1);
    check_splits(steps, N(steps));
    tb_free(&bdat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting),
        cmocka_unit_test(test_ehlo_multiline_reply),
        cmocka_unit_test(test_pipelined_replies_matched_fifo),
        cmocka_unit_test(test_data_body_forms),
        cmocka_unit_test(test_body_pipelined_before_354),
        cmocka_unit_test(test_354_arriving_mid_body),
        cmocka_unit_test(test_354_arriving_mid_body_line),
        cmocka_unit_test(test_data_rejected_returns_to_commands),
        cmocka_unit_test(test_bdat_skips_exactly),
        cmocka_unit_test(test_auth_login_base64_not_commands),
        cmocka_unit_test(test_command_in_sasl_ends_sasl),
        cmocka_unit_test(test_starttls_220_hands_over),
        cmocka_unit_test(test_starttls_refused_client_goes_on),
        cmocka_unit_test(test_commands_pipelined_after_starttls),
        cmocka_unit_test(test_plaintext_after_220_stays_smtp),
        cmocka_unit_test(test_pending_command_cap),
        cmocka_unit_test(test_reply_without_command),
        cmocka_unit_test(test_malformed_replies),
        cmocka_unit_test(test_unknown_and_overlong_commands),
        cmocka_unit_test(test_gap_resynchronises_at_next_line),
        cmocka_unit_test(test_split_invariance_full_dialogue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
