/* The session's state machine: one transition function over (phase, event),
 * after Zeek's SMTP analyzer and picotls's handshake states. The mode and
 * the failure of the record are read off the phase when the connection
 * ends; nothing else decides them.
 *
 *   phase          event                 next phase     and
 *   OPENING        SIDE_SMTP             DIALOGUE
 *   OPENING        SIDE_TLS (client)     HANDSHAKE      entry IMPLICIT (start seen) or JOINED
 *   DIALOGUE       SIDE_TLS (client)     HANDSHAKE      idem: a TLS client, a server greeting first
 *   DIALOGUE       STARTTLS              STARTTLS_SENT  one more attempt
 *   FAILED         STARTTLS              STARTTLS_SENT  one more attempt, in clear again
 *   STARTTLS_SENT  STARTTLS_REPLY 2xx    TLS_EXPECTED   reply kept
 *   STARTTLS_SENT  STARTTLS_REPLY other  DIALOGUE       reply kept; the attempt was refused
 *   STARTTLS_SENT  TLS_BEGINS            HANDSHAKE      entry STARTTLS, reply not seen
 *   TLS_EXPECTED   TLS_BEGINS            HANDSHAKE      entry STARTTLS
 *   TLS_EXPECTED   CLEAR_AFTER_2XX       DIALOGUE       the attempt failed: plaintext
 *   HANDSHAKE      ENCRYPTED_RECORD      ESTABLISHED    once records went both ways (below)
 *   HANDSHAKE      FATAL_ALERT           FAILED         fatal-alert
 *   (records and alerts met before HANDSHAKE count when it begins)
 *   HANDSHAKE      CLEAR_AFTER_2XX       FAILED         plaintext-instead-of-tls
 *   TLS_EXPECTED   END                   FAILED         no-tls-after-starttls
 *   HANDSHAKE      END                   FAILED         plaintext, no-server-hello,
 *                                                       client-aborted or handshake-incomplete
 *   ESTABLISHED    any                   ESTABLISHED    (a STARTTLS inside TLS changes nothing)
 *
 * Any other pair leaves the phase as it is. At the end:
 *   ESTABLISHED: starttls, or implicit-tls (entry IMPLICIT; JOINED on the
 *     implicit-TLS port);
 *   FAILED: starttls-failed or implicit-tls-failed likewise; unknown when the
 *     reply to STARTTLS was not seen, or a joined capture shows no TLS from
 *     the server;
 *   DIALOGUE or STARTTLS_SENT after a refused or failed attempt:
 *     starttls-failed, failure of that attempt; otherwise plaintext when the
 *     client sent a command, else unknown; OPENING: unknown. */
#include <string.h>

#include "session_internal.h"

static const char *const phase_names[PHASE_COUNT] = {
    [PHASE_OPENING] = "opening",
    [PHASE_DIALOGUE] = "dialogue",
    [PHASE_STARTTLS_SENT] = "starttls-sent",
    [PHASE_TLS_EXPECTED] = "tls-expected",
    [PHASE_HANDSHAKE] = "handshake",
    [PHASE_ESTABLISHED] = "established",
    [PHASE_FAILED] = "failed",
};

const char *session_phase_name(enum session_phase p)
{
    return (unsigned)p < PHASE_COUNT ? phase_names[p] : "?";
}

/* The handshake went through: encrypted records both ways, and the client's
 * first encrypted record was not its last with nothing from the server after
 * it (a TLS 1.3 client rejecting the certificate sends one encrypted alert). */
static bool went_through(const struct session *s)
{
    return s->enc_records[SIDE_CLIENT] > 0 && s->enc_records[SIDE_SERVER] > 0 &&
           (s->enc_records[SIDE_CLIENT] > 1 || s->server_enc_after_client);
}

bool session_is_established(const struct session *s)
{
    return s->phase == PHASE_ESTABLISHED;
}

/* Why a handshake under way at the end did not go through. */
static enum session_failure unfinished(const struct session *s)
{
    if (s->entry != ENTRY_STARTTLS && s->proto[SIDE_SERVER] == PROTO_SMTP)
        return SESSION_FAIL_PLAINTEXT; /* TLS answered with a greeting */
    if (!s->server_hello)
        return SESSION_FAIL_NO_SERVER_HELLO;
    if (s->enc_records[SIDE_CLIENT] == 1 && !s->server_enc_after_client)
        return SESSION_FAIL_CLIENT_ABORT;
    return SESSION_FAIL_INCOMPLETE;
}

static void enter(struct session *s, enum session_phase p)
{
    s->phase = (uint8_t)p;
}

static void fail(struct session *s, enum session_failure why)
{
    s->phase = PHASE_FAILED;
    s->failure = (uint8_t)why;
}

/* A handshake under way takes in what its records already showed: a side
 * may have spoken TLS before the phase came to it (a server first in a
 * joined capture). */
static void settle(struct session *s)
{
    if (s->alert_seen)
        fail(s, SESSION_FAIL_ALERT);
    else if (went_through(s))
        enter(s, PHASE_ESTABLISHED);
}

static void begin_tls(struct session *s, enum session_entry how)
{
    s->entry = (uint8_t)how;
    enter(s, PHASE_HANDSHAKE);
    settle(s);
}

