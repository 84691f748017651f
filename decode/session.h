/* One SMTP session: the application layer of one TCP connection. It takes the
 * reassembled bytes of each side, runs them through the SMTP decoder and,
 * from STARTTLS on or from byte 0, the TLS decoder, and fills a fixed-size
 * session record from their events. At the end it decides the single mode
 * the session lands in. */
#ifndef SMTPTLS_SESSION_H
#define SMTPTLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "caps.h"
#include "side.h"

enum session_mode {
    SESSION_UNKNOWN,
    SESSION_PLAINTEXT,
    SESSION_STARTTLS,
    SESSION_IMPLICIT_TLS,
    SESSION_STARTTLS_FAILED,
    SESSION_IMPLICIT_TLS_FAILED,
    SESSION_MODE_COUNT
};

/* Verbs that leak: the envelope and AUTH, in the order records list them. */
enum session_leak {
    SESSION_LEAK_MAIL,
    SESSION_LEAK_RCPT,
    SESSION_LEAK_DATA,
    SESSION_LEAK_BDAT,
    SESSION_LEAK_AUTH,
    SESSION_LEAK_COUNT
};

/* A negotiated cipher as one number (session_record.cipher_key): the two-byte
 * TLS suite, or SESSION_CIPHER_SSLV2 | the three-byte SSLv2 cipher kind;
 * SESSION_NO_CIPHER when no ServerHello said. */
#define SESSION_CIPHER_SSLV2 0x1000000u
#define SESSION_NO_CIPHER UINT32_MAX

static inline bool session_leak_is_envelope(enum session_leak l)
{
    return l == SESSION_LEAK_MAIL || l == SESSION_LEAK_RCPT || l == SESSION_LEAK_DATA ||
           l == SESSION_LEAK_BDAT;
}

enum session_tristate { SESSION_NULL = -1, SESSION_FALSE = 0, SESSION_TRUE = 1 };

/* How the flow ended, as the flow table said. */
enum session_end {
    SESSION_END_CLOSED,
    SESSION_END_IDLE,
    SESSION_END_EVICTED,
    SESSION_END_CAPTURE_END,
};

/* Everything the report needs about one session; plain values and copied,
 * capped strings, no pointers. */
struct session_record {
    uint64_t start_us, end_us;
    /* Set by the pipeline, not written out: when the flow was due to close on
     * the capture clock (see pipeline_closed_until), which orders the records
     * of several pipelines as one would have emitted them. */
    uint64_t order_us;
    uint8_t family;
    uint8_t client[16], server[16];
    uint16_t client_port, server_port;
    uint8_t mode;              /* enum session_mode */
    int8_t starttls_offered;   /* enum session_tristate */
    uint16_t starttls_reply;   /* to the STARTTLS that decided the session; 0 when none was seen */
    uint8_t starttls_attempts; /* STARTTLS commands sent in clear */
    uint8_t nstarttls_replies;
    uint16_t starttls_replies[LIMIT_STARTTLS_ATTEMPTS]; /* every reply to them, in order */
    uint16_t greeting_code;                             /* 0 when none was seen */
    bool has_helo;
    bool syn_seen;
    uint8_t end; /* enum session_end */
    char helo[LIMIT_SMTP_HOSTNAME + 1];
    uint16_t tls_version; /* negotiated; 0 unknown */
    uint32_t cipher_key;  /* the negotiated cipher: see SESSION_CIPHER_SSLV2 */
    bool hrr;
    uint8_t alert_level, alert_desc; /* the first plaintext alert; level 0 none */
    uint8_t nverbs;
    uint8_t verbs[LIMIT_SMTP_VERBS]; /* distinct cleartext verbs (enum smtp_verb), in order */
    uint8_t nleaked;
    uint8_t leaked[SESSION_LEAK_COUNT]; /* enum session_leak, in order of first appearance */
    uint32_t commands;                  /* cleartext command lines */
    uint32_t unknown_commands;          /* lines that were not commands */
    uint32_t gaps;
    uint64_t gap_bytes;
    uint32_t overlap_conflicts;    /* late copies whose bytes differed */
    uint64_t packets[2], bytes[2]; /* per side: [SIDE_CLIENT], [SIDE_SERVER] */
    uint32_t anomalies[ANOMALY_COUNT];
    /* nDPI's view of the flow; "" when not asked. */
    char ndpi_protocol[LIMIT_NDPI_PROTOCOL];
    char ndpi_risks[LIMIT_NDPI_RISKS];

