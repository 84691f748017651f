/* One open-addressing index from 32-bit hashes to 32-bit entry ids, for the
 * tables that keep their entries elsewhere (flows in chunks, server rows,
 * remembered client-server pairs). It never sees a key: a lookup hands out,
 * one by one, the ids stored under the same hash, and the caller compares
 * keys. Linear probing with backward-shift deletion (no tombstones, so a
 * table that churns never slows down), doubling at half full, never more
 * than room for the max entries it was made for. Each slot keeps the hash
 * beside the id: probing past other keys touches no entry, and growth and
 * deletion need nothing from the caller. */
#ifndef SMTPTLS_TABLE_H
#define SMTPTLS_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#define TABLE_NONE UINT32_MAX
#define TABLE_MAX (1u << 30) /* entries at most: the slot count stays below 2^32 */

struct table_slot {
    uint32_t hash;
    uint32_t id; /* entry id + 1; 0 is empty */
};

/* The fields belong to table.c; they are here so that a table can be
 * embedded and the lookup inlined (the flow table looks up every packet). */
struct table {
    struct table_slot *slots;
    uint32_t mask; /* slots - 1 */
    uint32_t count, max;
};

struct table_iter {
    uint32_t pos, hash;
};

/* An empty table that takes up to max entries (1 to TABLE_MAX): 0, or -1
 * when max is out of range or memory ran out. */
int table_init(struct table *t, uint32_t max);
void table_free(struct table *t);

/* The next id stored under the walk's hash, or TABLE_NONE after the last.
 * An insert or a remove ends the walk. */
static inline uint32_t table_next(const struct table *t, struct table_iter *it)
{
    for (;;) {
        struct table_slot s = t->slots[it->pos];
        if (s.id == 0)
            return TABLE_NONE;
        it->pos = (it->pos + 1u) & t->mask;
        if (s.hash == it->hash)
            return s.id - 1u;
    }
}

/* The first id stored under hash, or TABLE_NONE; table_next gives the rest. */
static inline uint32_t table_find(const struct table *t, uint32_t hash, struct table_iter *it)
{
    it->hash = hash;
    it->pos = hash & t->mask;
    return table_next(t, it);
}

/* Store id (not TABLE_NONE) under hash: false when the table holds max
 * entries already or memory ran out, and the table is unchanged. */
bool table_insert(struct table *t, uint32_t hash, uint32_t id);
/* Take out id, which must be stored under hash. */
void table_remove(struct table *t, uint32_t hash, uint32_t id);

#endif
