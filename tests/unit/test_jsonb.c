/* The JSON builder: escaping of every byte class, UTF-8 edges (overlong,
 * surrogates, beyond U+10FFFF, cut short), separators and nesting, misuse,
 * the cap, reuse after reset; and a comparison with the writer it replaced
 * on random bytes. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonb.h"
#include "prng.h"

static struct jsonb b;

static int setup(void **state)
{
    (void)state;
    jb_init(&b, LIMIT_JSON_RECORD);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jb_free(&b);
    return 0;
}

static void assert_text(const char *want)
{
    assert_int_equal(jb_error(&b), JB_OK);
    assert_int_equal(jb_len(&b), strlen(want));
    assert_memory_equal(jb_data(&b), want, strlen(want));
}

/* The JSON string of n bytes. */
static void assert_escaped(const void *p, size_t n, const char *want)
{
    jb_reset(&b);
    jb_strn(&b, NULL, p, n);
    assert_text(want);
}

#define ESCAPED(bytes, want) assert_escaped(bytes, sizeof bytes - 1, want)

static void test_ascii_classes(void **state)
{
    (void)state;
    ESCAPED("plain text, 0-9 ~!", "\"plain text, 0-9 ~!\"");
    ESCAPED("\"", "\"\\\"\"");
    ESCAPED("\\", "\"\\\\\"");
    ESCAPED("/", "\"/\""); /* JSON allows it bare */
    ESCAPED("\t\r\n\b\f", "\"\\u0009\\u000d\\u000a\\u0008\\u000c\"");
    ESCAPED("\x1f\x7f", "\"\\u001f\\u007f\"");
    ESCAPED("", "\"\"");
    /* every byte below 0x80, one at a time */
    for (unsigned c = 0; c < 0x80; c++) {
        char in = (char)c, want[16];
        if (c < 0x20 || c == 0x7F)
            snprintf(want, sizeof want, "\"\\u%04x\"", c);
        else if (c == '"' || c == '\\')
            snprintf(want, sizeof want, "\"\\%c\"", c);
        else
            snprintf(want, sizeof want, "\"%c\"", c);
        assert_escaped(&in, 1, want);
    }
}

static void test_nul_inside_length_given_string(void **state)
{
    (void)state;
    ESCAPED("a\0b", "\"a\\u0000b\"");
    ESCAPED("\0", "\"\\u0000\"");
    jb_reset(&b);
    jb_str(&b, NULL, "a\0b"); /* a C string ends at its NUL */
    assert_text("\"a\"");
}

