#include "order.h"

#include <stdlib.h>
#include <string.h>

struct order {
    uint64_t *until; /* per source */
    unsigned sources;
    struct session_record **heap; /* a binary min-heap by before() */
    size_t n, cap;
};

struct order *order_new(unsigned sources)
{
    struct order *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->sources = sources ? sources : 1;
    o->until = calloc(o->sources, sizeof *o->until);
    if (!o->until) {
        free(o);
        return NULL;
    }
    return o;
}

void order_free(struct order *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->heap[i]);
    free(o->heap);
    free(o->until);
    free(o);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* Whether a comes out before b: by the time it was due, then by facts of
 * the session alone, so that the order never depends on which worker had it. */
static bool before(const struct session_record *a, const struct session_record *b)
{
    int c = cmp_u64(a->order_us, b->order_us);
    if (!c)
        c = cmp_u64(a->end_us, b->end_us);
    if (!c)
        c = cmp_u64(a->start_us, b->start_us);
    if (!c)
        c = (a->family > b->family) - (a->family < b->family);
    if (!c)
        c = memcmp(a->server, b->server, sizeof a->server);
    if (!c)
        c = (a->server_port > b->server_port) - (a->server_port < b->server_port);
    if (!c)
        c = memcmp(a->client, b->client, sizeof a->client);
    if (!c)
        c = (a->client_port > b->client_port) - (a->client_port < b->client_port);
    return c < 0;
}

static void swap(struct session_record **h, size_t i, size_t j)
{
    struct session_record *t = h[i];
    h[i] = h[j];
    h[j] = t;
}

int order_push(struct order *o, const struct session_record *r)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        struct session_record **h = realloc(o->heap, cap * sizeof *h);
        if (!h)
            return -1;
        o->heap = h;
        o->cap = cap;
    }
    struct session_record *copy = malloc(sizeof *copy);
    if (!copy)
        return -1;
    *copy = *r;
    size_t i = o->n++;
    o->heap[i] = copy;
    while (i > 0 && before(o->heap[i], o->heap[(i - 1) / 2])) {
        swap(o->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

void order_progress(struct order *o, unsigned s, uint64_t until)
{
    if (s < o->sources && until > o->until[s])
        o->until[s] = until;
}

/* Records due strictly before this have all been seen (a source may still
 * emit one due exactly at its own mark: an eviction by the packet that also
 * ran an expiry pass). */
static uint64_t watermark(const struct order *o)
{
    uint64_t w = UINT64_MAX;
    for (unsigned s = 0; s < o->sources; s++)
        if (o->until[s] < w)
            w = o->until[s];
    return w;
}

bool order_pop(struct order *o, struct session_record *out)
{
    if (o->n == 0)
        return false;
    uint64_t w = watermark(o);
    if (w != UINT64_MAX && o->heap[0]->order_us >= w)
        return false;
    *out = *o->heap[0];
    free(o->heap[0]);
    o->heap[0] = o->heap[--o->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < o->n && before(o->heap[l], o->heap[m]))
            m = l;
        if (r < o->n && before(o->heap[r], o->heap[m]))
            m = r;
        if (m == i)
            break;
        swap(o->heap, i, m);
        i = m;
    }
    return true;
}

size_t order_pending(const struct order *o)
{
    return o->n;
}
