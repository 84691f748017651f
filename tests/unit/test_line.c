/*
 * test_line.c - the bounded line framer (decode/line.h).
 *
 * RFC 5321 2.3.8 ends lines with CRLF; bare LF is accepted as many servers
 * do. A line within one chunk is a view into the input; one that spans
 * chunks comes from the framer's own buffer; both say the same. Lines longer
 * than LIMIT_SMTP_LINE keep their first LIMIT_SMTP_LINE bytes, are marked
 * truncated, and the rest up to the LF is consumed.
 */
#include "line.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "prng.h"
#include "tbuf.h"

struct got_line {
    size_t len;
    bool truncated;
    uint8_t text[LIMIT_SMTP_LINE + 1];
};

/* Feed p[0..n) as chunks of the given sizes (0-terminated list, the last
 * size repeats); collect the lines. Every chunk is an exact heap copy. */
static size_t frame(const uint8_t *p, size_t n, const size_t *sizes, struct got_line *out,
                    size_t max)
{
    struct line_buf lb = {0};
    size_t nl = 0, off = 0, si = 0;
    while (off < n) {
        size_t k = sizes[si];
        if (sizes[si + 1])
            si++;
        if (k > n - off)
            k = n - off;
        uint8_t *chunk = tb_dup(p + off, k);
        size_t i = 0;
        while (i < k) {
            struct line_view v;
            bool got = false;
            size_t used = line_next(&lb, chunk + i, k - i, &v, &got);
            assert_true(used > 0 && used <= k - i);
            if (got) {
                assert_true(v.len <= LIMIT_SMTP_LINE);
                assert_true(nl < max);
                out[nl].len = v.len;
                out[nl].truncated = v.truncated;
                memcpy(out[nl].text, v.p, v.len);
                nl++;
            } else {
                assert_int_equal(used, k - i); /* no line end: everything kept */
            }
            i += used;
        }
        free(chunk);
        off += k;
    }
    line_free(&lb);
    return nl;
}

static void test_crlf_and_bare_lf(void **state)
{
    (void)state;
    /* "EHLO client.example.org\r\n" "MAIL FROM:<a@b>\n" "\r\n" */
    static const char in[] = "EHLO client.example.org\r\nMAIL FROM:<a@b>\n\r\n";
    static const size_t whole[] = {sizeof in - 1, 0};
    struct got_line l[4];
    assert_int_equal(frame((const uint8_t *)in, sizeof in - 1, whole, l, 4), 3);
    assert_int_equal(l[0].len, 23);
    assert_memory_equal(l[0].text, "EHLO client.example.org", 23);
    assert_false(l[0].truncated);
    assert_int_equal(l[1].len, 15);
    assert_memory_equal(l[1].text, "MAIL FROM:<a@b>", 15);
    assert_int_equal(l[2].len, 0);
}

static void test_view_within_chunk_copy_across(void **state)
{
    (void)state;
    struct line_buf lb = {0};
    struct line_view v;
    bool got;
    /* Within one chunk: the view points into the input */
    uint8_t *a = tb_dup((const uint8_t *)"QUIT\r\n", 6);
    assert_int_equal(line_next(&lb, a, 6, &v, &got), 6);
    assert_true(got);
    assert_ptr_equal(v.p, a);
    assert_int_equal(v.len, 4);
    free(a);

    /* "RCPT TO:" | "<x@y>\r\nNOOP\r\n": the first line spans chunks */
    uint8_t *b1 = tb_dup((const uint8_t *)"RCPT TO:", 8);
    assert_int_equal(line_next(&lb, b1, 8, &v, &got), 8);
    assert_false(got);
    assert_false(line_at_start(&lb));
    free(b1); /* the framer kept a copy */
    uint8_t *b2 = tb_dup((const uint8_t *)"<x@y>\r\nNOOP\r\n", 13);
    assert_int_equal(line_next(&lb, b2, 13, &v, &got), 7);
    assert_true(got);
    assert_true(v.p < b2 || v.p >= b2 + 13);
    assert_int_equal(v.len, 13);
    assert_memory_equal(v.p, "RCPT TO:<x@y>", 13);
    assert_true(line_at_start(&lb));
    /* the next line of the same chunk is a view again */
    assert_int_equal(line_next(&lb, b2 + 7, 6, &v, &got), 6);
    assert_true(got);
    assert_ptr_equal(v.p, b2 + 7);
    assert_int_equal(v.len, 4);
    free(b2);
    line_free(&lb);
}

static void test_cr_lf_split_across_chunks(void **state)
{
    (void)state;
    /* "DATA\r" | "\n" */
    static const char in[] = "DATA\r\n";
    static const size_t five_one[] = {5, 1, 0};
    struct got_line l[2];
    assert_int_equal(frame((const uint8_t *)in, 6, five_one, l, 2), 1);
    assert_int_equal(l[0].len, 4);
    assert_memory_equal(l[0].text, "DATA", 4);
    /* A CR inside a line stays: "a\rb\r\n" is "a\rb" */
    static const size_t whole[] = {5, 0};
    assert_int_equal(frame((const uint8_t *)"a\rb\r\n", 5, whole, l, 2), 1);
    assert_int_equal(l[0].len, 3);
    assert_memory_equal(l[0].text, "a\rb", 3);
}

static void overlong(size_t body, struct tbuf *b)
{
    tb_reset(b);
    for (size_t i = 0; i < body; i++)
        tb_u8(b, (uint8_t)('a' + i % 26));
    tb_str(b, "\r\nNEXT\r\n");
}

/* Lines of LIMIT-1, LIMIT, LIMIT+1 and 3 * LIMIT bytes, fed whole, byte by
 * byte, in chunks of 100 and cut just before the CR: the same lines. */
