/* Security findings per session, from the facts of its record and, for a
 * few, from what the capture showed before it: a server that advertised
 * STARTTLS earlier (stripping), a failed handshake between the same client
 * and server (fallback to cleartext). Each judged session is also counted in
 * its server's row (servers.h). */
#ifndef SMTPTLS_FINDINGS_H
#define SMTPTLS_FINDINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "class.h"
#include "direction.h"
#include "grade.h"
#include "hash.h"
#include "servers.h"
#include "session.h"

#define FINDING_LIST(X)                                                                            \
    X(ENVELOPE_CLEARTEXT, "envelope-cleartext")                                                    \
    X(AUTH_CLEARTEXT, "auth-cleartext")                                                            \
    X(STARTTLS_STRIPPED, "starttls-stripped")                                                      \
    X(STARTTLS_INJECTION, "starttls-injection")                                                    \
    X(TLS_FALLBACK_CLEARTEXT, "tls-fallback-cleartext")                                            \
    X(CLEARTEXT_ON_IMPLICIT_TLS_PORT, "cleartext-on-implicit-tls-port")                            \
    X(STARTTLS_REFUSED, "starttls-refused")                                                        \
    X(TLS_HANDSHAKE_FAILED, "tls-handshake-failed")                                                \
    X(OBSOLETE_VERSION, "obsolete-version")                                                        \
    X(WEAK_CIPHER, "weak-cipher")                                                                  \
    X(NO_FORWARD_SECRECY, "no-forward-secrecy")                                                    \
    X(CERT_SELF_SIGNED, "cert-self-signed")                                                        \
    X(CERT_EXPIRED, "cert-expired")

enum finding {
#define FINDING_ENUM(id, name) FINDING_##id,
    FINDING_LIST(FINDING_ENUM)
#undef FINDING_ENUM
        FINDING_COUNT
};

/* What the report says about one session beyond its record. */
struct verdict {
    uint32_t findings;        /* bit (1 << enum finding) */
    bool envelope_offered;    /* envelope in clear though the server offered STARTTLS */
    bool stripped_by_history; /* stripping told by the server's other sessions */
    bool injection_client, injection_server;
    uint64_t fallback_after_us; /* start of the failed session it fell back from */
    enum grade grade;           /* of the negotiated cipher; unknown when none */
    struct cipher_props props;
    uint8_t direction;     /* enum direction: DIRECTION_NONE without --home-net */
    uint8_t session_class; /* enum session_class: what the session carried */
};

struct findings;

/* home: the networks of --home-net, for the direction (NULL: none); it is
 * read, not copied, and must outlive the findings. */
struct findings *findings_new(const struct hash_key *key, const struct home_net *home);
void findings_free(struct findings *f);
/* The verdict on one finished session (its findings, direction and class);
 * it is also learnt from for the sessions after it and counted in its
 * server's row. */
void findings_judge(struct findings *f, const struct session_record *r, struct verdict *v);
/* Sessions to servers that advertised STARTTLS only later in the capture: a
 * stripping the records (written before) could not name. */
uint64_t findings_stripped_late(const struct findings *f);
const char *finding_name(enum finding x);

#endif
