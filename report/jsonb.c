#include "jsonb.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define LEVEL_ARRAY 1u
#define LEVEL_MEMBERS 2u
#define JB_FIRST_SIZE 4096u /* a session record is 1-3 KB: one allocation */

void jb_init(struct jsonb *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void jb_reset(struct jsonb *b)
{
    b->len = 0;
    b->depth = 0;
    b->top_done = false;
    b->wrap = 0;
    b->error = JB_OK;
}

void jb_free(struct jsonb *b)
{
    free(b->buf);
    jb_init(b, b->max);
}

static void fail(struct jsonb *b, enum jb_error e)
{
    if (b->error == JB_OK)
        b->error = e;
}

static bool grow(struct jsonb *b, size_t n)
{
    if (b->error != JB_OK)
        return false;
    if (n > b->max - b->len) {
        fail(b, JB_ERR_CAP);
        return false;
    }
    size_t size = b->size ? b->size : JB_FIRST_SIZE;
    while (size - b->len < n)
        size = size > b->max / 2 ? b->max : size * 2;
    if (size > b->max)
        size = b->max;
    char *p = realloc(b->buf, size);
    if (!p) {
        fail(b, JB_ERR_NOMEM);
        return false;
    }
    b->buf = p;
    b->size = size;
    return true;
}

/* Room for n more bytes. */
static inline bool reserve(struct jsonb *b, size_t n)
{
    return (b->size - b->len >= n && b->error == JB_OK) || grow(b, n);
}

static inline void put(struct jsonb *b, const void *p, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->buf + b->len, p, n);
        b->len += n;
    }
}

static inline void put_char(struct jsonb *b, char c)
{
    if (reserve(b, 1))
        b->buf[b->len++] = c;
}

