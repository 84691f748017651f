/* What the reports tell each side to change, shared by the text and HTML
 * reports so that both say the same thing: the receiving side for our
 * servers (inside --home-net), the sending MTA's policy for servers outside.
 * Only the sessions with a side of ours count (peer_stats.adv); probes are
 * never counted as sessions that stayed in clear. */
#ifndef SMTPTLS_ADVICE_H
#define SMTPTLS_ADVICE_H

#include <stddef.h>

#include "aggregate.h"
#include "findings.h"
#include "peers.h"

/* Which side can act on a server: ours (inside --home-net), theirs, or not
 * known (no --home-net, or addresses both ways). */
enum advice_party { ADVICE_UNKNOWN, ADVICE_OURS, ADVICE_THEIRS };

enum advice_party advice_party(const struct peer_stats *s);
/* 0: nothing to tell this server; higher is worse. */
int advice_urgency(const struct peer_stats *s);
/* Worse first, then busier, then by name and port. */
void advice_sort(struct peer_stats **v, size_t n);
/* What one server should change: clauses each starting with a space and
 * ending with ';', into buf (cut to fit). */
void advice_server(const struct peer_stats *s, char *buf, size_t len);
/* The notes after the servers, in order: nothing urgent, mail in clear
 * although STARTTLS was offered (per direction), the probes. say is called
 * with each paragraph. */
void advice_notes(const struct aggregate *a, void (*say)(void *ctx, const char *text), void *ctx);
/* The TLS 1.2 suites to publish (RFC 9325; ciphersuite.info 'recommended'). */
extern const char *const advice_suites[];
extern const size_t advice_nsuites;
/* One line saying what a finding means ("AUTH sent in clear: credentials exposed"). */
const char *advice_finding_text(enum finding x);

#endif
