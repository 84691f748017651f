/* Event recorder: the SMTP, TLS and reassembly sinks of the decoders, writing
 * one text line per event so a test compares a whole sequence with one
 * string (and split-invariance tests compare two recordings).
 *
 * Lines:
 *   SMTP   "CMD <VERB> <arg>"  "REP <to> <code> <index> last|more <text>"  "ANOM <name>"
 *   TLS    "CH legacy=0303 v2=0 suites=1301,1302 versions=0304 sni=host"
 *          "SH legacy=0303 version=0304 cipher=1301 hrr=0 v2=0 v2cipher=000000"
 *          "ALERT c|s <level> <desc>"  "REC c|s <type> clear|enc <len>"  "ANOM c|s <name>"
 *   reasm  "DATA <dir> <n>" (consecutive data of one direction coalesced)  "GAP <dir> <n>";
 *          its anomalies are only counted in anomalies[]
 * Bytes that are not printable ASCII are written as \xHH. */
#ifndef SMTPTLS_TEST_RECORDER_H
#define SMTPTLS_TEST_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "reasm.h"
#include "smtp.h"
#include "tbuf.h"
#include "tls.h"

struct recorder {
    char *text;
    size_t len, cap;
    unsigned anomalies[ANOMALY_COUNT];
    unsigned events;
    bool skip_records;     /* TLS: leave "REC" lines out */
    struct tbuf stream[2]; /* reassembly: bytes delivered per direction */
    uint64_t gap_bytes[2];
    int data_dir; /* coalescing: direction of pending data, -1 none */
    uint64_t data_n;
};

void rec_init(struct recorder *r);
void rec_free(struct recorder *r);
void rec_reset(struct recorder *r);
void rec_printf(struct recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rec_escaped(struct recorder *r, const uint8_t *p, size_t n);
/* The recording so far, NUL-terminated (flushes coalesced data). */
const char *rec_text(struct recorder *r);
/* Does the text contain this line (without its newline)? */
bool rec_has_line(struct recorder *r, const char *line);

extern const struct smtp_events rec_smtp_events;
extern const struct tls_events rec_tls_events;
extern const struct reasm_sink rec_reasm_sink;

#endif
