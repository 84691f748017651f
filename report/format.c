/* Written by hand rather than with gmtime_r/strftime and inet_ntop: the
 * session writer calls these four times per record, and the library paths
 * (a lock, sprintf per field) cost more than the rest of the record. The
 * results are the same, byte for byte (tests/unit/test_format.c compares
 * them with the library). */
#include "format.h"

#include <stdbool.h>
#include <string.h>

/* Copy the text made in tmp into the caller's buffer, cut to fit. */
static size_t finish(const char *tmp, size_t n, char *buf, size_t len)
{
    if (len == 0)
        return 0;
    if (n >= len)
        n = len - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return n;
}

static char *put_2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static char *put_dec(char *p, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = d[--n];
    return p;
}

/* "YYYY-MM-DDTHH:MM:SS" of secs since 1970 (UTC), at p; returns the end.
 * Days to a civil date by Howard Hinnant's algorithm (chrono-Compatible
 * Low-Level Date Algorithms, civil_from_days), for days >= 0. */
static char *put_date_time(char *p, uint64_t secs)
{
    uint64_t days = secs / 86400u, rem = secs % 86400u;
    uint64_t z = days + 719468u;
    uint64_t era = z / 146097u;
    uint64_t doe = z - era * 146097u;                                         /* [0, 146096] */
    uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u; /* [0, 399] */
    uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                /* [0, 365] */
    uint64_t mp = (5u * doy + 2u) / 153u; /* [0, 11], from March */
    unsigned day = (unsigned)(doy - (153u * mp + 2u) / 5u + 1u);
    unsigned month = (unsigned)(mp < 10u ? mp + 3u : mp - 9u);
    uint64_t year = yoe + era * 400u + (month <= 2u);
    p = put_dec(p, year);
    *p++ = '-';
    p = put_2(p, month);
    *p++ = '-';
    p = put_2(p, day);
    *p++ = 'T';
    p = put_2(p, (unsigned)(rem / 3600u));
    *p++ = ':';
    p = put_2(p, (unsigned)(rem / 60u % 60u));
    *p++ = ':';
    return put_2(p, (unsigned)(rem % 60u));
}

size_t fmt_time(uint64_t us, char *buf, size_t len)
{
    char tmp[FMT_TIME_LEN];
    char *p = put_date_time(tmp, us / 1000000u);
    unsigned frac = (unsigned)(us % 1000000u);
    *p++ = '.';
    for (unsigned div = 100000u; div; div /= 10u)
        *p++ = (char)('0' + frac / div % 10u);
    *p++ = 'Z';
    return finish(tmp, (size_t)(p - tmp), buf, len);
}

size_t fmt_time_secs(uint64_t secs, char *buf, size_t len)
{
    char tmp[FMT_TIME_LEN];
    char *p = put_date_time(tmp, secs);
    *p++ = 'Z';
    return finish(tmp, (size_t)(p - tmp), buf, len);
}

static char *put_ipv4(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = put_dec(p, a[i]);
    }
    return p;
}

/* RFC 4291 2.2 text, with the choices of the BIND code in glibc's
 * inet_ntop: the longest run of two or more zero words (the first of equal
 * runs) becomes "::", hex digits are lower case, and an address whose first
 * six words are zero (with two non-zero last words) or that is IPv4-mapped
 * ends in dotted IPv4. */
static char *put_ipv6(char *p, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    unsigned w[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        if (w[i] == 0) {
            if (cur < 0) {
                cur = i;
                cur_len = 0;
            }
            if (++cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur = -1;
        }
    }
    if (best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *p++ = ':';
            continue;
        }
        if (i)
            *p++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xFFFFu)))
            return put_ipv4(p, a + 12);
        bool lead = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = w[i] >> shift & 15u;
            if (d || lead || shift == 0) {
                *p++ = hex[d];
                lead = true;
            }
        }
    }
    if (best >= 0 && best + best_len == 8)
        *p++ = ':';
    return p;
}

size_t fmt_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
    char tmp[FMT_ADDR_LEN];
    char *end = family == 6 ? put_ipv6(tmp, addr) : put_ipv4(tmp, addr);
    return finish(tmp, (size_t)(end - tmp), buf, len);
}

size_t fmt_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t len)
{
    char tmp[FMT_ENDPOINT_LEN];
    char *p = tmp;
    if (family == 6) {
        *p++ = '[';
        p = put_ipv6(p, addr);
        *p++ = ']';
    } else {
        p = put_ipv4(p, addr);
    }
    *p++ = ':';
    p = put_dec(p, port);
    return finish(tmp, (size_t)(p - tmp), buf, len);
}
