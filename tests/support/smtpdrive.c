#include "smtpdrive.h"

#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "tbuf.h"

static size_t step_len(const struct smtp_step *st)
{
    return st->len ? st->len : strlen(st->text);
}

size_t smtp_dialogue_len(const struct smtp_step *steps, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += step_len(&steps[i]);
    return total;
}

size_t smtp_drive(struct smtp *s, const struct smtp_step *steps, size_t n,
                  const struct drive_opts *o, struct recorder *r)
{
    struct prng rng = prng_seed(o->seed);
    size_t maxc = o->max_chunk ? o->max_chunk : 16u;
    bool tls[2] = {false, false};
    size_t global = 0, fed = 0;

    for (size_t i = 0; i < n; i++) {
        const uint8_t *text = (const uint8_t *)steps[i].text;
        size_t len = step_len(&steps[i]);
        int dir = steps[i].dir;
        size_t off = 0;
        while (off < len) {
            size_t k = len - off;
            switch (o->mode) {
            case DRIVE_WHOLE:
                break;
            case DRIVE_BYTES:
                k = 1;
                break;
            case DRIVE_RANDOM:
                k = prng_range(&rng, 1, maxc);
                break;
            case DRIVE_SPLIT_AT:
                if (global + off < o->split_at && o->split_at < global + len)
                    k = o->split_at - (global + off);
                break;
            }
            if (k > len - off)
                k = len - off;
            if (o->prefix && global + off + k > o->limit)
                k = o->limit > global + off ? o->limit - (global + off) : 0;
            if (k == 0)
                return fed;
            if (!tls[dir]) {
                uint8_t *chunk = tb_dup(text + off, k);
                bool to_tls = false;
                size_t used = smtp_feed(s, dir, chunk, k, &rec_smtp_events, r, &to_tls);
                free(chunk);
                if (to_tls) {
                    tls[dir] = true;
                    rec_printf(r, "TLS %c step=%zu off=%zu\n", dir == SIDE_CLIENT ? 'c' : 's', i,
                               off + used);
                }
            }
            off += k;
            fed += k;
        }
        global += len;
    }
    return fed;
}
