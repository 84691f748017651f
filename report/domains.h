/* "Which domains still get our mail in clear?": the envelope domains of the
 * sessions that sent them in clear (session_record.mail_from_domain and
 * rcpt_domains: only what crossed in clear is ever in a record), each with
 * the sessions that named it, as sender or as recipient, and the messages
 * those sessions delivered. A session's messages count for every domain it
 * named: the record does not say which message went to which recipient.
 * Rows found through the keyed hash (rows.h); past LIMIT_DOMAINS domains, the
 * rest share one "other" row. */
#ifndef SMTPTLS_DOMAINS_H
#define SMTPTLS_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "hash.h"

struct session_record;

struct domain_stats {
    char name[LIMIT_DOMAIN + 1];
    bool other; /* the overflow row */
    uint64_t sessions, messages;
    uint64_t as_sender, as_recipient; /* sessions that named it in MAIL FROM, in RCPT TO */
};

struct domains;

struct domains *domains_new(const struct hash_key *key);
void domains_free(struct domains *d);
/* Count the domains of one session (none with --no-domains). */
void domains_add(struct domains *d, const struct session_record *r);
/* Recipient domains the records could not keep (rcpt_domains_dropped). */
uint64_t domains_dropped(const struct domains *d);
/* All rows by sessions (most first), then name, "other" last, in *out
 * (caller frees; NULL when none) and their number in *n. 0, or -1 when out
 * of memory. */
int domains_sorted(const struct domains *d, struct domain_stats ***out, size_t *n);

#endif
