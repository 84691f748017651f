#include "table.h"

#include <stdlib.h>

#define START_SLOTS 1024u

/* Slots for max entries at half load. */
static uint32_t slots_for(uint32_t max)
{
    uint32_t n = 2;
    while (n / 2u < max)
        n *= 2u;
    return n;
}

int table_init(struct table *t, uint32_t max)
{
    t->slots = NULL;
    t->mask = 0;
    t->count = 0;
    t->max = max;
    if (max == 0 || max > TABLE_MAX)
        return -1;
    uint32_t n = slots_for(max);
    n = n < START_SLOTS ? n : START_SLOTS;
    t->slots = calloc(n, sizeof *t->slots);
    if (!t->slots)
        return -1;
    t->mask = n - 1u;
    return 0;
}

void table_free(struct table *t)
{
    free(t->slots);
    t->slots = NULL;
}

static void place(struct table_slot *slots, uint32_t mask, struct table_slot s)
{
    uint32_t pos = s.hash & mask;
    while (slots[pos].id)
        pos = (pos + 1u) & mask;
    slots[pos] = s;
}

static bool grow(struct table *t)
{
    uint32_t n = (t->mask + 1u) * 2u;
    struct table_slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return false;
    for (uint32_t i = 0; i <= t->mask; i++)
        if (t->slots[i].id)
            place(slots, n - 1u, t->slots[i]);
    free(t->slots);
    t->slots = slots;
    t->mask = n - 1u;
    return true;
}

bool table_insert(struct table *t, uint32_t hash, uint32_t id)
{
    if (id == TABLE_NONE || t->count >= t->max)
        return false;
    /* count < max keeps this within slots_for(max) */
    if ((t->count + 1u) * 2u > t->mask + 1u && !grow(t))
        return false;
    place(t->slots, t->mask, (struct table_slot){hash, id + 1u});
    t->count++;
    return true;
}

void table_remove(struct table *t, uint32_t hash, uint32_t id)
{
    uint32_t mask = t->mask;
    uint32_t pos = hash & mask;
    while (t->slots[pos].id != id + 1u || t->slots[pos].hash != hash) {
        if (!t->slots[pos].id)
            return; /* not stored */
        pos = (pos + 1u) & mask;
    }
    t->count--;
    /* Close the hole: a later slot of the run moves into it unless its home
     * lies cyclically in (hole, slot], where the move would put it before
     * its home. */
    for (uint32_t next = pos;;) {
        next = (next + 1u) & mask;
        struct table_slot s = t->slots[next];
        if (!s.id)
            break;
        uint32_t home = s.hash & mask;
        if (((next - home) & mask) >= ((next - pos) & mask)) {
            t->slots[pos] = s;
            pos = next;
        }
    }
    t->slots[pos] = (struct table_slot){0, 0};
}
