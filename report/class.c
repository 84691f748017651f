#include "class.h"

#include "session.h"

enum session_class class_of(const struct session_record *r)
{
    bool envelope = false, auth = false;
    for (unsigned i = 0; i < r->nleaked; i++) {
        envelope |= session_leak_is_envelope(r->leaked[i]);
        auth |= r->leaked[i] == SESSION_LEAK_AUTH;
    }
    if (envelope)
        return CLASS_MAIL;
    if (auth)
        return CLASS_AUTH;
    if (r->mode != SESSION_PLAINTEXT && r->mode != SESSION_UNKNOWN)
        return CLASS_TLS; /* the four TLS modes: TLS from the client or STARTTLS */
    return r->starttls_attempts ? CLASS_TLS : CLASS_PROBE;
}

const char *class_name(enum session_class c)
{
    static const char *const names[CLASS_COUNT] = {"mail", "auth", "tls", "probe"};
    return (unsigned)c < CLASS_COUNT ? names[c] : "probe";
}
