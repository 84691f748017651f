/* JSON output: the summary object and one record per session. Every string
 * that came off the wire is escaped, invalid UTF-8 included; unknown values
 * are null, never a missing key. */
#ifndef SMTPTLS_JSON_H
#define SMTPTLS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "aggregate.h"
#include "session.h"

void json_string(FILE *f, const char *s, size_t n);
void json_write_session(FILE *f, const struct session_record *r);
void json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap);
/* ISO 8601 UTC with microseconds: "2026-11-30T00:00:00.123456Z" (buf >= 32). */
void json_time(uint64_t us, char *buf, size_t len);
/* Address text (buf >= 46). */
void json_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len);

#endif