    /* SMTP, beyond the mode. */
    char greeting_host[LIMIT_SMTP_WORD]; /* first word of the greeting text */
    char ehlo_host[LIMIT_SMTP_WORD];     /* first word of the first 250 reply to HELO/EHLO */
    uint8_t ncaps;
    char caps[LIMIT_SMTP_CAPS][LIMIT_SMTP_CAP_NAME]; /* EHLO reply keywords, in order, upper case */
    char auth_offered[LIMIT_SMTP_WORD];              /* mechanisms on the EHLO AUTH line */
    char auth_mechanism[LIMIT_SMTP_AUTH_MECH];       /* what the client's first AUTH asked for */
    char starttls_reply_text[LIMIT_SMTP_REPLY_TEXT + 1];
    bool strip_marks;      /* an EHLO keyword that looks like a mangled STARTTLS */
    bool client_injection; /* client bytes pipelined behind STARTTLS */
    bool server_injection; /* server bytes after its 2xx to STARTTLS, before TLS */
    uint32_t messages;     /* messages the server accepted */
    /* Envelope domains sent in clear (never local parts); "" none. */
    bool domains_kept;                       /* false with --no-domains */
    char mail_from_domain[LIMIT_DOMAIN + 1]; /* of the first MAIL with a domain */
    uint8_t nrcpt_domains;
    uint8_t rcpt_domains_dropped;               /* distinct ones that did not fit */
    char rcpt_domains[LIMIT_RCPT_DOMAIN_BYTES]; /* distinct, NUL after each, in order */
    uint32_t rcpt_accepted, rcpt_rejected;

    /* TLS, as far as the wire shows. */
    uint8_t failure; /* enum session_failure */
    char sni[LIMIT_TLS_SNI + 1];
    uint16_t client_version; /* ClientHello legacy version */
    uint8_t noffered_versions;
    uint16_t offered_versions[LIMIT_TLS_VERSIONS_KEPT]; /* supported_versions, GREASE removed */
    uint16_t noffered_suites;                           /* all offered, GREASE removed */
    uint16_t offered_suites[LIMIT_TLS_SUITES_KEPT];     /* the first ones */
    uint8_t ngroups;
    uint16_t groups[LIMIT_TLS_GROUPS_KEPT];
    char alpn[LIMIT_TLS_ALPN]; /* offered protocols, comma separated */
    char ja3[33], ja3s[33];    /* MD5 hex, "" when not computed */
    uint16_t kx_group;         /* TLS 1.3 key_share or TLS 1.2 ECDHE curve */
    uint16_t dh_bits;          /* TLS 1.2 DHE prime size */
    bool has_cert;
    bool cert_self_signed;
    uint8_t cert_chain;
    uint16_t cert_key_bits;
    char cert_key_type[LIMIT_X509_KEY_TYPE];
    int64_t cert_not_before, cert_not_after; /* Unix seconds */
    char cert_subject[LIMIT_X509_NAME], cert_issuer[LIMIT_X509_NAME];
};

/* Why STARTTLS or a handshake did not go through. */
enum session_failure {
    SESSION_FAIL_NONE,
    SESSION_FAIL_REFUSED,   /* STARTTLS got a non-2xx reply */
    SESSION_FAIL_ALERT,     /* a fatal alert in clear */
    SESSION_FAIL_PLAINTEXT, /* after a 2xx (or a ClientHello) the peer spoke plaintext */
    SESSION_FAIL_NO_TLS,    /* a 2xx, then no TLS byte before the end */
    SESSION_FAIL_NO_SERVER_HELLO,
    SESSION_FAIL_INCOMPLETE,   /* hellos, but no encrypted records both ways */
    SESSION_FAIL_CLIENT_ABORT, /* the client's one encrypted record ended it (TLS 1.3) */
    SESSION_FAIL_COUNT
};
const char *session_failure_name(enum session_failure f);

struct tls_budget;
struct x509_cache;
struct fingerprint;

struct session_start {
    uint64_t start_us;
    uint8_t family;
    const uint8_t *client, *server; /* 16 bytes each */
    uint16_t client_port, server_port;
    bool syn_seen;
    bool implicit_port;            /* the server port is an implicit-TLS port (465) */
    struct tls_budget *tls_budget; /* shared cap on handshake buffers, or NULL */
    struct x509_cache *certs;      /* shared certificate cache, or NULL */
    struct fingerprint *fp;        /* shared MD5 for JA3, or NULL */
    bool no_domains;               /* keep no envelope domains (--no-domains) */
};

struct session;

struct session *session_new(const struct session_start *st);
/* Bytes of one side, in order. *stop is set when that side needs no more bytes. */
void session_data(struct session *s, int side, const uint8_t *p, size_t n, bool *stop);
/* n bytes of one side were not captured. */
void session_gap(struct session *s, int side, uint64_t n);
/* Has the client spoken SMTP (a command only SMTP has)? Flows off the SMTP
 * ports count as sessions only then. */
bool session_recognised(const struct session *s);
/* An anomaly met below the session (in reassembly), counted in its record. */
void session_anomaly(struct session *s, enum anomaly a);

/* What the owner of the flow knows at its end: everything of the record that
 * the session did not see itself. */
struct session_end_facts {
    uint64_t end_us;
    enum session_end end;
    uint64_t packets[2], bytes[2]; /* per side: [SIDE_CLIENT], [SIDE_SERVER] */
    uint32_t overlap_conflicts;    /* late copies whose bytes differed */
    const char *ndpi_protocol;     /* NULL: nDPI was not asked */
    const char *ndpi_risks;
};

/* Finish: decide the mode, fill *out (its one writer), free the session. */
void session_finish(struct session *s, const struct session_end_facts *f,
                    struct session_record *out);

const char *session_mode_name(enum session_mode m);
const char *session_leak_name(enum session_leak l);
/* Name of a verb kept in session_record.verbs. */
const char *session_verb_name(uint8_t verb);

#endif
