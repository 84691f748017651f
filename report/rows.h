/* A bounded table of report rows found by a key of bytes (a server's or a
 * client's name, a domain): rows of one size allocated in chunks that never
 * move, found through the keyed hash (hash.h) and the shared index
 * (table.h), at most max of them; past that, or when memory runs out, the
 * caller counts in an overflow row of its own. What is reported never
 * depends on the hash key: rows are listed in the order they were made. */
#ifndef SMTPTLS_ROWS_H
#define SMTPTLS_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "table.h"

struct rows {
    struct hash_key key;
    struct table index; /* hash of the key -> row number */
    size_t row_size;
    uint32_t count, max, chunk;
    uint8_t **chunks; /* max / chunk of them, each allocated on first use */
};

/* Rows of row_size bytes, at most max (a multiple of chunk). 0, or -1 when
 * out of memory. */
int rows_init(struct rows *t, const struct hash_key *key, size_t row_size, uint32_t max,
              uint32_t chunk);
void rows_free(struct rows *t);

static inline void *rows_at(const struct rows *t, uint32_t id)
{
    return t->chunks[id / t->chunk] + (size_t)(id % t->chunk) * t->row_size;
}

/* The hash of a key of n bytes, extra (a port, for example) mixed in. */
uint32_t rows_hash(const struct rows *t, const void *key, size_t n, uint64_t extra);

/* Does the row hold the key that ctx describes? */
typedef bool (*rows_same)(const void *row, const void *ctx);

/* The row stored under hash for which same(row, ctx) holds, or a new zeroed
 * row with *made set: the caller fills its key. Its id (for rows_at) in *id.
 * NULL when the table is full or memory ran out. */
void *rows_get(struct rows *t, uint32_t hash, rows_same same, const void *ctx, bool *made,
               uint32_t *id);

#endif
