/* The session's private state, shared by session.c (feeding, finishing),
 * session_phase.c (the one state machine) and the event handlers in
 * session_smtp.c and session_tls.c. */
#ifndef SMTPTLS_SESSION_INTERNAL_H
#define SMTPTLS_SESSION_INTERNAL_H

#include "session.h"
#include "smtp.h"
#include "tls.h"

/* What one side's bytes go to. */
enum side_proto {
    PROTO_UNDECIDED, /* no byte seen yet, or too few to tell */
    PROTO_SMTP,
    PROTO_TLS,
    PROTO_DONE, /* nothing more is wanted */
};

/* The session's phase, named after what it expects next. session_step()
 * in session_phase.c is the only code that changes it; the mode and the
 * failure of the record are read off it at the end. */
enum session_phase {
    PHASE_OPENING,       /* no side has shown what it speaks */
    PHASE_DIALOGUE,      /* SMTP in clear */
    PHASE_STARTTLS_SENT, /* STARTTLS awaits its reply */
    PHASE_TLS_EXPECTED,  /* a 2xx to STARTTLS: the handshake comes next */
    PHASE_HANDSHAKE,     /* TLS under way, not yet encrypted both ways */
    PHASE_ESTABLISHED,   /* encrypted both ways: the outcome is decided */
    PHASE_FAILED,        /* the TLS attempt failed; failure says why */
    PHASE_COUNT
};

/* How the session came to TLS. */
enum session_entry {
    ENTRY_NONE,
    ENTRY_STARTTLS, /* a STARTTLS in clear */
    ENTRY_IMPLICIT, /* the client opened the connection with TLS */
    ENTRY_JOINED,   /* the capture joined a connection already in TLS */
};

/* What moves the phase: SMTP and TLS events as the handlers see them. */
enum session_event_kind {
    EV_SIDE_SMTP,        /* a side's first bytes are SMTP */
    EV_SIDE_TLS,         /* a side's first bytes are TLS */
    EV_STARTTLS,         /* the client sent STARTTLS in clear */
    EV_STARTTLS_REPLY,   /* the server's reply to it (code, text) */
    EV_CLEAR_AFTER_2XX,  /* after a 2xx to STARTTLS, the dialogue went on in clear */
    EV_TLS_BEGINS,       /* a side went from SMTP to TLS after STARTTLS */
    EV_SERVER_HELLO,     /* a ServerHello (not a HelloRetryRequest) */
    EV_ENCRYPTED_RECORD, /* an encrypted record from a side */
    EV_FATAL_ALERT,      /* a fatal alert in clear */
    EV_END,              /* the connection ended: conclude */
};

struct session_event {
    enum session_event_kind kind;
    int side;
    unsigned code; /* EV_STARTTLS_REPLY */
    const uint8_t *text;
    size_t textlen;
};

struct session {
    struct session_record rec;
    struct smtp smtp;
    struct tls tls;
    struct smtp *inner; /* the dialogue inside a NULL-encryption session */
    struct x509_cache *certs;
    struct fingerprint *fp;
    uint8_t proto[2];    /* enum side_proto */
    uint8_t sniff[2][5]; /* first bytes of a side, while too few to decide */
    uint8_t sniff_len[2];
    bool midstream[2]; /* the side's first bytes were not its first */
    bool implicit_port;
    bool no_domains;
    bool smtp_specific; /* a command only SMTP has (not FTP's QUIT or NOOP) */
    bool ehlo_reply_seen, offered;
    bool client_hello;

    /* The state machine (session_phase.c). */
    uint8_t phase;        /* enum session_phase */
    uint8_t entry;        /* enum session_entry */
    uint8_t failure;      /* enum session_failure of PHASE_FAILED */
    uint8_t last_refusal; /* enum session_failure of an earlier attempt, or NONE */
    bool tls_first[2];    /* the side's first bytes were TLS */
    bool server_hello;
    bool alert_seen; /* a fatal alert in clear, before the handshake went through */
    bool reply_seen; /* the STARTTLS that led to TLS was answered */
    uint32_t enc_records[2];
    bool server_enc_after_client;
};

extern const struct smtp_events session_smtp_events;
extern const struct tls_events session_tls_events;

/* The one transition function: moves the phase for an event. */
void session_step(struct session *s, const struct session_event *e);
static inline void session_step_simple(struct session *s, enum session_event_kind k, int side)
{
    struct session_event e = {.kind = k, .side = side};
    session_step(s, &e);
}
/* At the end: the last step, then the record's mode and failure read off the phase. */
void session_conclude(struct session *s);
bool session_is_established(const struct session *s);
const char *session_phase_name(enum session_phase p);

void session_count_anomaly(struct session *s, enum anomaly a);
/* Copy n bytes of wire text into dst (cap bytes with the NUL). */
void session_copy_text(char *dst, size_t cap, const uint8_t *p, size_t n);

#endif
