/* Session records read back: one line of --sessions output, as
 * json_session.c wrote it, parsed by jansson into the struct session_record
 * it was written from, so that records of any runs or sensors can be judged
 * and counted again as one run's (--from-sessions). The inverse of
 * json_session: every record read and written again gives the same bytes
 * (tests/unit/test_record_read.c, and tests/golden/check_record_roundtrip.py
 * over every golden record).
 *
 * What is read: the facts (addresses, times, the SMTP and TLS facts, the
 * counters) are required, and their types, ranges and lengths checked
 * against the record's caps. What a writer derived from them (community_id,
 * class, direction, findings, finding_details, grade, the cipher's names,
 * duration) is optional: when present it is checked and kept in
 * record_read.verdict, for the round trip and for --direction without
 * --home-net; the fold judges every record again. A key this version does
 * not know (a newer smtptls) is counted, not an error. */
#ifndef SMTPTLS_RECORD_READ_H
#define SMTPTLS_RECORD_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "findings.h"
#include "session.h"

enum record_status {
    RECORD_OK,
    RECORD_NOT_JSON,   /* not one JSON value (a cut line, bytes that are not UTF-8) */
    RECORD_NOT_OBJECT, /* JSON, but not an object */
    RECORD_MISSING,    /* a key every record has is missing (an older smtptls?) */
    RECORD_BAD_VALUE,  /* a key of the wrong type, or a value out of range or too long */
    RECORD_NOMEM,
    RECORD_STATUS_COUNT
};

struct record_read {
    struct session_record rec;
    char sensor[LIMIT_SENSOR_NAME + 1]; /* "" when null */
    bool has_sensor;
    /* The writer's judgement, as far as the record says it (zero when not):
     * findings and their details, grade, class and direction. */
    struct verdict verdict;
    unsigned unknown_keys; /* keys this version does not know */
    char unknown_key[48];  /* the first of them ("anomalies.NAME" inside that object), cut */
};

struct record_reader;

/* The name tables (TLS groups, alerts); NULL when out of memory. */
struct record_reader *record_reader_new(void);
void record_reader_free(struct record_reader *rr);
/* One record from line (len bytes, its newline optional). RECORD_OK with
 * *out filled, or another status with one line in why (the key and what is
 * wrong with it; jansson's words and column for RECORD_NOT_JSON). */
enum record_status record_read(struct record_reader *rr, const char *line, size_t len,
                               struct record_read *out, char *why, size_t whylen);
/* "not JSON", "not an object", "missing key", "bad value", "out of memory". */
const char *record_status_name(enum record_status s);

#endif
