/* The session's private state, shared by session.c (feeding, the mode) and
 * the event handlers in session_smtp.c and session_tls.c. */
#ifndef SMTPTLS_SESSION_INTERNAL_H
#define SMTPTLS_SESSION_INTERNAL_H

#include "session.h"
#include "smtp.h"
#include "tls.h"

enum side_proto {
    PROTO_UNDECIDED, /* no byte seen yet */
    PROTO_SMTP,
    PROTO_TLS,
    PROTO_DONE, /* nothing more is wanted */
};

struct session {
    struct session_record rec;
    struct smtp smtp;
    struct tls tls;
    struct smtp *inner; /* the dialogue inside a NULL-encryption session */
    struct x509_cache *certs;
    struct fingerprint *fp;
    uint8_t side[2];
    uint8_t sniff[2][4]; /* first bytes of a side, while too few to decide */
    uint8_t sniff_len[2];
    bool tls_from_start[2]; /* the side began with TLS */
    bool midstream[2];      /* the side's first bytes were not its first */
    bool went_tls[2];       /* the side reached TLS (from the start or after STARTTLS) */
    bool implicit_port;
    bool smtp_seen;     /* a known command or a well-formed reply */
    bool smtp_specific; /* a command only SMTP has (not FTP's QUIT or NOOP) */
    bool client_bytes, server_bytes;
    bool starttls_sent;
    bool starttls_accepted;
    bool ehlo_reply_seen, offered;
    bool fatal_alert;
    bool server_hello;
    bool client_hello;
    uint32_t enc_records[2];
    bool server_enc_after_client;
};

extern const struct smtp_events session_smtp_events;
extern const struct tls_events session_tls_events;

void session_count_anomaly(struct session *s, enum anomaly a);
/* Copy n bytes of wire text into dst (cap bytes with the NUL). */
void session_copy_text(char *dst, size_t cap, const uint8_t *p, size_t n);
/* The handshake went through: encrypted records both ways, no fatal alert in
 * clear, and the client's first encrypted record was not its last with
 * nothing from the server after it. */
bool session_established(const struct session *s);

#endif
