#include "fallback.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "session.h"
#include "table.h"

#define NIL UINT32_MAX

struct pair {
    uint8_t client[16], server[16];
    uint16_t port;
    uint8_t family;
    uint32_t hash;
    uint32_t older, newer; /* age order; newer also links free entries */
    uint64_t failed_us;    /* start of the failed session */
};

struct fallback {
    struct hash_key key;
    struct table index; /* pair hash -> entry */
    struct pair *v;     /* LIMIT_FALLBACK_PAIRS entries */
    uint32_t used;      /* entries handed out so far */
    uint32_t free_head, oldest, newest;
};

struct fallback *fallback_new(const struct hash_key *key)
{
    struct fallback *fb = calloc(1, sizeof *fb);
    if (!fb)
        return NULL;
    fb->key = *key;
    fb->free_head = fb->oldest = fb->newest = NIL;
    fb->v = calloc(LIMIT_FALLBACK_PAIRS, sizeof *fb->v);
    if (table_init(&fb->index, LIMIT_FALLBACK_PAIRS) < 0 || !fb->v) {
        fallback_free(fb);
        return NULL;
    }
    return fb;
}

void fallback_free(struct fallback *fb)
{
    if (!fb)
        return;
    table_free(&fb->index);
    free(fb->v);
    free(fb);
}

static uint32_t pair_hash(const struct fallback *fb, const struct session_record *r)
{
    uint8_t k[16 + 16 + 2 + 1];
    memcpy(k, r->client, 16);
    memcpy(k + 16, r->server, 16);
    k[32] = (uint8_t)(r->server_port >> 8);
    k[33] = (uint8_t)r->server_port;
    k[34] = r->family;
    return (uint32_t)hash_bytes(&fb->key, k, sizeof k);
}

static uint32_t find(const struct fallback *fb, const struct session_record *r, uint32_t hash)
{
    struct table_iter it;
    for (uint32_t id = table_find(&fb->index, hash, &it); id != TABLE_NONE;
         id = table_next(&fb->index, &it)) {
        const struct pair *p = &fb->v[id];
        if (p->family == r->family && p->port == r->server_port &&
            memcmp(p->client, r->client, 16) == 0 && memcmp(p->server, r->server, 16) == 0)
            return id;
    }
    return NIL;
}

static void forget(struct fallback *fb, uint32_t id)
{
    struct pair *p = &fb->v[id];
    if (p->older != NIL)
        fb->v[p->older].newer = p->newer;
    else
        fb->oldest = p->newer;
    if (p->newer != NIL)
        fb->v[p->newer].older = p->older;
    else
        fb->newest = p->older;
    table_remove(&fb->index, p->hash, id);
    p->newer = fb->free_head;
    fb->free_head = id;
}

static void remember(struct fallback *fb, const struct session_record *r, uint32_t hash)
{
    if (fb->free_head == NIL && fb->used == LIMIT_FALLBACK_PAIRS)
        forget(fb, fb->oldest);
    uint32_t id = fb->free_head != NIL ? fb->free_head : fb->used;
    if (!table_insert(&fb->index, hash, id))
        return; /* out of memory: not remembered */
    struct pair *p = &fb->v[id];
    if (id == fb->free_head)
        fb->free_head = p->newer;
    else
        fb->used++;
    p->family = r->family;
    memcpy(p->client, r->client, 16);
    memcpy(p->server, r->server, 16);
    p->port = r->server_port;
    p->hash = hash;
    p->failed_us = r->start_us;
    p->older = fb->newest;
    p->newer = NIL;
    if (fb->newest != NIL)
        fb->v[fb->newest].newer = id;
    else
        fb->oldest = id;
    fb->newest = id;
}

bool fallback_next(struct fallback *fb, const struct session_record *r, bool failed,
                   uint64_t *failed_us)
{
    uint32_t hash = pair_hash(fb, r);
    uint32_t id = find(fb, r, hash);
    bool found = id != NIL;
    if (found) {
        *failed_us = fb->v[id].failed_us;
        forget(fb, id);
    }
    if (failed)
        remember(fb, r, hash);
    return found;
}
