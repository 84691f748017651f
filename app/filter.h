/* Which session records a fold takes (--from-sessions): by the time the
 * session started (--since, --until), the sensor that wrote the record
 * (--sensor), its server (--server), its direction (--direction). A record
 * is taken when it passes every filter given; within one filter, any of its
 * values will do. Pure: the options fill it, the fold asks it. */
#ifndef SMTPTLS_FILTER_H
#define SMTPTLS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "direction.h"

struct session_record;

struct filter {
    bool since_given, until_given;
    int64_t since_us, until_us; /* start >= since, start < until */
    unsigned nsensors;
    const char *sensors[LIMIT_FILTER_VALUES]; /* borrowed from argv */
    unsigned nservers;
    struct filter_server {
        uint8_t family;   /* 4 or 6 */
        uint8_t addr[16]; /* IPv4 in the first 4 bytes, as in the record */
        uint16_t port;    /* 0: any */
    } servers[LIMIT_FILTER_VALUES];
    unsigned directions; /* bits 1 << enum direction; 0: any */
};

/* --since and --until: ISO 8601 ("2026-11-30", "2026-11-30T08:00", with
 * seconds, a fraction, "Z" or an offset; no offset is UTC) or Unix seconds
 * (digits). 0, or -1 with one line in err (no "smtptls: " prefix). */
int filter_set_time(struct filter *f, bool until, const char *text, char *err, size_t errlen);
/* --sensor NAME in a fold: one more name. */
int filter_add_sensor(struct filter *f, const char *name, char *err, size_t errlen);
/* --server ADDR[:PORT]: "192.0.2.1", "192.0.2.1:25", "2001:db8::1",
 * "[2001:db8::1]:25". */
int filter_add_server(struct filter *f, const char *text, char *err, size_t errlen);
/* --direction inbound|outbound|internal|external[,...]. */
int filter_add_direction(struct filter *f, const char *text, char *err, size_t errlen);
/* Is any filter given? */
bool filter_active(const struct filter *f);
/* Does the record pass? sensor: its sensor ("" when null); direction: the
 * one the fold gives it. */
bool filter_match(const struct filter *f, const struct session_record *r, const char *sensor,
                  enum direction d);

#endif
