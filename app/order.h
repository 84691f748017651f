/* The records of several pipelines (live workers) put in one order, so that
 * the findings that depend on earlier sessions see them as one pipeline over
 * the same packets would have emitted them, whichever worker closed what
 * first. A record waits until every pipeline has closed all that was due
 * before it (pipeline_closed_until), then comes out by its order_us, ties
 * broken by its end, start and endpoints. */
#ifndef SMTPTLS_ORDER_H
#define SMTPTLS_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

struct order;

struct order *order_new(unsigned sources);
void order_free(struct order *o);
/* Keep a copy of r until its turn. -1 when out of memory: the caller then
 * takes r at once, out of order. */
int order_push(struct order *o, const struct session_record *r);
/* Source s (0 to sources - 1) has closed everything due up to until. */
void order_progress(struct order *o, unsigned s, uint64_t until);
/* The next record whose turn has come, copied to *out; false when none has.
 * Once every source is at UINT64_MAX (finished), every record comes out. */
bool order_pop(struct order *o, struct session_record *out);
size_t order_pending(const struct order *o);

#endif
