#include "tbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Live buffers, so that a test that fails (cmocka leaves the test function
 * by longjmp) leaks nothing: tb_free_all() releases what is left. */
static uint8_t **live;
static size_t nlive, caplive;

static void track(uint8_t *old, uint8_t *now)
{
    for (size_t i = 0; old && i < nlive; i++) {
        if (live[i] == old) {
            if (now)
                live[i] = now;
            else
                live[i] = live[--nlive];
            return;
        }
    }
    if (!now)
        return;
    if (nlive == caplive) {
        size_t cap = caplive ? caplive * 2u : 64u;
        uint8_t **nl = realloc(live, cap * sizeof *nl);
        if (!nl) {
            fprintf(stderr, "tbuf: out of memory\n");
            abort();
        }
        live = nl;
        caplive = cap;
    }
    live[nlive++] = now;
}

void tb_free_all(void)
{
    for (size_t i = 0; i < nlive; i++)
        free(live[i]);
    free(live);
    live = NULL;
    nlive = caplive = 0;
}

static void grow(struct tbuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256u;
    while (cap < b->len + n)
        cap *= 2u;
    uint8_t *np = realloc(b->p, cap);
    if (!np) {
        fprintf(stderr, "tbuf: out of memory\n");
        abort();
    }
    track(b->p, np);
    b->p = np;
    b->cap = cap;
}

void tb_init(struct tbuf *b)
{
    b->p = NULL;
    b->len = b->cap = 0;
}

void tb_free(struct tbuf *b)
{
    track(b->p, NULL);
    free(b->p);
    tb_init(b);
}

void tb_reset(struct tbuf *b)
{
    b->len = 0;
}

void tb_put(struct tbuf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    grow(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void tb_str(struct tbuf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

void tb_fill(struct tbuf *b, uint8_t v, size_t n)
{
    grow(b, n);
    memset(b->p + b->len, v, n);
    b->len += n;
}

void tb_opaque(struct tbuf *b, size_t n, uint8_t seed)
{
    grow(b, n);
    uint32_t x = 0x9E3779B9u ^ seed;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t c = (uint8_t)(x >> 24);
        b->p[b->len++] = c == '\n' ? 0xA5 : c;
    }
}

void tb_u8(struct tbuf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    tb_put(b, &c, 1);
}

void tb_u16(struct tbuf *b, unsigned v)
{
    uint8_t c[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    tb_put(b, c, 2);
}

void tb_u24(struct tbuf *b, uint32_t v)
{
    uint8_t c[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    tb_put(b, c, 3);
}

void tb_u32(struct tbuf *b, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    tb_put(b, c, 4);
}

size_t tb_open(struct tbuf *b, int width)
{
    size_t pos = b->len;
    tb_fill(b, 0, (size_t)width);
    return pos;
}

void tb_close(struct tbuf *b, size_t pos, int width)
{
    size_t n = b->len - pos - (size_t)width;
    for (int i = width - 1; i >= 0; i--) {
        b->p[pos + (size_t)i] = (uint8_t)n;
        n >>= 8;
    }
}

uint8_t *tb_dup(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1u);
    if (!d) {
        fprintf(stderr, "tbuf: out of memory\n");
        abort();
    }
    if (n)
        memcpy(d, p, n);
    return d;
}
