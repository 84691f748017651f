#include "servers.h"

#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "table.h"

_Static_assert(LIMIT_SERVERS % LIMIT_SERVER_CHUNK == 0, "whole chunks of rows");

struct servers {
    struct hash_key key;
    struct table index; /* hash of (family, address, port) -> row number */
    struct server_stats *chunks[LIMIT_SERVERS / LIMIT_SERVER_CHUNK];
    uint32_t count;
    struct server_stats other;
};

struct servers *servers_new(const struct hash_key *key)
{
    struct servers *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (table_init(&s->index, LIMIT_SERVERS) < 0) {
        free(s);
        return NULL;
    }
    s->key = *key;
    s->other.other = true;
    return s;
}

void servers_free(struct servers *s)
{
    if (!s)
        return;
    for (size_t c = 0; c < sizeof s->chunks / sizeof s->chunks[0]; c++)
        free(s->chunks[c]);
    table_free(&s->index);
    free(s);
}

static struct server_stats *row(const struct servers *s, uint32_t id)
{
    return &s->chunks[id / LIMIT_SERVER_CHUNK][id % LIMIT_SERVER_CHUNK];
}

static uint32_t hash(const struct servers *s, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    uint8_t k[16 + 2 + 1];
    memcpy(k, addr, 16);
    k[16] = (uint8_t)(port >> 8);
    k[17] = (uint8_t)port;
    k[18] = family;
    return (uint32_t)hash_bytes(&s->key, k, sizeof k);
}

struct server_stats *servers_get(struct servers *s, uint8_t family, const uint8_t addr[16],
                                 uint16_t port)
{
    uint32_t h = hash(s, family, addr, port);
    struct table_iter it;
    for (uint32_t id = table_find(&s->index, h, &it); id != TABLE_NONE;
         id = table_next(&s->index, &it)) {
        struct server_stats *e = row(s, id);
        if (e->family == family && e->port == port && memcmp(e->addr, addr, 16) == 0)
            return e;
    }
    if (s->count >= LIMIT_SERVERS)
        return &s->other;
    struct server_stats **chunk = &s->chunks[s->count / LIMIT_SERVER_CHUNK];
    if (!*chunk && !(*chunk = calloc(LIMIT_SERVER_CHUNK, sizeof **chunk)))
        return &s->other;
    if (!table_insert(&s->index, h, s->count))
        return &s->other;
    struct server_stats *e = row(s, s->count++);
    e->family = family;
    memcpy(e->addr, addr, 16);
    e->port = port;
    return e;
}

void servers_add(struct server_stats *s, const struct session_record *r, bool withheld,
                 bool stripped)
{
    s->sessions++;
    if (r->starttls_offered == SESSION_TRUE) {
        s->offered++;
    } else if (withheld) {
        s->not_offered++;
        if (!s->offered && !stripped)
            s->not_offered_before_offer++;
    }
}

uint64_t servers_stripped_late(const struct servers *s)
{
    uint64_t late = 0;
    for (uint32_t id = 0; id < s->count; id++)
        if (row(s, id)->offered)
            late += row(s, id)->not_offered_before_offer;
    return late;
}
