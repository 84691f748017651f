/*
 * test_html.c - the HTML report (report/html.h) and its one escaper
 * (report/htmlb.h).
 *
 * Contract under test: & < > " ' become character references; valid UTF-8
 * stays as it is; a byte that is not UTF-8 becomes its Latin-1 character;
 * controls (C0, DEL, C1) and noncharacters become U+FFFD; the builder's cap
 * latches a failure instead of cutting the page. A page made of sessions
 * whose names are hostile (a domain, a file name that hold markup, quotes,
 * invalid UTF-8 and control bytes) carries them escaped only, holds no
 * script and no URL, and every number it shows has its summary key.
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

#include "html.h"
#include "htmlb.h"
#include "smtp.h"

/* The escaped text of n bytes, NUL-terminated; the caller frees. */
static char *escaped(const char *p, size_t n)
{
    struct htmlb b;
    hb_init(&b, 1u << 20);
    hb_textn(&b, p, n);
    assert_false(hb_failed(&b));
    char *out = calloc(1, hb_len(&b) + 1);
    assert_non_null(out);
    memcpy(out, hb_data(&b), hb_len(&b));
    hb_free(&b);
    return out;
}

static void expect_escaped(const char *in, size_t n, const char *want)
{
    char *got = escaped(in, n);
    assert_string_equal(got, want);
    free(got);
}