static void test_length_limit_split_invariant(void **state)
{
    (void)state;
    static const size_t bodies[] = {LIMIT_SMTP_LINE - 1, LIMIT_SMTP_LINE, LIMIT_SMTP_LINE + 1,
                                    3 * LIMIT_SMTP_LINE};
    struct tbuf b;
    tb_init(&b);
    for (size_t bi = 0; bi < sizeof bodies / sizeof bodies[0]; bi++) {
        size_t body = bodies[bi];
        overlong(body, &b);
        size_t whole[] = {b.len, 0}, bytes[] = {1, 0}, hundred[] = {100, 0},
               at_cr[] = {body, b.len, 0}, after_cr[] = {body + 1, b.len, 0};
        const size_t *plans[] = {whole, bytes, hundred, at_cr, after_cr};
        for (size_t pi = 0; pi < 5; pi++) {
            struct got_line l[3];
            size_t n = frame(b.p, b.len, plans[pi], l, 3);
            if (n != 2)
                fail_msg("body %zu plan %zu: %zu lines", body, pi, n);
            size_t want = body < LIMIT_SMTP_LINE ? body : LIMIT_SMTP_LINE;
            if (l[0].len != want || l[0].truncated != (body > LIMIT_SMTP_LINE))
                fail_msg("body %zu, plan %zu: line of %zu bytes, truncated %d; want %zu, %d", body,
                         pi, l[0].len, l[0].truncated, want, body > LIMIT_SMTP_LINE);
            assert_memory_equal(l[0].text, b.p, want);
            /* the rest of the overlong line was skipped up to its LF */
            assert_int_equal(l[1].len, 4);
            assert_memory_equal(l[1].text, "NEXT", 4);
            assert_false(l[1].truncated);
        }
    }
    tb_free(&b);
}

static void test_overlong_memory_bounded(void **state)
{
    (void)state;
    /* 1 MB without a line end: the framer keeps at most LIMIT bytes */
    struct line_buf lb = {0};
    uint8_t *chunk = malloc(4096);
    memset(chunk, 'x', 4096);
    for (int i = 0; i < 256; i++) {
        struct line_view v;
        bool got;
        assert_int_equal(line_next(&lb, chunk, 4096, &v, &got), 4096);
        assert_false(got);
        /* the buffer keeps at most the line limit and the CR before a late LF */
        assert_true(lb.len <= LIMIT_SMTP_LINE + 1);
    }
    struct line_view v;
    bool got;
    assert_int_equal(line_next(&lb, (const uint8_t *)"\n", 1, &v, &got), 1);
    assert_true(got);
    assert_true(v.truncated);
    assert_int_equal(v.len, LIMIT_SMTP_LINE);
    free(chunk);
    line_free(&lb);
}

static void test_line_reset(void **state)
{
    (void)state;
    struct line_buf lb = {0};
    struct line_view v;
    bool got;
    assert_true(line_at_start(&lb));
    line_next(&lb, (const uint8_t *)"MAIL FR", 7, &v, &got);
    assert_false(got);
    assert_false(line_at_start(&lb));
    line_reset(&lb);
    assert_true(line_at_start(&lb));
    assert_int_equal(line_next(&lb, (const uint8_t *)"QUIT\r\n", 6, &v, &got), 6);
    assert_true(got);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.p, "QUIT", 4);
    /* reset also clears an overlong partial line */
    uint8_t big[LIMIT_SMTP_LINE + 10];
    memset(big, 'y', sizeof big);
    line_next(&lb, big, sizeof big, &v, &got);
    line_reset(&lb);
    assert_int_equal(line_next(&lb, (const uint8_t *)"OK\n", 3, &v, &got), 3);
    assert_int_equal(v.len, 2);
    assert_false(v.truncated);
    line_free(&lb);
    /* usable again after line_free */
    assert_int_equal(line_next(&lb, (const uint8_t *)"A", 1, &v, &got), 1);
    assert_int_equal(line_next(&lb, (const uint8_t *)"B\n", 2, &v, &got), 2);
    assert_true(got);
    assert_memory_equal(v.p, "AB", 2);
    line_free(&lb);
}

static void test_random_split_invariance(void **state)
{
    (void)state;
    /* A dialogue's worth of lines, CRLF and LF mixed, with one overlong */
    struct tbuf b;
    tb_init(&b);
    tb_str(&b, "EHLO a.example\r\n250-x\r\n\r\n.\r\n..dot\n");
    tb_fill(&b, 'Z', LIMIT_SMTP_LINE * 2);
    tb_str(&b, "\r\nend\r\n");
    static const size_t whole[] = {1 << 20, 0};
    struct got_line ref[8], l[8];
    size_t nref = frame(b.p, b.len, whole, ref, 8);
    assert_int_equal(nref, 7);
    struct prng rng = prng_seed(42);
    for (int round = 0; round < 200; round++) {
        size_t sizes[64];
        for (int i = 0; i < 63; i++)
            sizes[i] = prng_range(&rng, 1, 40);
        sizes[63] = 0;
        sizes[62] = 37;
        size_t n = frame(b.p, b.len, sizes, l, 8);
        assert_int_equal(n, nref);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(l[i].len, ref[i].len);
            assert_int_equal(l[i].truncated, ref[i].truncated);
            assert_memory_equal(l[i].text, ref[i].text, ref[i].len);
        }
    }
    tb_free(&b);
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
        cmocka_unit_test(test_crlf_and_bare_lf),
        cmocka_unit_test(test_view_within_chunk_copy_across),
        cmocka_unit_test(test_cr_lf_split_across_chunks),
        cmocka_unit_test(test_length_limit_split_invariant),
        cmocka_unit_test(test_overlong_memory_bounded),
        cmocka_unit_test(test_line_reset),
        cmocka_unit_test(test_random_split_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
