/* --metrics: the run's counts in Prometheus's text exposition format (0.0.4),
 * for node_exporter's textfile collector, and the file written atomically.
 *
 * Families (README "Metrics"; counters end in _total, units in the name):
 *   smtptls_info{version}                          gauge, 1
 *   smtptls_sessions_total{mode}                   counter, mode as in records
 *   smtptls_encrypted_sessions_total               counter
 *   smtptls_starttls_offered_sessions_total        counter
 *   smtptls_leak_sessions_total{kind}              counter, envelope or auth
 *   smtptls_findings_total{code}                   counter, sessions per finding
 *   smtptls_cipher_sessions_total{cipher,version}  counter, encrypted sessions
 *   smtptls_packets_total, smtptls_bytes_total     counter
 *   smtptls_kernel_drops_total                     counter, live only
 *   smtptls_flows_open                             gauge
 *   smtptls_resident_memory_bytes                  gauge, when known
 * With an interface every series also carries interface="IFACE", so that the
 * instances of several interfaces can share one textfile directory. No
 * timestamps: the textfile collector refuses them. */
#ifndef SMTPTLS_METRICS_H
#define SMTPTLS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "session.h"
#include "stats.h"

/* Encrypted sessions by (cipher, version). The first
 * LIMIT_METRICS_CIPHER_SERIES distinct pairs keep series of their own for
 * the whole run; the sessions of any later pair are counted in `other`
 * (cipher="other", version="other"). A pair never moves between series, so
 * every series only grows, as a counter must. */
struct metrics_ciphers {
    struct metrics_pair {
        uint32_t cipher_key; /* session_record.cipher_key; SESSION_NO_CIPHER: unknown */
        uint16_t version;    /* negotiated; 0 unknown */
        uint64_t count;
    } pair[LIMIT_METRICS_CIPHER_SERIES];
    size_t n;
    uint64_t other;
};

/* Count one finished session if it is encrypted (starttls, implicit-tls: the
 * sessions the summary's ciphers and versions count). */
void metrics_count(struct metrics_ciphers *t, const struct session_record *r);

/* The exposition text for snapshot s (stats.h) and the cipher table, with
 * smtptls's version in smtptls_info and, when interface is not NULL, the
 * interface label on every series. *out is malloc'd (the caller frees it),
 * *len its length. 0, or -1 when out of memory. */
int metrics_format(const struct stats_snapshot *s, const struct metrics_ciphers *t,
                   const char *version, const char *interface, char **out, size_t *len);

/* Label value escaping of the exposition format: backslash, double quote and
 * line feed as \\, \" and \n. Writes at most outlen bytes with a NUL, cut
 * before an escape that does not fit (never half of one), and returns the
 * length the whole needs (as snprintf). */
size_t metrics_escape(const char *s, char *out, size_t outlen);

/* Replace path with len bytes of text atomically: a temporary file in the
 * same directory (".NAME.XXXXXX": not *.prom, so the collector never reads a
 * half-written one), written, fsync'd, made mode 0644 (node_exporter runs as
 * another user), renamed over path, and the directory fsync'd. 0, or -1 with
 * one line in err ("PATH: reason"); the temporary file is removed. */
int metrics_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
