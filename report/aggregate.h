/* Counters and histograms over finished session records. */
#ifndef SMTPTLS_AGGREGATE_H
#define SMTPTLS_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "class.h"
#include "counters.h"
#include "direction.h"
#include "domains.h"
#include "findings.h"
#include "peers.h"
#include "session.h"
#include "timeline.h"

struct aggregate_count {
    uint32_t key; /* a cipher key (below) or a TLS version */
    uint64_t count;
};

struct aggregate {
    uint64_t total;
    uint64_t first_us, last_us; /* earliest start, latest end */
    uint64_t modes[SESSION_MODE_COUNT];
    uint64_t starttls_offered;
    uint64_t encrypted;
    uint64_t leak_envelope, leak_auth;
    uint64_t cipher_unknown, version_unknown; /* encrypted sessions without a ServerHello */
    uint32_t *cipher_counts;                  /* 65536 two-byte suites */
    uint32_t cipher_lo, cipher_hi; /* the suites counted lie in [lo, hi]; none when lo > hi */
    struct aggregate_count sslv2[LIMIT_REPORT_SSLV2];
    size_t nsslv2;
    struct aggregate_count versions[LIMIT_REPORT_VERSIONS];
    size_t nversions;
    uint64_t findings[FINDING_COUNT];
    uint64_t envelope_offered; /* envelope in clear though STARTTLS was offered */
    uint64_t grades[GRADE_COUNT];
    struct aggregate_example {
        uint64_t start_us;
        uint8_t family;
        uint8_t client[16], server[16];
        uint16_t client_port, server_port;
    } examples[FINDING_COUNT][LIMIT_REPORT_EXAMPLES];
    uint8_t nexamples[FINDING_COUNT];
    uint64_t classes[CLASS_COUNT]; /* what the sessions carried: probes apart */
    uint64_t messages_clear;       /* messages delivered in clear (inside TLS: not countable) */
    /* With --home-net, the same counts for each direction (in the whole
     * capture's aggregate; NULL otherwise, and [DIRECTION_NONE] always). */
    struct aggregate *dirs[DIRECTION_COUNT];
    /* The tables, in the whole capture's aggregate only (NULL otherwise):
     * servers by name and port, clients by name (of the servers inside
     * --home-net, or of every session without it), the envelope domains
     * sent in clear, sessions per time bin. */
    struct peers *servers, *clients;
    struct domains *domains;
    struct timeline timeline;
};

/* What the whole capture's aggregate is made with. */
struct aggregate_config {
    struct hash_key key; /* of its tables (hash.h): never changes what is reported */
    bool directions;     /* count per direction too (--home-net given) */
    uint64_t bin_s;      /* --bin in seconds, or 0: chosen from the span */
};

/* cfg NULL: no directions, the bin chosen from the span. 0, or -1 when out
 * of memory (then aggregate_free). */
int aggregate_init(struct aggregate *a, const struct aggregate_config *cfg);
void aggregate_free(struct aggregate *a);
void aggregate_add(struct aggregate *a, const struct session_record *r, const struct verdict *v);
/* Sessions that carried something: every class but probes. */
uint64_t aggregate_carrying(const struct aggregate *a);

/* A sorted view for output: ciphers by count (desc) then name. */
struct aggregate_cipher {
    uint32_t key;     /* session_record.cipher_key */
    char name[80];    /* display name (OpenSSL, else IANA, else the id); "" unknown */
    const char *iana; /* static; NULL if none */
    char id[10];      /* "0xC030", "0x010080" */
    uint64_t count;
};
/* Fills *out (malloc'd, caller frees; NULL when none) and *n. 0, or -1 when
 * out of memory (*out NULL, *n 0): not the same as no ciphers. */
int aggregate_ciphers(const struct aggregate *a, struct aggregate_cipher **out, size_t *n);

struct aggregate_version {
    char name[24];
    uint16_t version; /* the number on the wire (tls_names.h) */
    uint64_t count;
};
size_t aggregate_versions(const struct aggregate *a, struct aggregate_version *out, size_t cap);

/* What a fold (--from-sessions) read: the one list from which the struct,
 * the summary's "records" object, the text report's Records lines and the
 * HTML page's rows are generated, in this order.
 *   X(field, JSON key, label, show)
 * show: RECORDS_ALWAYS, RECORDS_NONZERO (a text line only when not zero), or
 * RECORDS_SUM (the sum of the kinds after it: the text gives the kinds). */
enum records_show { RECORDS_ALWAYS, RECORDS_NONZERO, RECORDS_SUM };
#define RECORDS_COUNTER_LIST(X)                                                                    \
    X(files, "files", "record files read", RECORDS_ALWAYS)                                         \
    X(lines, "lines", "lines read", RECORDS_ALWAYS)                                                \
    X(records, "taken", "records taken", RECORDS_ALWAYS)                                           \
    X(filtered, "filtered", "records left out by the filters", RECORDS_NONZERO)                    \
    X(bad, "bad", "lines that were no record (skipped)", RECORDS_SUM)                              \
    X(not_json, "not_json", "lines not JSON or cut short (skipped)", RECORDS_NONZERO)              \
    X(not_record, "not_record", "lines not a record (skipped)", RECORDS_NONZERO)                   \
    X(too_long, "too_long", "lines too long (skipped)", RECORDS_NONZERO)                           \
    X(unknown_keys, "unknown_keys", "records with keys this version does not know",                \
      RECORDS_NONZERO)

struct aggregate_records {
#define RECORDS_FIELD(field, key, label, show) uint64_t field;
    RECORDS_COUNTER_LIST(RECORDS_FIELD)
#undef RECORDS_FIELD
};

/* What the capture as a whole showed, for the summary: the counters of
 * decode/counters.h as the pipeline and the capture left them. */
struct aggregate_capture {
    struct pipeline_stats decode;
    struct capture_stats capture;
    bool damaged; /* the capture ended in damage */
    /* Where the report comes from (all may be NULL or 0: not said). */
    const char *version;       /* smtptls's */
    const char *sensor;        /* --sensor, or the host name */
    const char *const *inputs; /* the -r files as given, or the interface */
    size_t ninputs;
    const struct home_net *home; /* --home-net */
    bool no_domains;             /* --no-domains: no domain table */
    /* A fold (--from-sessions): what it read; NULL for a capture. Records
     * carry no capture counters, so decode and capture above are zero and
     * the reports say "not known" for them. */
    const struct aggregate_records *records;
};

/* Display data of a cipher key (session_record.cipher_key): name, IANA name
 * (or NULL), id text; all empty for SESSION_NO_CIPHER. */
void aggregate_cipher_of_key(uint32_t key, struct aggregate_cipher *out);

#endif
