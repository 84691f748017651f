/*
 * test_cursor.c - the bounds-checked reader (decode/cursor.h).
 *
 * What a parser relies on: readers assemble big-endian (and the two
 * little-endian) values from bytes, advance only on success, and latch the
 * first failure so that every later read returns 0/false without moving;
 * length-prefixed children cover exactly their bytes; span, copy, skip, peek
 * and truncate behave at 0, at the exact length and at length + 1.
 */
#include "cursor.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* 01 02 03 04 05 06 07 08 09 0A */
static const uint8_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void test_readers_big_endian(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, sizeof ten);
    uint8_t a;
    uint16_t b;
    uint32_t d, e;
    assert_true(cur_u8(&c, &a));
    assert_int_equal(a, 0x01);
    assert_true(cur_u16(&c, &b));
    assert_int_equal(b, 0x0203);
    assert_true(cur_u24(&c, &d));
    assert_int_equal(d, 0x040506);
    assert_true(cur_u32(&c, &e));
    assert_int_equal(e, 0x0708090A);
    assert_int_equal(cur_left(&c), 0);
    assert_true(cur_empty(&c));
    assert_false(cur_failed(&c));
}

static void test_readers_little_endian(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, sizeof ten);
    uint16_t b;
    uint32_t d;
    assert_true(cur_u16le(&c, &b));
    assert_int_equal(b, 0x0201);
    assert_true(cur_u32le(&c, &d));
    assert_int_equal(d, 0x06050403);
    assert_int_equal(cur_left(&c), 4);
    assert_ptr_equal(cur_ptr(&c), ten + 6);
}

static void test_high_bytes_not_sign_extended(void **state)
{
    (void)state;
    /* FF FE FD FC */
    static const uint8_t hi[] = {0xFF, 0xFE, 0xFD, 0xFC};
    struct cur c = cur_make(hi, sizeof hi);
    uint32_t v;
    assert_true(cur_u32(&c, &v));
    assert_int_equal(v, 0xFFFEFDFCu);
    c = cur_make(hi, sizeof hi);
    assert_true(cur_u24(&c, &v));
    assert_int_equal(v, 0xFFFEFDu);
}

static void test_failed_read_does_not_advance(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 3);
    uint32_t v = 77;
    assert_false(cur_u32(&c, &v));
    assert_int_equal(v, 0);
    assert_true(cur_failed(&c));
    assert_ptr_equal(cur_ptr(&c), ten);
}

static void test_failure_latches(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 3);
    uint8_t a = 9;
    uint16_t b = 9;
    uint32_t d = 9;
    const uint8_t *sp = ten;
    struct cur child;

    assert_false(cur_u32(&c, &d)); /* 4 > 3: fails */
    /* Every later read fails although the bytes are there. */
    assert_false(cur_u8(&c, &a));
    assert_int_equal(a, 0);
    assert_false(cur_u16(&c, &b));
    assert_int_equal(b, 0);
    assert_false(cur_u16le(&c, &b));
    assert_false(cur_u24(&c, &d));
    assert_int_equal(d, 0);
    assert_false(cur_span(&c, 1, &sp));
    assert_null(sp);
    assert_false(cur_skip(&c, 0));
    assert_false(cur_sub(&c, 0, &child));
    assert_true(cur_failed(&child));
    assert_false(cur_vec8(&c, &child));
    assert_false(cur_peek(&c, 0, &a));
    assert_int_equal(a, 0);
    assert_int_equal(cur_left(&c), 0);
    assert_true(cur_empty(&c));
    assert_ptr_equal(cur_ptr(&c), ten);
}

static void test_group_of_reads_checked_once(void **state)
{
    (void)state;
    /* A 7-byte header read as u16 u16 u32: the last read fails, the values
     * read before it stand, and one check at the end catches it. */
    struct cur c = cur_make(ten, 7);
    uint16_t a, b;
    uint32_t d;
    cur_u16(&c, &a);
    cur_u16(&c, &b);
    cur_u32(&c, &d);
    assert_true(cur_failed(&c));
    assert_int_equal(a, 0x0102);
    assert_int_equal(b, 0x0304);
    assert_int_equal(d, 0);
}

