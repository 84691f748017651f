#include "rows.h"

#include <stdlib.h>

int rows_init(struct rows *t, const struct hash_key *key, size_t row_size, uint32_t max,
              uint32_t chunk)
{
    t->key = *key;
    t->row_size = row_size;
    t->count = 0;
    t->max = max;
    t->chunk = chunk;
    t->chunks = calloc(max / chunk, sizeof *t->chunks);
    if (!t->chunks)
        return -1;
    if (table_init(&t->index, max) < 0) {
        free(t->chunks);
        t->chunks = NULL;
        return -1;
    }
    return 0;
}

void rows_free(struct rows *t)
{
    if (!t->chunks)
        return;
    for (uint32_t c = 0; c < t->max / t->chunk; c++)
        free(t->chunks[c]);
    free(t->chunks);
    t->chunks = NULL;
    table_free(&t->index);
}

uint32_t rows_hash(const struct rows *t, const void *key, size_t n, uint64_t extra)
{
    return (uint32_t)(hash_bytes(&t->key, key, n) ^ extra * 0x9E3779B97F4A7C15ull);
}

void *rows_get(struct rows *t, uint32_t h, rows_same same, const void *ctx, bool *made,
               uint32_t *id)
{
    struct table_iter it;
    *made = false;
    for (*id = table_find(&t->index, h, &it); *id != TABLE_NONE; *id = table_next(&t->index, &it)) {
        void *row = rows_at(t, *id);
        if (same(row, ctx))
            return row;
    }
    if (t->count >= t->max)
        return NULL;
    uint8_t **chunk = &t->chunks[t->count / t->chunk];
    if (!*chunk && !(*chunk = calloc(t->chunk, t->row_size)))
        return NULL;
    if (!table_insert(&t->index, h, t->count))
        return NULL;
    *made = true;
    *id = t->count++;
    return rows_at(t, *id);
}
