#include "flow.h"

#include "caps.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

enum { LIST_NONE, LIST_ACTIVE, LIST_CLOSING };

struct flow_entry {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint8_t family;
    uint8_t list;
    uint8_t creator; /* canonical slot of the endpoint that created the flow */
    bool settled;    /* evicting it loses nothing the owner still needs */
    uint32_t id;
    uint32_t hash;
    uint32_t prev, next; /* list links; next is also the free-list link */
    uint64_t last_us;    /* last packet, or closing time on the closing list */
    uint64_t listed_us;  /* when it took its place in its list */
    /* user area follows, aligned */
};

struct flow_list {
    uint32_t head, tail;
};

/* A flow evicted while open: the rest of its connection, if it comes, is
 * the rest of a session already reported, not a new one. */
struct flow_gone {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint8_t family; /* 0: the slot is free */
    uint32_t hash;
};

struct flow_table {
    struct table index; /* key hash -> entry id */
    struct hash_key key;
    uint8_t **chunks;
    uint32_t nchunks, allocated;
    uint32_t free_head;
    uint32_t active, max;
    size_t entry_size, user_off;
    uint64_t idle_us, linger_us;
    struct flow_list lists[3];
    flow_close_fn close;
    void *close_ctx;
    struct flow_stats stats;
    /* The newest LIMIT_FLOWS_GONE evicted flows, a ring found through an
     * index; made at the first eviction. */
    struct flow_gone *gone;
    struct table gone_index;
    uint32_t gone_next;
};

static size_t align16(size_t n)
{
    return (n + 15u) & ~(size_t)15u;
}

size_t flow_entry_size(size_t user_size)
{
    return align16(sizeof(struct flow_entry)) + align16(user_size);
}

static struct flow_entry *entry_at(const struct flow_table *ft, uint32_t id)
{
    /* entry_size is a multiple of 16 and chunks come from malloc: aligned */
    return (struct flow_entry *)(void *)(ft->chunks[id / LIMIT_FLOW_CHUNK] +
                                         (size_t)(id % LIMIT_FLOW_CHUNK) * ft->entry_size);
}

static void *user_of(const struct flow_table *ft, struct flow_entry *e)
{
    return (uint8_t *)e + ft->user_off;
}

static struct flow_entry *entry_of_user(const struct flow_table *ft, const void *user)
{
    return (struct flow_entry *)(void *)((uint8_t *)(uintptr_t)user - ft->user_off);
}

/* Packed before hashing, since every packet is hashed: addresses and ports,
 * 12 bytes for IPv4 and 36 for IPv6 (the length, which SipHash mixes in,
 * tells the families apart). */
static uint32_t key_hash(const struct hash_key *key, const uint8_t a[2][16], const uint16_t port[2],
                         uint8_t family)
{
    uint8_t k[2 * 16 + 2 * 2];
    size_t n;
    if (family == 4) {
        memcpy(k, a[0], 4);
        memcpy(k + 4, a[1], 4);
        n = 8;
    } else {
        memcpy(k, a[0], 16);
        memcpy(k + 16, a[1], 16);
        n = 32;
    }
    k[n] = (uint8_t)(port[0] >> 8);
    k[n + 1] = (uint8_t)port[0];
    k[n + 2] = (uint8_t)(port[1] >> 8);
    k[n + 3] = (uint8_t)port[1];
    return (uint32_t)hash_bytes(key, k, n + 4);
}

/* Canonical order: endpoint with the smaller (address, port) first. */
static int canon(const struct flow_tuple *t, uint8_t a[2][16], uint16_t port[2])
{
    int c = memcmp(t->src, t->dst, 16);
    int swap = c > 0 || (c == 0 && t->sport > t->dport);
    memcpy(a[swap], t->src, 16);
    memcpy(a[!swap], t->dst, 16);
    port[swap] = t->sport;
    port[!swap] = t->dport;
    return swap;
}

