/* JSON output: the summary object and one record per session. Every string
 * that came off the wire is escaped, invalid UTF-8 included; unknown values
 * are null, never a missing key. */
#ifndef SMTPTLS_JSON_H
#define SMTPTLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "findings.h"
#include "session.h"

void json_string(FILE *f, const char *s, size_t n);
/* A C string, or null for NULL. */
void json_cstr(FILE *f, const char *s);
void json_write_session(FILE *f, const struct session_record *r, const struct verdict *v);
/* 0, or -1 when out of memory (the summary is then cut short). */
int json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                       const struct findings *fi);

/* Members of an object, comma-separated as they come. */
struct jw {
    FILE *f;
    bool first;
};
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *key, const char *s);  /* NULL: null */
void jw_text(struct jw *w, const char *key, const char *s); /* NULL or "": null */
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* ISO 8601 UTC with microseconds: "2026-11-30T00:00:00.123456Z" (buf >= 32). */
void json_time(uint64_t us, char *buf, size_t len);
/* Address text (buf >= 46). */
void json_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len);

#endif
