/* SMTP dialogue decoder for one connection, both directions. It frames lines,
 * matches replies to commands first-in first-out (RFC 2920 pipelining), skips
 * DATA bodies, BDAT chunks and SASL exchanges, and emits events. After a 2xx
 * reply to STARTTLS it hands each direction to TLS at the first line that
 * starts like a TLS record; text sent instead stays SMTP (and is reported).
 * The decoder never keeps an argument; events carry views valid for one call. */
#ifndef SMTPTLS_SMTP_H
#define SMTPTLS_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "line.h"
#include "side.h"
#include "caps.h"

/* The command vocabulary; smtp.c holds the table of names and traits. */
enum smtp_verb {
    SMTP_VERB_NONE,  /* no command: the greeting, or an unmatched reply */
    SMTP_VERB_OTHER, /* a line that is not a known command */
    SMTP_VERB_HELO,
    SMTP_VERB_EHLO,
    SMTP_VERB_LHLO,
    SMTP_VERB_MAIL,
    SMTP_VERB_RCPT,
    SMTP_VERB_DATA,
    SMTP_VERB_BDAT,
    SMTP_VERB_RSET,
    SMTP_VERB_VRFY,
    SMTP_VERB_EXPN,
    SMTP_VERB_HELP,
    SMTP_VERB_NOOP,
    SMTP_VERB_QUIT,
    SMTP_VERB_AUTH,
    SMTP_VERB_STARTTLS,
    SMTP_VERB_ETRN,
    SMTP_VERB_ATRN,
    SMTP_VERB_TURN,
    SMTP_VERB_SEND,
    SMTP_VERB_SOML,
    SMTP_VERB_SAML,
    SMTP_VERB_XCLIENT,
    SMTP_VERB_XFORWARD,
    SMTP_VERB_EOM,       /* pseudo-command: the end of a DATA body awaits its reply */
    SMTP_VERB_BDAT_LAST, /* pseudo-command: a BDAT ... LAST awaits its reply */
    SMTP_VERB_COUNT
};

const char *smtp_verb_name(enum smtp_verb v);

struct smtp_events {
    /* A client command line. arg is the text after the verb and one space. */
    void (*command)(void *ctx, enum smtp_verb v, const uint8_t *arg, size_t arglen);
    /* A server reply line; to is the command it answers (NONE for the
     * greeting), index counts lines within the reply, last marks the final line. */
    void (*reply)(void *ctx, enum smtp_verb to, unsigned code, unsigned index, bool last,
                  const uint8_t *text, size_t textlen);
    void (*anomaly)(void *ctx, enum anomaly a);
    /* After STARTTLS: could a line starting with byte b be TLS? The owner
     * asks the TLS decoder; SMTP knows nothing of TLS. */
    bool (*tls_may_start)(uint8_t b);
};

enum smtp_client_state {
    SMTP_C_COMMAND,
    SMTP_C_DATA_SENT, /* DATA sent, reply pending: further bytes are the body */
    SMTP_C_BODY,
    SMTP_C_BDAT,
    SMTP_C_SASL,
    SMTP_C_STARTTLS_SENT, /* anything before the reply is injection */
    SMTP_C_TLS_EXPECTED,  /* 2xx seen: a TLS record should come next */
    SMTP_C_RESYNC,        /* after a gap: a line start if it looks like one, else the next */
};

enum smtp_server_state {
    SMTP_S_REPLY,
    SMTP_S_TLS_EXPECTED,
    SMTP_S_RESYNC,
};

struct smtp {
    struct line_buf line[2];
    uint8_t pending[LIMIT_SMTP_PENDING_CMDS]; /* verbs awaiting a reply */
    uint16_t pending_head, pending_count;
    uint8_t cstate, sstate;
    uint8_t body_match; /* progress through "\r\n.\r\n" across chunks */
    bool greeting_seen;
    bool bdat_last;
    bool body_gap;       /* the DATA body lost bytes: its end may be among them */
    uint16_t reply_code; /* of the multi-line reply in progress, 0 if none */
    uint16_t reply_lines;
    bool reply_cut; /* a gap fell inside that reply */
    uint64_t bdat_left;
};

void smtp_init(struct smtp *s, bool at_start);
void smtp_free(struct smtp *s);

/* Feed bytes of one direction. Returns how many were SMTP; when fewer than n,
 * the rest starts a TLS record and *to_tls is set: that direction is TLS. */
size_t smtp_feed(struct smtp *s, int side, const uint8_t *p, size_t n, const struct smtp_events *ev,
                 void *ctx, bool *to_tls);
/* n bytes of this direction were not captured. A line cut short by the gap
 * (a snapshot length, say) still counts: its verb or code is reported. */
void smtp_gap(struct smtp *s, int side, uint64_t n, const struct smtp_events *ev, void *ctx);

/* After a 2xx to STARTTLS: the next bytes of this direction should be TLS. */
bool smtp_expects_tls(const struct smtp *s, int side);

#endif