static void starttls_reply(struct session *s, const struct session_event *e)
{
    struct session_record *r = &s->rec;
    bool ok = e->code >= 200 && e->code < 300;
    r->starttls_reply = (uint16_t)e->code;
    session_copy_text(r->starttls_reply_text, sizeof r->starttls_reply_text, e->text, e->textlen);
    if (r->nstarttls_replies < LIMIT_STARTTLS_ATTEMPTS)
        r->starttls_replies[r->nstarttls_replies++] = (uint16_t)e->code;
    s->reply_seen = true;
    if (ok) {
        enter(s, PHASE_TLS_EXPECTED);
    } else {
        s->last_refusal = SESSION_FAIL_REFUSED;
        enter(s, PHASE_DIALOGUE);
    }
}

void session_step(struct session *s, const struct session_event *e)
{
    enum session_phase p = (enum session_phase)s->phase;
    switch (e->kind) {
    case EV_SIDE_SMTP:
        if (p == PHASE_OPENING)
            enter(s, PHASE_DIALOGUE);
        break;
    case EV_SIDE_TLS:
        s->tls_first[e->side] = true;
        if (e->side == SIDE_CLIENT && (p == PHASE_OPENING || p == PHASE_DIALOGUE))
            begin_tls(s, s->rec.syn_seen ? ENTRY_IMPLICIT : ENTRY_JOINED);
        break;
    case EV_STARTTLS:
        if (p == PHASE_DIALOGUE || p == PHASE_FAILED) {
            if (p == PHASE_FAILED)
                s->last_refusal = s->failure;
            if (s->rec.starttls_attempts < UINT8_MAX)
                s->rec.starttls_attempts++;
            s->reply_seen = false;
            enter(s, PHASE_STARTTLS_SENT);
        }
        break;
    case EV_STARTTLS_REPLY:
        if (p == PHASE_STARTTLS_SENT)
            starttls_reply(s, e);
        break;
    case EV_CLEAR_AFTER_2XX:
        if (p == PHASE_TLS_EXPECTED) {
            s->last_refusal = SESSION_FAIL_PLAINTEXT;
            enter(s, PHASE_DIALOGUE);
        } else if (p == PHASE_HANDSHAKE) {
            fail(s, SESSION_FAIL_PLAINTEXT);
        }
        break;
    case EV_TLS_BEGINS:
        if (p == PHASE_STARTTLS_SENT || p == PHASE_TLS_EXPECTED)
            begin_tls(s, ENTRY_STARTTLS);
        break;
    case EV_SERVER_HELLO:
        s->server_hello = true;
        break;
    case EV_ENCRYPTED_RECORD:
        if (p == PHASE_ESTABLISHED || p == PHASE_FAILED)
            break;
        s->enc_records[e->side]++;
        if (e->side == SIDE_SERVER && s->enc_records[SIDE_CLIENT] > 0)
            s->server_enc_after_client = true;
        if (p == PHASE_HANDSHAKE)
            settle(s);
        break;
    case EV_FATAL_ALERT:
        if (p == PHASE_ESTABLISHED || p == PHASE_FAILED)
            break;
        s->alert_seen = true;
        if (p == PHASE_HANDSHAKE)
            settle(s);
        break;
    case EV_END:
        if (p == PHASE_TLS_EXPECTED)
            fail(s, SESSION_FAIL_NO_TLS);
        else if (p == PHASE_HANDSHAKE)
            fail(s, unfinished(s));
        break;
    }
}

void session_conclude(struct session *s)
{
    struct session_record *r = &s->rec;
    session_step_simple(s, EV_END, SIDE_CLIENT);
    enum session_failure why = SESSION_FAIL_NONE;
    enum session_mode m = SESSION_UNKNOWN;
    bool implicit = s->entry == ENTRY_IMPLICIT || (s->entry == ENTRY_JOINED && s->implicit_port);
    switch ((enum session_phase)s->phase) {
    case PHASE_ESTABLISHED:
        m = implicit ? SESSION_IMPLICIT_TLS : SESSION_STARTTLS;
        break;
    case PHASE_FAILED:
        why = (enum session_failure)s->failure;
        if (s->entry == ENTRY_STARTTLS && !s->reply_seen)
            break; /* neither the reply nor a handshake that went through: one-sided */
        if (s->entry == ENTRY_JOINED && !s->server_hello && !s->tls_first[SIDE_SERVER])
            break; /* joined mid-stream, and the server showed no TLS */
        m = implicit ? SESSION_IMPLICIT_TLS_FAILED : SESSION_STARTTLS_FAILED;
        break;
    case PHASE_DIALOGUE:
    case PHASE_STARTTLS_SENT:
        if (s->last_refusal != SESSION_FAIL_NONE) {
            why = (enum session_failure)s->last_refusal;
            m = SESSION_STARTTLS_FAILED;
        } else if (s->phase == PHASE_DIALOGUE && r->commands > 0) {
            m = SESSION_PLAINTEXT;
        }
        break;
    default:
        break;
    }
    r->mode = (uint8_t)m;
    r->failure = (uint8_t)(m == SESSION_STARTTLS_FAILED || m == SESSION_IMPLICIT_TLS_FAILED
                               ? why
                               : SESSION_FAIL_NONE);
}
