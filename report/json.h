/* JSON output: one record per session (a JSON line) and the summary object,
 * each built whole in a builder (jsonb.h) and written with one call. Every
 * string that came off the wire is escaped, invalid UTF-8 included; unknown
 * values are null, never a missing key. */
#ifndef SMTPTLS_JSON_H
#define SMTPTLS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "aggregate.h"
#include "findings.h"
#include "jsonb.h"
#include "session.h"

/* What every record carries beyond its session and verdict. */
struct json_context {
    const char *sensor;       /* --sensor; NULL writes null */
    struct community_id *cid; /* SHA-1 fetched once (community_id.h); NULL: slower */
};

/* The record of one session with its "\n", built in b (reset first; give b
 * the cap LIMIT_JSON_RECORD and reuse it). ctx may be NULL. Returns the
 * text, valid until b is used again, and its length in *len; NULL if b
 * failed (jb_error says why) or memory ran out. */
const char *json_session(struct jsonb *b, const struct json_context *ctx,
                         const struct session_record *r, const struct verdict *v, size_t *len);
/* The summary object with its "\n", likewise (cap LIMIT_JSON_SUMMARY). */
const char *json_summary(struct jsonb *b, const struct aggregate *a,
                         const struct aggregate_capture *cap, const struct findings *fi,
                         size_t *len);

/* The same, written to f with one fwrite through a builder of their own.
 * -1 when the text could not be built (out of memory); a failed write is
 * left in f's error flag, for the caller's ferror or fclose. */
int json_write_session(FILE *f, const struct json_context *ctx, const struct session_record *r,
                       const struct verdict *v);
int json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                       const struct findings *fi);

#endif
