/* Times and addresses written by hand, compared with the C library that
 * wrote them before (gmtime_r and strftime, inet_ntop): calendar edges, the
 * whole range of a 64-bit microsecond count, every pattern of zero words in
 * an IPv6 address, the IPv4 forms inside IPv6. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "format.h"
#include "prng.h"

/* The previous json_time: gmtime_r, strftime, then the microseconds. */
static void time_ref(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000u);
    struct tm tm;
    assert_non_null(gmtime_r(&secs, &tm));
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06uZ", base, (unsigned)(us % 1000000u));
}

static void assert_time(uint64_t us)
{
    char want[64], got[FMT_TIME_LEN];
    time_ref(us, want, sizeof want);
    size_t n = fmt_time(us, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void test_time_edges(void **state)
{
    (void)state;
    static const uint64_t secs[] = {
        0,
        59,
        60,
        86399,
        86400,
        68169599,
        68169600, /* 1972-02-29, the first leap day */
        951782399,
        951782400, /* 2000-02-29: a leap century */
        978307199,
        978307200, /* 2000-12-31 and 2001 */
        2147483647,
        2147483648, /* 2038 */
        4107542399,
        4107542400,   /* 2100-02-28, not a leap year, then 03-01 */
        253402300799, /* 9999-12-31T23:59:59 */
        253402300800, /* 10000: five digits */
    };
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        assert_time(secs[i] * 1000000u);
        assert_time(secs[i] * 1000000u + 999999u);
        assert_time(secs[i] * 1000000u + 1u);
    }
    assert_time(UINT64_MAX); /* year 586524 */
    char t[FMT_TIME_LEN];
    fmt_time(1796000000123456ull, t, sizeof t);
    assert_string_equal(t, "2026-11-30T00:53:20.123456Z");
}

static void test_time_random(void **state)
{
    (void)state;
    struct prng r = prng_seed(13);
    for (int i = 0; i < 200000; i++) {
        uint64_t v = prng_next(&r);
        /* most in the years that captures have, some anywhere */
        assert_time(i % 4 ? v % (4102444800ull * 1000000u) : v);
    }
    /* every day of 1970-2100 once */
    for (uint64_t d = 0; d < 47482; d++)
        assert_time((d * 86400u + d % 86400u) * 1000000u);
}

static void test_time_secs(void **state)
{
    (void)state;
    char t[FMT_TIME_LEN];
    assert_int_equal(fmt_time_secs(0, t, sizeof t), 20);
    assert_string_equal(t, "1970-01-01T00:00:00Z");
    fmt_time_secs(253402300799, t, sizeof t);
    assert_string_equal(t, "9999-12-31T23:59:59Z");
    /* as the record's certificate times were written: the microsecond text
     * cut after the seconds */
    struct prng r = prng_seed(5);
    for (int i = 0; i < 10000; i++) {
        uint64_t s = 1 + prng_next(&r) % 253402300799u;
        char want[64];
        time_ref(s * 1000000u, want, sizeof want);
        want[19] = 'Z';
        want[20] = '\0';
        fmt_time_secs(s, t, sizeof t);
        assert_string_equal(t, want);
    }
}

/* Certificate dates before 1970 (UTCTime reaches back to 1950), against
 * gmtime_r; after 1970 the same text as fmt_time_secs. */
static void test_time_secs_signed(void **state)
{
    (void)state;
    char t[FMT_TIME_LEN], u[FMT_TIME_LEN];
    fmt_time_secs_signed(-1, t, sizeof t);
    assert_string_equal(t, "1969-12-31T23:59:59Z");
    fmt_time_secs_signed(-631152000, t, sizeof t);
    assert_string_equal(t, "1950-01-01T00:00:00Z");
    fmt_time_secs_signed(-62167219200, t, sizeof t); /* timegm of 0000-01-01 */
    assert_string_equal(t, "0000-01-01T00:00:00Z");
    assert_int_equal(fmt_time_secs_signed(-62167219201, t, sizeof t), 0);
    assert_string_equal(t, "");
    struct prng r = prng_seed(7);
    for (int i = 0; i < 20000; i++) {
        int64_t s = -(int64_t)(prng_next(&r) % 62167219200u);
        time_t tt = (time_t)s;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        char want[64];
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (tm.tm_year + 1900 < 1000) /* strftime does not pad the year */
            snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        fmt_time_secs_signed(s, t, sizeof t);
        assert_string_equal(t, want);
        uint64_t p = prng_next(&r) % 253402300800u;
        fmt_time_secs_signed((int64_t)p, t, sizeof t);
        fmt_time_secs(p, u, sizeof u);
        assert_string_equal(t, u);
    }
}

static void assert_parse(const char *s, int64_t want)
{
    int64_t got = 0;
    assert_int_equal(fmt_parse_time(s, strlen(s), &got), 0);
    assert_true(got == want);
}

static void assert_no_parse(const char *s)
{
    int64_t got;
    assert_int_equal(fmt_parse_time(s, strlen(s), &got), -1);
}

/* Every time fmt_time and fmt_time_secs(_signed) write reads back to its
 * value; the shorter forms of --since and --until; what is not a time. */
static void test_parse_time(void **state)
{
    (void)state;
    char t[FMT_TIME_LEN];
    struct prng r = prng_seed(11);
    for (int i = 0; i < 100000; i++) {
        uint64_t us = prng_next(&r) % (253402300800ull * 1000000u);
        int64_t got;
        size_t n = fmt_time(us, t, sizeof t);
        assert_int_equal(fmt_parse_time(t, n, &got), 0);
        assert_true(got == (int64_t)us);
        int64_t s = (int64_t)(prng_next(&r) % 253402300800u) - 62167219200;
        n = fmt_time_secs_signed(s, t, sizeof t);
        assert_int_equal(fmt_parse_time(t, n, &got), 0);
        assert_true(got == s * 1000000);
    }
    assert_parse("2026-11-30", 1795996800ll * 1000000);
    assert_parse("2026-11-30T00:53", 1795999980ll * 1000000);
    assert_parse("2026-11-30 00:53:20", 1796000000ll * 1000000);
    assert_parse("2026-11-30T00:53:20.5Z", 1796000000ll * 1000000 + 500000);
    assert_parse("2026-11-30T02:53:20+02:00", 1796000000ll * 1000000);
    assert_parse("2026-11-29T19:53:20-0500", 1796000000ll * 1000000);
    assert_parse("2000-02-29", 951782400ll * 1000000);
    assert_parse("10000-01-01T00:00:00Z", 253402300800ll * 1000000);
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11",
        "2026-13-01",
        "2026-11-31",
        "2100-02-29",
        "2026-11-30T",
        "2026-11-30T24:00",
        "2026-11-30T00:60",
        "2026-11-30Z ",
        "26-11-30",
        "2026-1-30",
        "2026-11-30T00:00:00.",
        "2026-11-30T00:00:00.1234567",
        "2026-11-30+2",
        "2026/11/30",
        "1796086400",
        "2026-11-30T00:00:00ZZ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_no_parse(bad[i]);
}

static void assert_addr(uint8_t family, const uint8_t *a)
{
    char want[INET6_ADDRSTRLEN], got[FMT_ADDR_LEN];
    assert_non_null(inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, want, sizeof want));
    size_t n = fmt_addr(family, a, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void test_ipv4(void **state)
{
    (void)state;
    static const uint8_t edges[][4] = {
        {0, 0, 0, 0}, {255, 255, 255, 255}, {10, 0, 0, 1}, {192, 0, 2, 100}, {1, 10, 100, 9}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        assert_addr(4, edges[i]);
    struct prng r = prng_seed(4);
    for (int i = 0; i < 20000; i++) {
        uint64_t v = prng_next(&r);
        uint8_t a[4];
        memcpy(a, &v, 4);
        assert_addr(4, a);
    }
}

static void test_ipv6_zero_runs(void **state)
{
    (void)state;
    struct prng r = prng_seed(6);
    /* every pattern of zero and non-zero words, with small and large words */
    for (unsigned mask = 0; mask < 256; mask++) {
        for (int k = 0; k < 20; k++) {
            uint8_t a[16];
            for (int w = 0; w < 8; w++) {
                uint16_t v = 0;
                if (mask & (1u << w)) {
                    uint64_t x = prng_next(&r);
                    v = (uint16_t)(k % 3 == 0 ? 1 + x % 15 : k % 3 == 1 ? 1 + x % 0xFFFF : 0x100);
                }
                a[2 * w] = (uint8_t)(v >> 8);
                a[2 * w + 1] = (uint8_t)v;
            }
            assert_addr(6, a);
        }
    }
}

static void test_ipv6_with_ipv4(void **state)
{
    (void)state;
    uint8_t a[16];
    memset(a, 0, sizeof a);
    assert_addr(6, a); /* :: */
    a[15] = 1;
    assert_addr(6, a); /* ::1 */
    a[12] = 192, a[13] = 0, a[14] = 2, a[15] = 1;
    assert_addr(6, a); /* ::192.0.2.1, IPv4-compatible */
    a[10] = 0xFF, a[11] = 0xFF;
    assert_addr(6, a); /* ::ffff:192.0.2.1, IPv4-mapped */
    a[12] = a[13] = a[14] = a[15] = 0;
    assert_addr(6, a); /* ::ffff:0.0.0.0 */
    a[10] = 0xFF, a[11] = 0xFE;
    assert_addr(6, a); /* ::fffe:0:0, not mapped */
    memset(a, 0, sizeof a);
    a[12] = 1;
    assert_addr(6, a); /* ::1.0.0.0 */
    a[12] = 0, a[13] = 0, a[14] = 3, a[15] = 4;
    assert_addr(6, a); /* ::304 */
    a[9] = 1, a[11] = 0xFF;
    assert_addr(6, a);
    char t[FMT_ADDR_LEN];
    static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x19};
    fmt_addr(6, doc, t, sizeof t);
    assert_string_equal(t, "2001:db8::19");
}

static void test_endpoint_and_cut(void **state)
{
    (void)state;
    static const uint8_t v4[4] = {192, 0, 2, 1};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    char buf[FMT_ENDPOINT_LEN];
    assert_int_equal(fmt_endpoint(4, v4, 25, buf, sizeof buf), 12);
    assert_string_equal(buf, "192.0.2.1:25");
    fmt_endpoint(6, v6, 65535, buf, sizeof buf);
    assert_string_equal(buf, "[2001:db8::1]:65535");
    fmt_endpoint(4, v4, 0, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.1:0");
    static const uint8_t widest[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    fmt_endpoint(6, widest, 65535, buf, sizeof buf);
    assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535");
    /* a buffer too small gets the start of the text, NUL-terminated */
    char small[6];
    assert_int_equal(fmt_endpoint(4, v4, 25, small, sizeof small), 5);
    assert_string_equal(small, "192.0");
    assert_int_equal(fmt_time(0, small, sizeof small), 5);
    assert_string_equal(small, "1970-");
    assert_int_equal(fmt_addr(4, v4, small, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_edges),       cmocka_unit_test(test_time_random),
        cmocka_unit_test(test_time_secs),        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6_zero_runs),   cmocka_unit_test(test_ipv6_with_ipv4),
        cmocka_unit_test(test_endpoint_and_cut), cmocka_unit_test(test_time_secs_signed),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