static void test_valid_utf8_passes(void **state)
{
    (void)state;
    ESCAPED("\xc2\x80", "\"\xc2\x80\"");         /* U+0080, the first two-byte */
    ESCAPED("\xdf\xbf", "\"\xdf\xbf\"");         /* U+07FF */
    ESCAPED("\xe0\xa0\x80", "\"\xe0\xa0\x80\""); /* U+0800, the first three-byte */
    ESCAPED("caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""); /* café € */
    ESCAPED("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");         /* U+D7FF, just below the surrogates */
    ESCAPED("\xee\x80\x80", "\"\xee\x80\x80\"");         /* U+E000, just above */
    ESCAPED("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");         /* U+FFFF */
    ESCAPED("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""); /* U+10000 */
    ESCAPED("\xf0\x9d\x84\x9e", "\"\xf0\x9d\x84\x9e\""); /* U+1D11E */
    ESCAPED("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF, the last */
}

static void test_invalid_utf8_as_latin1(void **state)
{
    (void)state;
    ESCAPED("\x80", "\"\\u0080\""); /* a lone continuation */
    ESCAPED("\xbf", "\"\\u00bf\"");
    ESCAPED("\xff\xfe", "\"\\u00ff\\u00fe\"");                       /* never in UTF-8 */
    ESCAPED("\xf5\x80\x80\x80", "\"\\u00f5\\u0080\\u0080\\u0080\""); /* lead above F4 */
    ESCAPED("\xe9t\xe9", "\"\\u00e9t\\u00e9\"");                     /* Latin-1 "été" */
    /* cut short: at the end, and by an ASCII byte */
    ESCAPED("a\xc3", "\"a\\u00c3\"");
    ESCAPED("\xe2\x82", "\"\\u00e2\\u0082\"");
    ESCAPED("\xe2\x82x", "\"\\u00e2\\u0082x\"");
    ESCAPED("\xf0\x9d\x84", "\"\\u00f0\\u009d\\u0084\"");
    /* a valid sequence right after an invalid byte still passes */
    ESCAPED("\xc3\xc3\xa9", "\"\\u00c3\xc3\xa9\"");
}

static void test_overlong_forms_refused(void **state)
{
    (void)state;
    ESCAPED("\xc0\x80", "\"\\u00c0\\u0080\"");                       /* NUL in two bytes */
    ESCAPED("\xc1\xbf", "\"\\u00c1\\u00bf\"");                       /* U+007F in two */
    ESCAPED("\xe0\x80\x80", "\"\\u00e0\\u0080\\u0080\"");            /* NUL in three */
    ESCAPED("\xe0\x9f\xbf", "\"\\u00e0\\u009f\\u00bf\"");            /* U+07FF in three */
    ESCAPED("\xf0\x80\x80\x80", "\"\\u00f0\\u0080\\u0080\\u0080\""); /* NUL in four */
    ESCAPED("\xf0\x8f\xbf\xbf", "\"\\u00f0\\u008f\\u00bf\\u00bf\""); /* U+FFFF in four */
    ESCAPED("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* U+110000 */
}

static void test_surrogates_refused(void **state)
{
    (void)state;
    ESCAPED("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""); /* U+D800 */
    ESCAPED("\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\""); /* U+DFFF */
    /* a CESU-8 pair for U+10000 */
    ESCAPED("\xed\xa0\x80\xed\xb0\x80", "\"\\u00ed\\u00a0\\u0080\\u00ed\\u00b0\\u0080\"");
}

/* The string writer this builder replaced (report/json.c json_string up to
 * this change), kept here as the reference for byte-identical output. */
static size_t utf8_len_ref(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

static void json_string_ref(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else {
            size_t k = utf8_len_ref(p + i, n - i);
            if (k == 0) {
                fprintf(f, "\\u%04x", c);
                i++;
            } else {
                fwrite(p + i, 1, k, f);
                i += k;
            }
        }
    }
    fputc('"', f);
}

static void test_same_as_previous_writer(void **state)
{
    (void)state;
    /* bytes that make the UTF-8 decisions: leads, continuations, edges */
    static const unsigned char alphabet[] = {
        'a',  ' ',  '"',  '\\', 0x00, 0x1F, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
        0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    };
    struct prng r = prng_seed(9);
    unsigned char in[24];
    for (int round = 0; round < 50000; round++) {
        size_t n = prng_range(&r, 0, sizeof in);
        for (size_t i = 0; i < n; i++)
            in[i] = prng_next(&r) % 4 == 0 ? (unsigned char)prng_next(&r)
                                           : alphabet[prng_range(&r, 0, sizeof alphabet - 1)];
        char *ref = NULL;
        size_t ref_len = 0;
        FILE *f = open_memstream(&ref, &ref_len);
        assert_non_null(f);
        json_string_ref(f, (const char *)in, n);
        assert_int_equal(fclose(f), 0);
        jb_reset(&b);
        jb_strn(&b, NULL, in, n);
        assert_int_equal(jb_len(&b), ref_len);
        assert_memory_equal(jb_data(&b), ref, ref_len);
        free(ref);
    }
}

/* Plain text is copied eight bytes at a time: every byte value at every
 * position of a word, and of the tail after the last whole word. */
static void test_each_byte_in_plain_text(void **state)
{
    (void)state;
    unsigned char in[21];
    for (unsigned c = 0; c < 256; c++) {
        for (size_t at = 0; at < sizeof in; at++) {
            memset(in, 'p', sizeof in);
            in[at] = (unsigned char)c;
            char *ref = NULL;
            size_t ref_len = 0;
            FILE *f = open_memstream(&ref, &ref_len);
            assert_non_null(f);
            json_string_ref(f, (const char *)in, sizeof in);
            assert_int_equal(fclose(f), 0);
            jb_reset(&b);
            jb_strn(&b, NULL, in, sizeof in);
            assert_int_equal(jb_len(&b), ref_len);
            assert_memory_equal(jb_data(&b), ref, ref_len);
            /* and as a key */
            char key[sizeof in + 1];
            memcpy(key, in, sizeof in);
            key[sizeof in] = '\0';
            if (c != 0) { /* a C string ends at its NUL */
                jb_reset(&b);
                jb_open_object(&b, NULL);
                jb_null(&b, key);
                jb_close(&b);
                assert_int_equal(jb_error(&b), JB_OK);
                assert_int_equal(jb_len(&b), ref_len + 8); /* {KEY: null} */
                assert_memory_equal(jb_data(&b) + 1, ref, ref_len);
            }
            free(ref);
        }
    }
}

static void test_nesting_and_separators(void **state)
{
    (void)state;
    jb_reset(&b);
    jb_open_object(&b, NULL);
    jb_u64(&b, "a", 1);
    jb_open_array(&b, "b");
    jb_u64(&b, NULL, 1);
    jb_str(&b, NULL, "x");
    jb_null(&b, NULL);
    jb_bool(&b, NULL, true);
    jb_bool(&b, NULL, false);
    jb_open_object(&b, NULL);
    jb_close(&b);
    jb_open_array(&b, NULL);
    jb_close(&b);
    jb_open_array(&b, NULL);
    jb_open_array(&b, NULL);
    jb_str(&b, NULL, NULL);
    jb_close(&b);
    jb_close(&b);
    jb_close(&b);
    jb_open_object(&b, "c");
    jb_i64(&b, "d", -5);
    jb_str(&b, "e\"", "f");
    jb_close(&b);
    jb_close(&b);
    assert_text("{\"a\": 1, \"b\": [1, \"x\", null, true, false, {}, [], [[null]]], "
                "\"c\": {\"d\": -5, \"e\\\"\": \"f\"}}");
}

static void test_numbers(void **state)
{
    (void)state;
    jb_reset(&b);
    jb_open_array(&b, NULL);
    jb_u64(&b, NULL, 0);
    jb_u64(&b, NULL, 9);
    jb_u64(&b, NULL, 10);
    jb_u64(&b, NULL, UINT64_MAX);
    jb_i64(&b, NULL, 0);
    jb_i64(&b, NULL, -1);
    jb_i64(&b, NULL, INT64_MAX);
    jb_i64(&b, NULL, INT64_MIN);
    jb_close(&b);
    assert_text("[0, 9, 10, 18446744073709551615, 0, -1, 9223372036854775807, "
                "-9223372036854775808]");
    /* doubles as printf's "%.*f" rounds them */
    static const double values[] = {0.0, 100.0, 2.25, 2.35, 66.66666, 99.95, -0.04, 1e300};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        for (unsigned d = 0; d < 4; d++) {
            char want[400];
            snprintf(want, sizeof want, "%.*f", (int)d, values[i]);
            jb_reset(&b);
            jb_double(&b, NULL, values[i], d);
            assert_text(want);
        }
    }
    jb_reset(&b);
    jb_open_array(&b, NULL);
    jb_double(&b, NULL, NAN, 1);
    jb_double(&b, NULL, INFINITY, 1);
    jb_double(&b, NULL, -INFINITY, 1);
    jb_close(&b);
    assert_text("[null, null, null]");
}

static void test_wrap_and_lines(void **state)
{
    (void)state;
    jb_reset(&b);
    jb_open_object(&b, NULL);
    jb_u64(&b, "a", 1);
    jb_wrap(&b, 1);
    jb_open_array(&b, "b");
    jb_wrap(&b, 2);
    jb_u64(&b, NULL, 1);
    jb_wrap(&b, 2);
    jb_u64(&b, NULL, 2);
    jb_close(&b);
    jb_u64(&b, "c", 3);
    jb_open_array(&b, "d");
    jb_wrap(&b, 4); /* dropped: nothing follows it before the close */
    jb_close(&b);
    jb_close(&b);
    jb_end_line(&b);
    jb_open_array(&b, NULL); /* a second JSON line */
    jb_close(&b);
    jb_end_line(&b);
    assert_text("{\"a\": 1,\n \"b\": [\n  1,\n  2], \"c\": 3, \"d\": []}\n[]\n");
}

static void assert_misuse_latched(void)
{
    assert_int_equal(jb_error(&b), JB_ERR_MISUSE);
    size_t len = jb_len(&b);
    jb_u64(&b, NULL, 1); /* nothing more is written */
    jb_close(&b);
    jb_end_line(&b);
    assert_int_equal(jb_len(&b), len);
    assert_int_equal(jb_error(&b), JB_ERR_MISUSE);
}

static void test_misuse(void **state)
{
    (void)state;
    jb_reset(&b);
    jb_close(&b); /* nothing open */
    assert_misuse_latched();

    jb_reset(&b);
    jb_open_array(&b, NULL);
    jb_close(&b);
    jb_close(&b); /* one close too many */
    assert_misuse_latched();

    jb_reset(&b);
    jb_open_array(&b, NULL);
    jb_u64(&b, "key", 1); /* a key inside an array */
    assert_misuse_latched();

    jb_reset(&b);
    jb_open_object(&b, NULL);
    jb_u64(&b, NULL, 1); /* no key inside an object */
    assert_misuse_latched();

    jb_reset(&b);
    jb_u64(&b, "key", 1); /* a key at the top level */
    assert_misuse_latched();

    jb_reset(&b);
    jb_u64(&b, NULL, 1);
    jb_u64(&b, NULL, 2); /* two top-level values on one line */
    assert_misuse_latched();

    jb_reset(&b);
    jb_open_object(&b, NULL);
    jb_end_line(&b); /* the line ends with an object open */
    assert_misuse_latched();

    jb_reset(&b);
    jb_end_line(&b); /* an empty line */
    assert_misuse_latched();

    jb_reset(&b);
    jb_wrap(&b, 1); /* layout outside any container */
    assert_misuse_latched();

    jb_reset(&b);
    for (unsigned i = 0; i < LIMIT_JSON_DEPTH; i++)
        jb_open_array(&b, NULL);
    assert_int_equal(jb_error(&b), JB_OK);
    jb_open_array(&b, NULL); /* one deeper than the stack */
    assert_misuse_latched();
}

static void test_cap(void **state)
{
    (void)state;
    struct jsonb s;
    jb_init(&s, 8);
    jb_str(&s, NULL, "123456"); /* 8 bytes with its quotes: fits exactly */
    assert_int_equal(jb_error(&s), JB_OK);
    assert_int_equal(jb_len(&s), 8);
    jb_reset(&s);
    jb_str(&s, NULL, "1234567"); /* 9 */
    assert_int_equal(jb_error(&s), JB_ERR_CAP);
    assert_true(jb_len(&s) <= 8);
    jb_reset(&s);
    jb_str(&s, NULL, "\x01"); /* 8 once escaped: fits */
    assert_int_equal(jb_error(&s), JB_OK);
    jb_reset(&s);
    jb_str(&s, NULL, "a\x01"); /* 9 once escaped */
    assert_int_equal(jb_error(&s), JB_ERR_CAP);
    jb_reset(&s);
    jb_open_object(&s, NULL);
    jb_u64(&s, "k", 1);
    jb_close(&s); /* {"k": 1}: 8 */
    assert_int_equal(jb_error(&s), JB_OK);
    assert_int_equal(jb_len(&s), 8);
    jb_reset(&s);
    jb_open_object(&s, NULL);
    jb_u64(&s, "k", 10);
    jb_close(&s); /* 9 */
    assert_int_equal(jb_error(&s), JB_ERR_CAP);
    jb_reset(&s);
    jb_open_object(&s, NULL);
    jb_null(&s, "a key longer than the cap");
    assert_int_equal(jb_error(&s), JB_ERR_CAP);
    assert_true(jb_len(&s) <= 8);
    jb_free(&s);

    /* the record cap itself: 1 MiB of text is refused, not cut */
    size_t n = LIMIT_JSON_RECORD;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    jb_reset(&b);
    jb_strn(&b, NULL, big, n - 2); /* with its quotes: exactly the cap */
    assert_int_equal(jb_error(&b), JB_OK);
    assert_int_equal(jb_len(&b), n);
    jb_reset(&b);
    jb_open_array(&b, NULL);
    jb_strn(&b, NULL, big, n - 2);
    assert_int_equal(jb_error(&b), JB_ERR_CAP);
    assert_true(jb_len(&b) <= n);
    free(big);
}

static void test_reuse_after_reset(void **state)
{
    (void)state;
    jb_reset(&b);
    jb_open_object(&b, NULL);
    jb_str(&b, "k", "a first record, long enough to need the buffer");
    jb_close(&b);
    assert_int_equal(jb_error(&b), JB_OK);
    const char *buf = jb_data(&b);
    jb_reset(&b);
    jb_close(&b); /* an error... */
    assert_int_equal(jb_error(&b), JB_ERR_MISUSE);
    jb_reset(&b); /* ...forgotten at the reset, and the buffer kept */
    jb_open_object(&b, NULL);
    jb_u64(&b, "n", 2);
    jb_close(&b);
    jb_end_line(&b);
    assert_text("{\"n\": 2}\n");
    assert_ptr_equal(jb_data(&b), buf);
}

static void test_empty_builder(void **state)
{
    (void)state;
    struct jsonb e;
    jb_init(&e, LIMIT_JSON_RECORD);
    assert_int_equal(jb_len(&e), 0);
    assert_non_null(jb_data(&e));
    assert_int_equal(jb_error(&e), JB_OK);
    jb_free(&e);
    jb_free(&e); /* twice is harmless */
    assert_string_equal(jb_error_name(JB_ERR_CAP), "over its cap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_classes),
        cmocka_unit_test(test_nul_inside_length_given_string),
        cmocka_unit_test(test_valid_utf8_passes),
        cmocka_unit_test(test_invalid_utf8_as_latin1),
        cmocka_unit_test(test_overlong_forms_refused),
        cmocka_unit_test(test_surrogates_refused),
        cmocka_unit_test(test_same_as_previous_writer),
        cmocka_unit_test(test_each_byte_in_plain_text),
        cmocka_unit_test(test_nesting_and_separators),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_wrap_and_lines),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_reuse_after_reset),
        cmocka_unit_test(test_empty_builder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
