/*
 * test_textout.c - the width rule of the text report (report/textout.h).
 *
 * Contract under test: columns are counted per character ("…" is one);
 * a list is cut with "… +N more" (or "… +N or more" when there are others
 * beyond it) and never passes the width when its suffix fits; a tail is cut
 * with "…" to the column; words wrap under their indent; wire bytes print
 * as printable ASCII or \xNN.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textout.h"

struct out {
    char *buf;
    size_t len;
    FILE *f;
};

static void out_open(struct out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    assert_non_null(o->f);
}

static void out_close(struct out *o)
{
    assert_int_equal(fclose(o->f), 0);
}

/* Every line of o within width columns. */
static void all_within(const struct out *o, size_t width)
{
    char *copy = strdup(o->buf);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
        if (text_cols(line) > width)
            fail_msg("%zu columns: '%s'", text_cols(line), line);
    free(copy);
}

static void test_columns(void **state)
{
    (void)state;
    assert_int_equal(text_cols(""), 0);
    assert_int_equal(text_cols("abc"), 3);
    assert_int_equal(text_cols("a\xE2\x80\xA6"), 2);
    assert_int_equal(text_cols("\xC3\xA9t\xC3\xA9"), 3);
}

static void test_list_cut_with_more(void **state)
{
    (void)state;
    static const char *const ciphers[] = {
        "TLS_AES_256_GCM_SHA384",      "TLS_CHACHA20_POLY1305_SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_AES_128_GCM_SHA256",      "ECDHE-RSA-CHACHA20-POLY1305"};
    struct out o;
    out_open(&o);
    struct tline l;
    tl_begin(&l, o.f, 80);
    tl_put(&l, "              TLSv1.2 TLSv1.3 with ");
    tl_list(&l, ciphers, 6, false, " ");
    tl_end(&l);
    tl_begin(&l, o.f, 80);
    tl_put(&l, "x");
    tl_list(&l, ciphers, 2, false, " "); /* fits whole: no suffix */
    tl_end(&l);
    tl_begin(&l, o.f, 80);
    tl_list(&l, ciphers, 2, true, " "); /* others beyond */
    tl_end(&l);
    tl_begin(&l, o.f, 10);
    tl_list(&l, ciphers, 6, false, " "); /* not even one fits */
    tl_end(&l);
    out_close(&o);
    assert_string_equal(o.buf,
                        "              TLSv1.2 TLSv1.3 with TLS_AES_256_GCM_SHA384 … +5 more\n"
                        "xTLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256\n"
                        "TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 … +1 or more\n"
                        "… +6 more\n");
    all_within(&o, 80);
    free(o.buf);
}

/* Every width from 20 to 120: a list never passes it. */
static void test_list_never_passes_the_width(void **state)
{
    (void)state;
    static const char *const addrs[] = {"2001:db8:1234:5678:9abc:def0:1234:5678", "192.0.2.1",
                                        "2001:db8::25", "198.51.100.200", "::1"};
    for (size_t w = 20; w <= 120; w++) {
        struct out o;
        out_open(&o);
        struct tline l;
        tl_begin(&l, o.f, w);
        tl_put(&l, "  at ");
        tl_list(&l, addrs, 5, w % 2 == 0, " ");
        tl_end(&l);
        out_close(&o);
        all_within(&o, w);
        free(o.buf);
    }
}

static void test_tail_and_wrap(void **state)
{
    (void)state;
    struct out o;
    out_open(&o);
    struct tline l;
    tl_begin(&l, o.f, 20);
    tl_put(&l, "name: ");
    tl_tail(&l, "a-very-long-host.name.example");
    tl_end(&l);
    tl_begin(&l, o.f, 20);
    tl_put(&l, "short: ");
    tl_tail(&l, "fits");
    tl_end(&l);
    tl_begin(&l, o.f, 24);
    tl_put(&l, "  1. ");
    tl_wrap(&l, "enable STARTTLS (Postfix smtpd_tls_security_level = may)", 5);
    tl_end(&l);
    out_close(&o);
    assert_string_equal(o.buf, "name: a-very-long-h…\n"
                               "short: fits\n"
                               "  1. enable STARTTLS\n"
                               "     (Postfix\n"
                               "     smtpd_tls_security_level\n"
                               "     = may)\n");
    free(o.buf);
}

static void test_printable(void **state)
{
    (void)state;
    char out[64];
    text_printable("mx.example.net", out, sizeof out);
    assert_string_equal(out, "mx.example.net");
    text_printable("evil\x1b[31m\\\xC3\xA9", out, sizeof out);
    assert_string_equal(out, "evil\\x1b[31m\\x5c\\xc3\\xa9");
    text_printable("abcdef", out, 4); /* cut to fit */
    assert_string_equal(out, "abc");
    text_printable("ab\x01", out, 5); /* an escape is never cut in two */
    assert_string_equal(out, "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_list_cut_with_more),
        cmocka_unit_test(test_list_never_passes_the_width),
        cmocka_unit_test(test_tail_and_wrap),
        cmocka_unit_test(test_printable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
