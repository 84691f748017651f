#include "textout.h"

#include <stdarg.h>
#include <string.h>

static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026, one column */

size_t text_cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0u) != 0x80u;
    return n;
}

void tl_begin(struct tline *l, FILE *f, size_t width)
{
    l->f = f;
    l->width = width;
    l->len = l->cols = 0;
    l->buf[0] = '\0';
}

static void put_n(struct tline *l, const char *s, size_t n)
{
    if (n > sizeof l->buf - 1 - l->len)
        n = sizeof l->buf - 1 - l->len;
    memcpy(l->buf + l->len, s, n);
    for (size_t i = 0; i < n; i++)
        l->cols += ((unsigned char)s[i] & 0xC0u) != 0x80u;
    l->len += n;
    l->buf[l->len] = '\0';
}

void tl_put(struct tline *l, const char *s)
{
    put_n(l, s, strlen(s));
}

void tl_printf(struct tline *l, const char *fmt, ...)
{
    char tmp[TL_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(l, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void tl_pad(struct tline *l, size_t col)
{
    while (l->cols < col && l->len + 1 < sizeof l->buf)
        put_n(l, " ", 1);
}

size_t tl_room(const struct tline *l)
{
    return l->cols < l->width ? l->width - l->cols : 0;
}

/* Bytes of s that make its first cols columns. */
static size_t bytes_for(const char *s, size_t cols)
{
    size_t i = 0, c = 0;
    for (; s[i]; i++) {
        bool start = ((unsigned char)s[i] & 0xC0u) != 0x80u;
        if (start && c == cols)
            break;
        c += start;
    }
    return i;
}

void tl_tail(struct tline *l, const char *s)
{
    size_t room = tl_room(l), cols = text_cols(s);
    if (cols <= room) {
        tl_put(l, s);
        return;
    }
    put_n(l, s, bytes_for(s, room ? room - 1 : 0));
    tl_put(l, ellipsis);
}

static size_t digits(size_t v)
{
    size_t d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* " … +N more" or " … +N or more". */
static size_t suffix_cols(size_t hidden, bool more)
{
    return 4 + digits(hidden) + (more ? 8 : 5);
}

void tl_list(struct tline *l, const char *const *items, size_t n, bool more, const char *sep)
{
    size_t room = tl_room(l), used = 0, shown = 0, seplen = text_cols(sep);
    for (; shown < n; shown++) {
        size_t cost = (shown ? seplen : 0) + text_cols(items[shown]);
        bool last = shown + 1 == n && !more;
        size_t after = n - shown - 1 + more;
        size_t need = used + cost + (last ? 0 : suffix_cols(after, more));
        if (need > room)
            break;
        if (shown)
            tl_put(l, sep);
        tl_put(l, items[shown]);
        used += cost;
    }
    if (shown == n && !more)
        return;
    size_t hidden = n - shown + more;
    tl_printf(l, "%s%s +%zu %s", shown ? " " : "", ellipsis, hidden, more ? "or more" : "more");
}

void tl_wrap(struct tline *l, const char *s, size_t indent)
{
    while (*s) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n == 0)
            break;
        char word[TL_MAX];
        if (n >= sizeof word)
            n = sizeof word - 1;
        memcpy(word, s, n);
        word[n] = '\0';
        bool space = l->len > 0 && l->buf[l->len - 1] != ' ';
        if (space + text_cols(word) > tl_room(l) && l->cols > indent) {
            tl_end(l);
            tl_pad(l, indent);
            space = false;
        }
        if (space)
            tl_put(l, " ");
        tl_put(l, word);
        s += n;
    }
}

void tl_end(struct tline *l)
{
    while (l->len > 0 && l->buf[l->len - 1] == ' ')
        l->len--;
    fwrite(l->buf, 1, l->len, l->f);
    fputc('\n', l->f);
    l->len = l->cols = 0;
    l->buf[0] = '\0';
}

size_t text_printable(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = c >= 0x20 && c < 0x7F && c != '\\';
        size_t need = plain ? 1 : 4;
        if (o + need >= cap)
            break;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15u];
        }
    }
    out[o] = '\0';
    return o;
}