static void test_vec8_child(void **state)
{
    (void)state;
    /* 03 'a' 'b' 'c' 'd' : a 3-byte vector, then one byte */
    static const uint8_t in[] = {3, 'a', 'b', 'c', 'd'};
    struct cur c = cur_make(in, sizeof in);
    struct cur child;
    assert_true(cur_vec8(&c, &child));
    assert_int_equal(cur_left(&child), 3);
    assert_memory_equal(cur_ptr(&child), "abc", 3);
    assert_int_equal(cur_left(&c), 1);
    uint8_t x;
    assert_true(cur_u8(&c, &x));
    assert_int_equal(x, 'd');
    /* The child is a view of its own: reading past it fails it alone. */
    uint32_t v;
    assert_false(cur_u32(&child, &v));
    assert_true(cur_failed(&child));
    assert_false(cur_failed(&c));
}

static void test_vec16_child(void **state)
{
    (void)state;
    /* 00 02 'h' 'i' */
    static const uint8_t in[] = {0, 2, 'h', 'i'};
    struct cur c = cur_make(in, sizeof in);
    struct cur child;
    assert_true(cur_vec16(&c, &child));
    assert_int_equal(cur_left(&child), 2);
    assert_memory_equal(cur_ptr(&child), "hi", 2);
    assert_true(cur_empty(&c));
    assert_false(cur_failed(&c));
}

static void test_vec24_child(void **state)
{
    (void)state;
    /* 00 00 01 'z' */
    static const uint8_t in[] = {0, 0, 1, 'z'};
    struct cur c = cur_make(in, sizeof in);
    struct cur child;
    assert_true(cur_vec24(&c, &child));
    assert_int_equal(cur_left(&child), 1);
    assert_int_equal(*cur_ptr(&child), 'z');
    assert_true(cur_empty(&c));
}

static void test_vec_empty_and_overlong(void **state)
{
    (void)state;
    /* 00 : an empty vector is fine */
    static const uint8_t empty[] = {0};
    struct cur c = cur_make(empty, sizeof empty);
    struct cur child;
    assert_true(cur_vec8(&c, &child));
    assert_int_equal(cur_left(&child), 0);
    assert_false(cur_failed(&child));
    assert_true(cur_empty(&child));

    /* 04 'a' 'b' 'c' : claims one byte more than there is */
    static const uint8_t over[] = {4, 'a', 'b', 'c'};
    c = cur_make(over, sizeof over);
    assert_false(cur_vec8(&c, &child));
    assert_true(cur_failed(&c));
    assert_true(cur_failed(&child));
    assert_int_equal(cur_left(&child), 0);

    /* 00 03 'a' 'b' 'c' : exactly there */
    static const uint8_t exact[] = {0, 3, 'a', 'b', 'c'};
    c = cur_make(exact, sizeof exact);
    assert_true(cur_vec16(&c, &child));
    assert_int_equal(cur_left(&child), 3);

    /* 00 04 'a' 'b' 'c' and 00 00 04 'a' 'b' 'c' */
    static const uint8_t over16[] = {0, 4, 'a', 'b', 'c'};
    c = cur_make(over16, sizeof over16);
    assert_false(cur_vec16(&c, &child));
    assert_true(cur_failed(&child));
    static const uint8_t over24[] = {0, 0, 4, 'a', 'b', 'c'};
    c = cur_make(over24, sizeof over24);
    assert_false(cur_vec24(&c, &child));
    assert_true(cur_failed(&child));

    /* The length prefix itself truncated: 00 (one byte of a 16-bit length) */
    c = cur_make(empty, sizeof empty);
    assert_false(cur_vec16(&c, &child));
    assert_true(cur_failed(&c));
    assert_true(cur_failed(&child));
    c = cur_make(exact, 2);
    assert_false(cur_vec24(&c, &child));
    assert_true(cur_failed(&child));
}

static void test_span_edges(void **state)
{
    (void)state;
    const uint8_t *sp;
    struct cur c = cur_make(ten, 4);
    assert_true(cur_span(&c, 0, &sp));
    assert_ptr_equal(sp, ten);
    assert_int_equal(cur_left(&c), 4);
    assert_true(cur_span(&c, 4, &sp));
    assert_ptr_equal(sp, ten);
    assert_int_equal(cur_left(&c), 0);
    assert_false(cur_failed(&c));

    c = cur_make(ten, 4);
    assert_false(cur_span(&c, 5, &sp));
    assert_null(sp);
    assert_true(cur_failed(&c));
    assert_ptr_equal(cur_ptr(&c), ten);
}

