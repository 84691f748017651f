/* Cipher suite grades and properties, derived from the cipher table's key
 * exchange, authentication, encryption and MAC columns.
 *
 * The four grades are ciphersuite.info's (recommended, secure, weak,
 * insecure); the rules placing a suite are written out in grade.c and the
 * README, with RFC 9325 (BCP 195) section 4.2 as the source of what is
 * recommended for TLS 1.2. */
#ifndef SMTPTLS_GRADE_H
#define SMTPTLS_GRADE_H

#include <stdbool.h>
#include <stdint.h>

enum grade {
    GRADE_UNKNOWN,
    GRADE_RECOMMENDED,
    GRADE_SECURE,
    GRADE_WEAK,
    GRADE_INSECURE,
    GRADE_COUNT
};

struct cipher_props {
    bool known;
    bool forward_secrecy; /* ephemeral (EC)DH, or TLS 1.3 */
    bool anonymous;       /* no authentication */
    bool null_cipher;
    bool export_grade;
    bool rc4, des, triple_des, md5;
    bool aead;
    bool weak_cipher; /* the weak-cipher finding: NULL, EXPORT, anon, RC4, DES, 3DES, MD5 */
    enum grade grade;
};

void grade_cipher(uint16_t id, struct cipher_props *out);
/* SSLv2 kinds are all insecure. */
void grade_sslv2(uint32_t kind, struct cipher_props *out);
const char *grade_name(enum grade g);

#endif