static void list_unlink(struct flow_table *ft, struct flow_entry *e)
{
    struct flow_list *l = &ft->lists[e->list];
    if (e->prev != NIL)
        entry_at(ft, e->prev)->next = e->next;
    else
        l->head = e->next;
    if (e->next != NIL)
        entry_at(ft, e->next)->prev = e->prev;
    else
        l->tail = e->prev;
    e->list = LIST_NONE;
}

static void list_append(struct flow_table *ft, struct flow_entry *e, uint32_t id, uint8_t which)
{
    struct flow_list *l = &ft->lists[which];
    e->list = which;
    e->next = NIL;
    e->prev = l->tail;
    if (l->tail != NIL)
        entry_at(ft, l->tail)->next = id;
    else
        l->head = id;
    l->tail = id;
}

/* A flow at the head of the idle list that saw packets since it took its
 * place there goes to the tail; true when it moved. */
static bool relist_if_stale(struct flow_table *ft, struct flow_entry *e, uint32_t id)
{
    if (e->last_us <= e->listed_us || ft->lists[LIST_ACTIVE].tail == id)
        return false;
    list_unlink(ft, e);
    list_append(ft, e, id, LIST_ACTIVE);
    e->listed_us = e->last_us;
    return true;
}

struct flow_table *flow_table_create(size_t user_size, uint32_t max_flows, uint64_t idle_timeout_us,
                                     uint64_t linger_us, const struct hash_key *key,
                                     flow_close_fn close, void *close_ctx)
{
    struct flow_table *ft = calloc(1, sizeof *ft);
    if (!ft)
        return NULL;
    if (max_flows < LIMIT_FLOWS_MIN || max_flows > LIMIT_FLOWS_MAX) {
        free(ft);
        return NULL;
    }
    ft->max = max_flows;
    ft->entry_size = flow_entry_size(user_size);
    ft->user_off = align16(sizeof(struct flow_entry));
    ft->idle_us = idle_timeout_us;
    ft->linger_us = linger_us;
    ft->key = *key;
    ft->close = close;
    ft->close_ctx = close_ctx;
    ft->free_head = NIL;
    for (int i = 0; i < 3; i++)
        ft->lists[i].head = ft->lists[i].tail = NIL;
    ft->nchunks = (max_flows + LIMIT_FLOW_CHUNK - 1u) / LIMIT_FLOW_CHUNK;
    ft->chunks = calloc(ft->nchunks, sizeof *ft->chunks);
    if (table_init(&ft->index, max_flows) < 0 || !ft->chunks) {
        table_free(&ft->index);
        free(ft->chunks);
        free(ft);
        return NULL;
    }
    return ft;
}

static bool same_key(const struct flow_gone *g, const struct flow_entry *e)
{
    return g->family == e->family && g->port[0] == e->port[0] && g->port[1] == e->port[1] &&
           memcmp(g->addr, e->addr, sizeof g->addr) == 0;
}

void flow_remember_evicted(struct flow_table *ft, const void *user)
{
    const struct flow_entry *e = entry_of_user(ft, user);
    if (!ft->gone) {
        ft->gone = calloc(LIMIT_FLOWS_GONE, sizeof *ft->gone);
        if (!ft->gone || table_init(&ft->gone_index, LIMIT_FLOWS_GONE) < 0) {
            free(ft->gone);
            ft->gone = NULL;
            return;
        }
    }
    struct flow_gone *g = &ft->gone[ft->gone_next];
    if (g->family)
        table_remove(&ft->gone_index, g->hash, ft->gone_next);
    memcpy(g->addr, e->addr, sizeof g->addr);
    g->port[0] = e->port[0];
    g->port[1] = e->port[1];
    g->family = e->family;
    g->hash = e->hash;
    if (!table_insert(&ft->gone_index, g->hash, ft->gone_next))
        g->family = 0;
    ft->gone_next = (ft->gone_next + 1u) % LIMIT_FLOWS_GONE;
}