static void test_skip_edges(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 4);
    assert_true(cur_skip(&c, 0));
    assert_int_equal(cur_left(&c), 4);
    assert_true(cur_skip(&c, 4));
    assert_int_equal(cur_left(&c), 0);
    assert_ptr_equal(cur_ptr(&c), ten + 4);
    assert_false(cur_failed(&c));
    assert_false(cur_skip(&c, 1));
    assert_true(cur_failed(&c));

    c = cur_make(ten, 4);
    assert_false(cur_skip(&c, 5));
    assert_ptr_equal(cur_ptr(&c), ten);
    /* A huge skip cannot wrap the length around. */
    c = cur_make(ten, 4);
    assert_false(cur_skip(&c, SIZE_MAX));
    assert_int_equal(cur_left(&c), 0);
}

static void test_peek_edges(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 4);
    uint8_t b = 0xEE;
    assert_true(cur_peek(&c, 0, &b));
    assert_int_equal(b, 1);
    assert_true(cur_peek(&c, 3, &b));
    assert_int_equal(b, 4);
    assert_false(cur_peek(&c, 4, &b)); /* index == length */
    assert_int_equal(b, 0);
    assert_int_equal(cur_left(&c), 4); /* peeking consumes nothing */
    assert_false(cur_failed(&c));      /* and a peek out of range does not fail the view */

    struct cur e = cur_make(ten, 0);
    assert_false(cur_peek(&e, 0, &b));
}

static void test_truncate_edges(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 6);
    cur_truncate(&c, 7); /* never grows */
    assert_int_equal(cur_left(&c), 6);
    cur_truncate(&c, 6);
    assert_int_equal(cur_left(&c), 6);
    cur_truncate(&c, 5);
    assert_int_equal(cur_left(&c), 5);
    uint8_t b;
    assert_false(cur_peek(&c, 5, &b));
    cur_truncate(&c, 0);
    assert_true(cur_empty(&c));
    assert_false(cur_failed(&c));
    assert_false(cur_u8(&c, &b));
}

static void test_make_null(void **state)
{
    (void)state;
    struct cur c = cur_make(NULL, 100);
    assert_int_equal(cur_left(&c), 0);
    assert_true(cur_empty(&c));
    uint8_t b;
    assert_false(cur_u8(&c, &b));
    assert_true(cur_failed(&c));
}

static void test_sub_edges(void **state)
{
    (void)state;
    struct cur c = cur_make(ten, 5);
    struct cur child;
    assert_true(cur_sub(&c, 0, &child));
    assert_true(cur_empty(&child));
    assert_false(cur_failed(&child));
    assert_true(cur_sub(&c, 5, &child));
    assert_int_equal(cur_left(&child), 5);
    assert_true(cur_empty(&c));
    c = cur_make(ten, 5);
    assert_false(cur_sub(&c, 6, &child));
    assert_true(cur_failed(&c));
    assert_true(cur_failed(&child));
}

/* Every prefix of a small TLV structure: reading never goes past the view;
 * the result is complete or failed. */
static void test_every_prefix_of_nested_vectors(void **state)
{
    (void)state;
    /* 00 07 | 02 'a' 'b' | 00 02 'c' 'd' */
    static const uint8_t in[] = {0, 7, 2, 'a', 'b', 0, 2, 'c', 'd'};
    for (size_t k = 0; k <= sizeof in; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        memcpy(copy, in, k);
        struct cur c = cur_make(copy, k);
        struct cur outer, a, b;
        cur_vec16(&c, &outer);
        cur_vec8(&outer, &a);
        cur_vec16(&outer, &b);
        bool ok = !cur_failed(&c) && !cur_failed(&outer) && cur_empty(&outer);
        assert_int_equal(ok, k == sizeof in);
        if (ok) {
            assert_memory_equal(cur_ptr(&a), "ab", 2);
            assert_memory_equal(cur_ptr(&b), "cd", 2);
        }
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_big_endian),
        cmocka_unit_test(test_readers_little_endian),
        cmocka_unit_test(test_high_bytes_not_sign_extended),
        cmocka_unit_test(test_failed_read_does_not_advance),
        cmocka_unit_test(test_failure_latches),
        cmocka_unit_test(test_group_of_reads_checked_once),
        cmocka_unit_test(test_vec8_child),
        cmocka_unit_test(test_vec16_child),
        cmocka_unit_test(test_vec24_child),
        cmocka_unit_test(test_vec_empty_and_overlong),
        cmocka_unit_test(test_span_edges),
        cmocka_unit_test(test_skip_edges),
        cmocka_unit_test(test_peek_edges),
        cmocka_unit_test(test_truncate_edges),
        cmocka_unit_test(test_make_null),
        cmocka_unit_test(test_sub_edges),
        cmocka_unit_test(test_every_prefix_of_nested_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
