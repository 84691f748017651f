/* What a session carried, as far as the wire shows: a mail transaction or
 * AUTH in clear, TLS (whatever went inside it), or nothing at all. The last
 * are probes: connect-and-close, a banner read, HELO or EHLO then QUIT or
 * RSET, which monitoring checks and load balancers make every minute. They
 * are counted apart, so that the share of encrypted sessions is over the
 * sessions that carried something. A class is not a mode: the six modes
 * still add up to the total. */
#ifndef SMTPTLS_CLASS_H
#define SMTPTLS_CLASS_H

#include <stdbool.h>

struct session_record;

enum session_class {
    CLASS_MAIL,  /* MAIL, RCPT, DATA or BDAT went in clear */
    CLASS_AUTH,  /* AUTH went in clear, and no envelope */
    CLASS_TLS,   /* nothing leaked; the client began TLS (STARTTLS, or TLS from its first byte) */
    CLASS_PROBE, /* none of these */
    CLASS_COUNT
};

enum session_class class_of(const struct session_record *r);
const char *class_name(enum session_class c);

#endif