bool flow_resumes_evicted(struct flow_table *ft, const void *user)
{
    const struct flow_entry *e = entry_of_user(ft, user);
    if (!ft->gone)
        return false;
    struct table_iter it;
    for (uint32_t id = table_find(&ft->gone_index, e->hash, &it); id != TABLE_NONE;
         id = table_next(&ft->gone_index, &it)) {
        if (!same_key(&ft->gone[id], e))
            continue;
        table_remove(&ft->gone_index, e->hash, id);
        ft->gone[id].family = 0;
        return true;
    }
    return false;
}

static void entry_release(struct flow_table *ft, struct flow_entry *e, uint32_t id,
                          enum flow_close_reason why)
{

    if (e->list != LIST_NONE)
        list_unlink(ft, e);
    table_remove(&ft->index, e->hash, id);
    ft->active--;
    ft->stats.closed++;
    if (why == FLOW_CLOSE_EVICTED)
        ft->stats.evicted++;
    else if (why == FLOW_CLOSE_IDLE)
        ft->stats.expired++;
    if (ft->close)
        ft->close(ft->close_ctx, user_of(ft, e), why);
    e->next = ft->free_head;
    ft->free_head = id;
}

static uint32_t entry_alloc(struct flow_table *ft)
{
    if (ft->free_head != NIL) {
        uint32_t id = ft->free_head;
        ft->free_head = entry_at(ft, id)->next;
        return id;
    }
    if (ft->allocated >= ft->max)
        return NIL;
    uint32_t c = ft->allocated / LIMIT_FLOW_CHUNK;
    if (!ft->chunks[c]) {
        uint32_t n = ft->max - c * LIMIT_FLOW_CHUNK;
        if (n > LIMIT_FLOW_CHUNK)
            n = LIMIT_FLOW_CHUNK;
        ft->chunks[c] = malloc((size_t)n * ft->entry_size);
        if (!ft->chunks[c])
            return NIL;
    }
    return ft->allocated++;
}

void *flow_lookup(struct flow_table *ft, const struct flow_tuple *t, uint64_t now_us, int *dir,
                  bool *created)
{
    uint8_t a[2][16];
    uint16_t port[2];
    int swap = canon(t, a, port);
    uint32_t hash = key_hash(&ft->key, (const uint8_t(*)[16])a, port, t->family);
    *created = false;

    struct table_iter it;
    for (uint32_t id = table_find(&ft->index, hash, &it); id != TABLE_NONE;
         id = table_next(&ft->index, &it)) {
        struct flow_entry *e = entry_at(ft, id);
        if (e->family != t->family || e->port[0] != port[0] || e->port[1] != port[1] ||
            memcmp(e->addr, a, sizeof a) != 0)
            continue;
        *dir = swap != e->creator;
        if (e->list == LIST_ACTIVE) {
            /* The idle list is kept in order to the second: a flow moves
             * to its tail at most once a second (expiry fixes the rest). */
            e->last_us = now_us > e->last_us ? now_us : e->last_us;
            if (e->last_us - e->listed_us >= 1000000u && ft->lists[LIST_ACTIVE].tail != id) {
                list_unlink(ft, e);
                list_append(ft, e, id, LIST_ACTIVE);
                e->listed_us = e->last_us;
            }
        }
        return user_of(ft, e);
    }

    if (ft->active >= ft->max) {
        uint32_t victim = ft->lists[LIST_CLOSING].head;
        if (victim == NIL) {
            /* The longest idle: past heads that were busy since they were listed. */
            for (unsigned k = 0; k < ft->active; k++) {
                victim = ft->lists[LIST_ACTIVE].head;
                if (victim == NIL || !relist_if_stale(ft, entry_at(ft, victim), victim))
                    break;
            }
            /* Among the longest idle, one whose owner has all it needs. */
            uint32_t id = victim;
            for (unsigned k = 0; id != NIL && k < LIMIT_EVICT_SCAN; k++, id = entry_at(ft, id)->next)
                if (entry_at(ft, id)->settled) {
                    victim = id;
                    break;
                }
        }
        if (victim == NIL)
            return NULL;
        entry_release(ft, entry_at(ft, victim), victim, FLOW_CLOSE_EVICTED);
    }
    uint32_t id = entry_alloc(ft);
    if (id == NIL)
        return NULL;
    struct flow_entry *e = entry_at(ft, id);
    if (!table_insert(&ft->index, hash, id)) {
        e->next = ft->free_head;
        ft->free_head = id;
        return NULL;
    }
    memset(e, 0, ft->entry_size);
    memcpy(e->addr, a, sizeof a);
    e->port[0] = port[0];
    e->port[1] = port[1];
    e->family = t->family;
    e->hash = hash;
    e->id = id;
    e->creator = (uint8_t)swap;
    e->last_us = now_us;
    e->listed_us = now_us;
    list_append(ft, e, id, LIST_ACTIVE);
    ft->active++;
    ft->stats.created++;
    if (ft->active > ft->stats.max_active)
        ft->stats.max_active = ft->active;
    *dir = 0;
    *created = true;
    return user_of(ft, e);
}