/* Byte classes for escaping. */
enum { C_COPY, C_BACKSLASH, C_UNICODE, C_UTF8 };
static const uint8_t byte_class[256] = {
    /* C_COPY 0: as it is; C_BACKSLASH 1: '"' and '\\'; C_UNICODE 2: control
     * characters and 0x7F as \u00XX; C_UTF8 3: the start of a multi-byte
     * UTF-8 sequence, checked. */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/* The rest of a string from its first byte that is not copied as it is. */
static void put_escaped_tail(struct jsonb *b, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && byte_class[p[run]] == C_COPY)
            run++;
        if (run > i) {
            put(b, p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        size_t k = 0;
        uint32_t cp;
        if (byte_class[c] == C_UTF8 && (k = utf8_decode(p + i, n - i, &cp)) > 0) {
            put(b, p + i, k);
            i += k;
        } else if (byte_class[c] == C_BACKSLASH) {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
            i++;
        } else { /* a control character, or a byte that is not UTF-8: its Latin-1 code point */
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(b, e, 6);
            i++;
        }
    }
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Is one of the eight bytes of w not C_COPY? A byte below 0x20, above 0x7E,
 * '"' or '\\' (the "determine if a word has a byte less than, greater than,
 * equal to n" tests of Sean Anderson's Bit Twiddling Hacks; exact for "is
 * there one", which is all that is asked). */
static inline bool word_special(uint64_t w)
{
    uint64_t quote = w ^ (ONES * '"'), backslash = w ^ (ONES * '\\');
    uint64_t below = (w - ONES * 0x20u) & ~w;
    uint64_t above = (w + ONES) | w;
    uint64_t equal = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
    return ((below | above | equal) & HIGHS) != 0;
}

/* Copies the leading bytes of p that need no escaping to o, eight at a
 * time while it can; returns how many. */
static inline size_t copy_plain(char *o, const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (uint64_t w; n - i >= 8; i += 8) {
        memcpy(&w, p + i, 8);
        if (word_special(w))
            break;
        memcpy(o + i, &w, 8);
    }
    while (i < n && byte_class[p[i]] == C_COPY) {
        o[i] = (char)p[i];
        i++;
    }
    return i;
}

/* A quoted, escaped string. Keys and most values are plain ASCII: those
 * are copied at once into room reserved for them (an escaped string is
 * never shorter, so a cap that refuses the room refuses the string). */
static void put_string(struct jsonb *b, const unsigned char *p, size_t n)
{
    if (n > b->max) {
        fail(b, JB_ERR_CAP);
        return;
    }
    if (!reserve(b, n + 2))
        return;
    b->buf[b->len] = '"';
    size_t i = copy_plain(b->buf + b->len + 1, p, n);
    b->len += 1 + i;
    if (i < n)
        put_escaped_tail(b, p + i, n - i);
    put_char(b, '"');
}

/* The separator, layout and key before a value; false when the value must
 * not be written. */
static bool member(struct jsonb *b, const char *key)
{
    if (b->error != JB_OK)
        return false;
    if (b->depth == 0) {
        if (key || b->top_done) {
            fail(b, JB_ERR_MISUSE);
            return false;
        }
        b->top_done = true;
        return true;
    }
    uint8_t *level = &b->level[b->depth - 1];
    if ((*level & LEVEL_ARRAY) ? key != NULL : key == NULL) {
        fail(b, JB_ERR_MISUSE);
        return false;
    }
    bool first = !(*level & LEVEL_MEMBERS);
    *level |= LEVEL_MEMBERS;
    size_t indent = b->wrap ? b->wrap - 1u : 0u;
    size_t klen = key ? strlen(key) : 0u;
    /* the comma, then a space or a new line and its indent, then "key": */
    size_t sep = (first ? 0u : 1u) + (b->wrap ? 1u + indent : first ? 0u : 1u);
    if (klen > b->max) {
        fail(b, JB_ERR_CAP);
        return false;
    }
    if (!reserve(b, sep + (key ? klen + 4u : 0u)))
        return false;
    char *o = b->buf + b->len;
    if (!first)
        *o++ = ',';
    if (b->wrap) {
        *o++ = '\n';
        memset(o, ' ', indent);
        o += indent;
        b->wrap = 0;
    } else if (!first) {
        *o++ = ' ';
    }
    b->len = (size_t)(o - b->buf);
    if (!key)
        return true;
    const unsigned char *k = (const unsigned char *)key;
    size_t i = copy_plain(o + 1, k, klen);
    if (i < klen) { /* a key to escape: rare, the slow way */
        put_string(b, k, klen);
        put(b, ": ", 2);
        return b->error == JB_OK;
    }
    o[0] = '"';
    memcpy(o + 1 + klen, "\": ", 3);
    b->len += klen + 4;
    return true;
}

static void open_level(struct jsonb *b, const char *key, uint8_t kind, char bracket)
{
    if (!member(b, key))
        return;
    if (b->depth == LIMIT_JSON_DEPTH) {
        fail(b, JB_ERR_MISUSE);
        return;
    }
    b->level[b->depth++] = kind;
    put_char(b, bracket);
}

void jb_open_object(struct jsonb *b, const char *key)
{
    open_level(b, key, 0, '{');
}

void jb_open_array(struct jsonb *b, const char *key)
{
    open_level(b, key, LEVEL_ARRAY, '[');
}

void jb_close(struct jsonb *b)
{
    if (b->error != JB_OK)
        return;
    if (b->depth == 0) {
        fail(b, JB_ERR_MISUSE);
        return;
    }
    b->wrap = 0;
    put_char(b, b->level[--b->depth] & LEVEL_ARRAY ? ']' : '}');
}

void jb_strn(struct jsonb *b, const char *key, const void *p, size_t n)
{
    if (member(b, key))
        put_string(b, p, n);
}

void jb_str(struct jsonb *b, const char *key, const char *s)
{
    if (!s)
        jb_null(b, key);
    else if (member(b, key))
        put_string(b, (const unsigned char *)s, strlen(s));
}

/* Decimal digits of v, written backwards from end; returns the first. */
static char *u64_digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void jb_u64(struct jsonb *b, const char *key, uint64_t v)
{
    char d[20];
    char *s = u64_digits(v, d + sizeof d);
    if (member(b, key))
        put(b, s, (size_t)(d + sizeof d - s));
}

void jb_i64(struct jsonb *b, const char *key, int64_t v)
{
    char d[21];
    /* the magnitude in unsigned arithmetic: INT64_MIN has no positive twin */
    char *s = u64_digits(v < 0 ? 0u - (uint64_t)v : (uint64_t)v, d + sizeof d);
    if (v < 0)
        *--s = '-';
    if (member(b, key))
        put(b, s, (size_t)(d + sizeof d - s));
}

void jb_fixed(struct jsonb *b, const char *key, uint64_t v, unsigned decimals)
{
    char d[48];
    char *end = d + sizeof d, *s = end;
    if (decimals > 19)
        decimals = 19;
    for (unsigned i = 0; i < decimals; i++) {
        *--s = (char)('0' + v % 10u);
        v /= 10u;
    }
    if (decimals)
        *--s = '.';
    s = u64_digits(v, s);
    if (member(b, key))
        put(b, s, (size_t)(end - s));
}

void jb_double(struct jsonb *b, const char *key, double v, unsigned decimals)
{
    /* Rare (summary percentages) and printf's rounding is the reference:
     * snprintf, not a hand-written conversion. */
    char d[512];
    if (!isfinite(v)) {
        jb_null(b, key);
        return;
    }
    int n = snprintf(d, sizeof d, "%.*f", (int)(decimals > 17 ? 17 : decimals), v);
    if (n < 0 || (size_t)n >= sizeof d) {
        fail(b, JB_ERR_MISUSE);
        return;
    }
    if (member(b, key))
        put(b, d, (size_t)n);
}

void jb_bool(struct jsonb *b, const char *key, bool v)
{
    if (member(b, key))
        put(b, v ? "true" : "false", v ? 4 : 5);
}

void jb_null(struct jsonb *b, const char *key)
{
    if (member(b, key))
        put(b, "null", 4);
}

void jb_wrap(struct jsonb *b, unsigned indent)
{
    if (b->depth == 0 || indent == UINT_MAX)
        fail(b, JB_ERR_MISUSE);
    else
        b->wrap = indent + 1;
}

void jb_end_line(struct jsonb *b)
{
    if (b->error != JB_OK)
        return;
    if (b->depth != 0 || !b->top_done) {
        fail(b, JB_ERR_MISUSE);
        return;
    }
    put_char(b, '\n');
    b->top_done = false;
}

const char *jb_data(const struct jsonb *b)
{
    return b->buf ? b->buf : "";
}

size_t jb_len(const struct jsonb *b)
{
    return b->len;
}

enum jb_error jb_error(const struct jsonb *b)
{
    return b->error;
}

const char *jb_error_name(enum jb_error e)
{
    switch (e) {
    case JB_OK:
        return "ok";
    case JB_ERR_MISUSE:
        return "misuse";
    case JB_ERR_CAP:
        return "over its cap";
    case JB_ERR_NOMEM:
        return "out of memory";
    }
    return "?";
}
