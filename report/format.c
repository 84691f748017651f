/* Written by hand rather than with gmtime_r/strftime and inet_ntop: the
 * session writer calls these four times per record, and the library paths
 * (a lock, sprintf per field) cost more than the rest of the record. The
 * results are the same, byte for byte (tests/unit/test_format.c compares
 * them with the library). */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>
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

/* Hinnant's algorithms for any day count (days_from_civil and
 * civil_from_days with floor division), for the signed times below. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

size_t fmt_time_secs_signed(int64_t secs, char *buf, size_t len)
{
    if (secs >= 0)
        return fmt_time_secs((uint64_t)secs, buf, len);
    int64_t days = floor_div(secs, 86400), rem = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 0) {
        if (len)
            buf[0] = '\0';
        return 0;
    }
    char tmp[FMT_TIME_LEN];
    char *p = tmp;
    p = put_2(p, (unsigned)(year / 100));
    p = put_2(p, (unsigned)(year % 100));
    *p++ = '-';
    p = put_2(p, month);
    *p++ = '-';
    p = put_2(p, day);
    *p++ = 'T';
    p = put_2(p, (unsigned)(rem / 3600));
    *p++ = ':';
    p = put_2(p, (unsigned)(rem / 60 % 60));
    *p++ = ':';
    p = put_2(p, (unsigned)(rem % 60));
    *p++ = 'Z';
    return finish(tmp, (size_t)(p - tmp), buf, len);
}

/* Exactly k digits at s[*i]; their value. -1 if not. */
static int64_t digits(const char *s, size_t n, size_t *i, unsigned k)
{
    int64_t v = 0;
    for (unsigned j = 0; j < k; j++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return -1;
        v = v * 10 + (s[*i] - '0');
    }
    return v;
}

static bool at(const char *s, size_t n, size_t i, char c)
{
    return i < n && s[i] == c;
}

int fmt_parse_time(const char *s, size_t n, int64_t *us)
{
    size_t i = 0;
    /* The year: four digits or more (fmt_time writes years past 9999). */
    int64_t year = 0;
    unsigned ydigits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && ydigits < 9) {
        year = year * 10 + (s[i++] - '0');
        ydigits++;
    }
    if (ydigits < 4 || !at(s, n, i++, '-')) /* 9 digits at most: no overflow below */
        return -1;
    int64_t month = digits(s, n, &i, 2);
    if (month < 1 || month > 12 || !at(s, n, i++, '-'))
        return -1;
    int64_t day = digits(s, n, &i, 2);
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (day < 1 || day > mdays[month - 1] || (month == 2 && day == 29 && !leap))
        return -1;
    int64_t hour = 0, minute = 0, second = 0, frac = 0;
    if (at(s, n, i, 'T') || at(s, n, i, ' ')) {
        i++;
        hour = digits(s, n, &i, 2);
        if (hour < 0 || hour > 23 || !at(s, n, i++, ':'))
            return -1;
        minute = digits(s, n, &i, 2);
        if (minute < 0 || minute > 59)
            return -1;
        if (at(s, n, i, ':')) {
            i++;
            second = digits(s, n, &i, 2);
            if (second < 0 || second > 60) /* a leap second reads as the next one */
                return -1;
            if (at(s, n, i, '.')) {
                i++;
                unsigned k = 0;
                for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
                    if (k >= 6)
                        return -1;
                    frac = frac * 10 + (s[i] - '0');
                }
                if (k == 0)
                    return -1;
                for (; k < 6; k++)
                    frac *= 10;
            }
        }
    }
    int64_t offset = 0;
    if (at(s, n, i, 'Z')) {
        i++;
    } else if (at(s, n, i, '+') || at(s, n, i, '-')) {
        int64_t sign = s[i++] == '-' ? -1 : 1;
        int64_t oh = digits(s, n, &i, 2);
        if (at(s, n, i, ':'))
            i++;
        int64_t om = digits(s, n, &i, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (i != n)
        return -1;
    int64_t secs = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 +
                   minute * 60 + second - offset;
    if (secs > INT64_MAX / 1000000 - 1 || secs < INT64_MIN / 1000000 + 1)
        return -1; /* not a count of microseconds */
    *us = secs * 1000000 + frac;
    return 0;
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