static void test_markup_characters(void **state)
{
    (void)state;
    const char in[] = "<script>alert(\"x\" & 'y')</script>";
    expect_escaped(in, sizeof in - 1,
                   "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
    expect_escaped("mx.example.net", 14, "mx.example.net");
}

static void test_utf8_kept(void **state)
{
    (void)state;
    /* "é" (C3 A9), "€" (E2 82 AC), U+1F600 (F0 9F 98 80) */
    const char in[] = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    expect_escaped(in, sizeof in - 1, in);
}

static void test_invalid_bytes_as_latin1(void **state)
{
    (void)state;
    /* a lone E9 is "é" in Latin-1; C0 AF is an overlong '/': "À¯"; ED A0 80
     * a surrogate: "í", NBSP, then 0x80, a C1 control: U+FFFD; F4 90 80 80
     * is above U+10FFFF: "ô", then three C1 controls (0x90 0x80 0x80). */
    expect_escaped("\xE9", 1, "\xC3\xA9");
    expect_escaped("\xC0\xAF", 2, "\xC3\x80\xC2\xAF");
    expect_escaped("\xED\xA0\x80", 3, "\xC3\xAD\xC2\xA0\xEF\xBF\xBD");
    expect_escaped("\xF4\x90\x80\x80", 4, "\xC3\xB4\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    /* cut short: E2 82 at the end */
    expect_escaped("a\xE2\x82", 3, "a\xC3\xA2\xEF\xBF\xBD");
}

static void test_controls_replaced(void **state)
{
    (void)state;
    /* NUL, ESC, newline, DEL, a UTF-8 C1 (C2 85), U+FFFE, U+FDD0 */
    const char in[] = {'a',        0,          0x1B,       '\n',       0x7F,
                       (char)0xC2, (char)0x85, (char)0xEF, (char)0xBF, (char)0xBE,
                       (char)0xEF, (char)0xB7, (char)0x90, 'b'};
    expect_escaped(in, sizeof in,
                   "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                   "\xEF\xBF\xBD"
                   "b");
}

static void test_cap_latches(void **state)
{
    (void)state;
    struct htmlb b;
    hb_init(&b, 10);
    hb_raw(&b, "12345");
    hb_text(&b, "<"); /* 4 bytes: 9 */
    assert_false(hb_failed(&b));
    hb_raw(&b, "ab"); /* 11 > 10 */
    assert_true(hb_failed(&b));
    size_t len = hb_len(&b);
    hb_raw(&b, "x");
    hb_printf(&b, "%d", 1);
    assert_int_equal(hb_len(&b), len);
    hb_free(&b);
}

/* A small capture: a plaintext session with a hostile sender domain and an
 * encrypted one. */
struct world {
    struct aggregate agg;
    struct findings *fi;
};

static struct session_record session(const char *client, const char *server)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    assert_int_equal(inet_pton(AF_INET, client, r.client), 1);
    assert_int_equal(inet_pton(AF_INET, server, r.server), 1);
    r.client_port = 40000;
    r.server_port = 25;
    r.start_us = r.end_us = 1796000000ull * 1000000ull;
    r.cipher_key = SESSION_NO_CIPHER;
    r.starttls_offered = SESSION_TRUE;
    strcpy(r.greeting_host, "mx.example.net");
    return r;
}

static void add(struct world *w, const struct session_record *r)
{
    struct verdict v;
    findings_judge(w->fi, r, &v);
    aggregate_add(&w->agg, r, &v);
}

static char *page(struct world *w, const struct aggregate_capture *cap)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(html_write_report(f, &w->agg, cap, w->fi), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_hostile_page(void **state)
{
    (void)state;
    static const struct hash_key key = {7, 8};
    struct world w;
    struct aggregate_config cfg = {.key = key};
    assert_int_equal(aggregate_init(&w.agg, &cfg), 0);
    w.fi = findings_new(&key, NULL);
    assert_non_null(w.fi);

    struct session_record r = session("192.0.2.1", "198.51.100.1");
    r.mode = SESSION_PLAINTEXT;
    r.nleaked = 2;
    r.leaked[0] = SESSION_LEAK_MAIL, r.leaked[1] = SESSION_LEAK_RCPT;
    r.nverbs = 3;
    r.verbs[0] = SMTP_VERB_EHLO, r.verbs[1] = SMTP_VERB_MAIL, r.verbs[2] = SMTP_VERB_RCPT;
    r.domains_kept = true;
    strcpy(r.mail_from_domain, "<script>x</script>\"'&.\x01\xFF.example");
    add(&w, &r);
    struct session_record t = session("192.0.2.2", "198.51.100.1");
    t.mode = SESSION_STARTTLS;
    t.starttls_attempts = 1;
    t.starttls_reply = 220;
    t.tls_version = 0x0303;
    t.cipher_key = 0xC02F;
    add(&w, &t);

    const char *inputs[] = {"<img src=x onerror=alert(1)>.pcap"};
    struct aggregate_capture cap;
    memset(&cap, 0, sizeof cap);
    cap.version = "0.0.0";
    cap.sensor = "a&b";
    cap.inputs = inputs;
    cap.ninputs = 1;
    char *html = page(&w, &cap);
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "http"));
    assert_non_null(strstr(html, "&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;."
                                 "\xEF\xBF\xBD\xC3\xBF.example"));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;.pcap"));
    assert_non_null(strstr(html, "sensor <span data-k=\"sensor\">a&amp;b</span>"));
    /* The numbers carry their summary keys. */
    assert_non_null(strstr(html, "data-k=\"sessions.total\">2<"));
    assert_non_null(strstr(html, "data-k=\"encrypted\">1<"));
    assert_non_null(strstr(html, "<span data-k=\"encrypted_percent\">50.0</span>%"));
    assert_non_null(strstr(html, "data-k=\"ciphers.0.name\">ECDHE-RSA-AES128-GCM-SHA256<"));
    assert_non_null(strstr(html, "data-k=\"versions.0.name\">TLSv1.2<"));
    assert_non_null(strstr(html, "data-k=\"findings.envelope-cleartext\">1<"));
    assert_non_null(strstr(html, "data-k=\"domains_cleartext.0.sessions\">1<"));
    free(html);
    aggregate_free(&w.agg);
    findings_free(w.fi);
}

/* An empty capture: no division by zero, no headline number. */
static void test_empty_page(void **state)
{
    (void)state;
    static const struct hash_key key = {1, 2};
    struct world w;
    struct aggregate_config cfg = {.key = key};
    assert_int_equal(aggregate_init(&w.agg, &cfg), 0);
    w.fi = findings_new(&key, NULL);
    struct aggregate_capture cap;
    memset(&cap, 0, sizeof cap);
    char *html = page(&w, &cap);
    assert_null(strstr(html, "data-k=\"encrypted_percent"));
    assert_non_null(strstr(html, "No SMTP sessions"));
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
    aggregate_free(&w.agg);
    findings_free(w.fi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_characters),
        cmocka_unit_test(test_utf8_kept),
        cmocka_unit_test(test_invalid_bytes_as_latin1),
        cmocka_unit_test(test_controls_replaced),
        cmocka_unit_test(test_cap_latches),
        cmocka_unit_test(test_hostile_page),
        cmocka_unit_test(test_empty_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