void flow_endpoint(const struct flow_table *ft, const void *user, int i, uint8_t addr[16],
                   uint16_t *port, uint8_t *family)
{
    const struct flow_entry *e = entry_of_user(ft, user);
    int slot = i == 0 ? e->creator : !e->creator;
    memcpy(addr, e->addr[slot], 16);
    *port = e->port[slot];
    *family = e->family;
}

void flow_mark_settled(struct flow_table *ft, void *user)
{
    entry_of_user(ft, user)->settled = true;
}

void flow_mark_closing(struct flow_table *ft, void *user, uint64_t now_us)
{
    struct flow_entry *e = entry_of_user(ft, user);
    if (e->list == LIST_CLOSING)
        return;
    list_unlink(ft, e);
    e->last_us = now_us;
    list_append(ft, e, e->id, LIST_CLOSING);
}

void flow_close_now(struct flow_table *ft, void *user, enum flow_close_reason why)
{
    struct flow_entry *e = entry_of_user(ft, user);
    entry_release(ft, e, e->id, why);
}

void flow_expire(struct flow_table *ft, uint64_t now_us)
{
    uint32_t id;
    while ((id = ft->lists[LIST_CLOSING].head) != NIL) {
        struct flow_entry *e = entry_at(ft, id);
        if (now_us < e->last_us + ft->linger_us)
            break;
        entry_release(ft, e, id, FLOW_CLOSE_FINISHED);
    }
    while ((id = ft->lists[LIST_ACTIVE].head) != NIL) {
        struct flow_entry *e = entry_at(ft, id);
        if (now_us >= e->last_us + ft->idle_us) {
            entry_release(ft, e, id, FLOW_CLOSE_IDLE);
            continue;
        }
        if (!relist_if_stale(ft, e, id))
            break;
    }
}

void flow_close_all(struct flow_table *ft)
{
    uint32_t id;
    while ((id = ft->lists[LIST_CLOSING].head) != NIL)
        entry_release(ft, entry_at(ft, id), id, FLOW_CLOSE_FINISHED);
    while ((id = ft->lists[LIST_ACTIVE].head) != NIL)
        entry_release(ft, entry_at(ft, id), id, FLOW_CLOSE_END);
}

void flow_table_destroy(struct flow_table *ft)
{
    if (!ft)
        return;
    flow_close_all(ft);
    for (uint32_t c = 0; c < ft->nchunks; c++)
        free(ft->chunks[c]);
    free(ft->chunks);
    table_free(&ft->index);
    if (ft->gone)
        table_free(&ft->gone_index);
    free(ft->gone);
    free(ft);
}

uint32_t flow_table_active(const struct flow_table *ft)
{
    return ft->active;
}

const struct flow_stats *flow_table_stats(const struct flow_table *ft)
{
    return &ft->stats;
}
