#include "domains.h"

#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "session.h"

_Static_assert(LIMIT_DOMAINS % LIMIT_PEER_CHUNK == 0, "whole chunks of rows");

struct domains {
    struct rows rows;
    struct domain_stats other;
    uint64_t dropped;
};

struct domains *domains_new(const struct hash_key *key)
{
    struct domains *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (rows_init(&d->rows, key, sizeof(struct domain_stats), LIMIT_DOMAINS, LIMIT_PEER_CHUNK) <
        0) {
        free(d);
        return NULL;
    }
    d->other.other = true;
    return d;
}

void domains_free(struct domains *d)
{
    if (!d)
        return;
    rows_free(&d->rows);
    free(d);
}

static bool same_domain(const void *row, const void *ctx)
{
    return strcmp(((const struct domain_stats *)row)->name, ctx) == 0;
}

static struct domain_stats *row_of(struct domains *d, const char *name)
{
    size_t n = strnlen(name, LIMIT_DOMAIN);
    bool made;
    uint32_t id;
    struct domain_stats *row =
        rows_get(&d->rows, rows_hash(&d->rows, name, n, 0), same_domain, name, &made, &id);
    if (!row)
        return &d->other;
    if (made) {
        memcpy(row->name, name, n);
        row->name[n] = '\0';
    }
    return row;
}

/* Count the session once in the row of one of its domains. The other row
 * may be named several times by one session: it is counted each time. */
static void count(struct domain_stats *row, const struct session_record *r, bool sender,
                  struct domain_stats **seen, unsigned *nseen)
{
    for (unsigned i = 0; i < *nseen; i++) {
        if (seen[i] == row) {
            row->as_sender += sender;
            row->as_recipient += !sender;
            return;
        }
    }
    if (!row->other)
        seen[(*nseen)++] = row;
    row->sessions++;
    row->messages += r->messages;
    row->as_sender += sender;
    row->as_recipient += !sender;
}

void domains_add(struct domains *d, const struct session_record *r)
{
    /* A session's distinct domains: its sender's, and as many recipient
     * domains as the record holds (each at least two bytes with its NUL). */
    struct domain_stats *seen[1 + LIMIT_RCPT_DOMAIN_BYTES / 2];
    unsigned nseen = 0;
    if (!r->domains_kept)
        return;
    d->dropped += r->rcpt_domains_dropped;
    if (r->mail_from_domain[0])
        count(row_of(d, r->mail_from_domain), r, true, seen, &nseen);
    const char *p = r->rcpt_domains, *end = r->rcpt_domains + sizeof r->rcpt_domains;
    for (unsigned i = 0; i < r->nrcpt_domains && p < end; i++) {
        size_t n = strnlen(p, (size_t)(end - p));
        if (n == 0 || n == (size_t)(end - p))
            break;
        count(row_of(d, p), r, false, seen, &nseen);
        p += n + 1;
    }
}

uint64_t domains_dropped(const struct domains *d)
{
    return d->dropped;
}

static int by_sessions(const void *x, const void *y)
{
    const struct domain_stats *a = *(struct domain_stats *const *)x;
    const struct domain_stats *b = *(struct domain_stats *const *)y;
    if (a->other != b->other)
        return a->other ? 1 : -1;
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions ? -1 : 1;
    return strcmp(a->name, b->name);
}

int domains_sorted(const struct domains *d, struct domain_stats ***out, size_t *nout)
{
    size_t n = d->rows.count + (d->other.sessions ? 1u : 0u);
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return 0;
    struct domain_stats **v = calloc(n, sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (uint32_t id = 0; id < d->rows.count; id++)
        v[k++] = rows_at(&d->rows, id);
    if (d->other.sessions)
        v[k++] = &((struct domains *)d)->other;
    if (k > 1)
        qsort(v, k, sizeof *v, by_sessions);
    *out = v;
    *nout = k;
    return 0;
}
