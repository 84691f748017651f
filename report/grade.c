#include "grade.h"

#include <string.h>

#include "cipher_table.h"

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is(const char *s, const char *v)
{
    return s && strcmp(s, v) == 0;
}

const char *grade_name(enum grade g)
{
    static const char *const names[GRADE_COUNT] = {"unknown", "recommended", "secure", "weak",
                                                   "insecure"};
    return (unsigned)g < GRADE_COUNT ? names[g] : "unknown";
}

/* OpenSSL's key exchange names: "ECDH" and "DH" are the ephemeral kinds
 * (ECDHE, DHE); "ECDH/RSA", "DH/DSS"... are static; "any" is TLS 1.3. */
static bool ephemeral(const char *kx)
{
    return is(kx, "ECDH") || is(kx, "DH") || starts(kx, "DH(") || is(kx, "DHEPSK") ||
           is(kx, "ECDHEPSK") || is(kx, "any") || is(kx, "CECPQ1");
}

void grade_cipher(uint16_t id, struct cipher_props *p)
{
    memset(p, 0, sizeof *p);
    const struct cipher_info *c = cipher_lookup(id);
    if (!c)
        return;
    p->known = true;
    p->forward_secrecy = ephemeral(c->kx);
    p->anonymous = is(c->au, "None") || is(c->kx, "None");
    p->null_cipher = is(c->enc, "None");
    p->export_grade = c->is_export;
    p->rc4 = starts(c->enc, "RC4");
    p->des = starts(c->enc, "DES(");
    p->triple_des = starts(c->enc, "3DES");
    p->md5 = is(c->mac, "MD5");
    p->aead = is(c->mac, "AEAD");
    p->weak_cipher = p->null_cipher || p->export_grade || p->anonymous || p->rc4 || p->des ||
                     p->triple_des || p->md5;

    bool broken = p->null_cipher || p->anonymous || p->export_grade || p->rc4 || p->des ||
                  starts(c->enc, "RC2") || p->md5;
    bool aes_or_chacha = starts(c->enc, "AESGCM") || starts(c->enc, "ChaCha20") ||
                         (starts(c->enc, "AESCCM") && !starts(c->enc, "AESCCM8"));
    bool ecdhe_or_13 = is(c->kx, "ECDH") || is(c->kx, "any");
    if (broken)
        p->grade = GRADE_INSECURE;
    else if (!p->forward_secrecy || !p->aead)
        p->grade = GRADE_WEAK; /* no forward secrecy, or CBC/SHA-1 (3DES, IDEA among them) */
    else if (ecdhe_or_13 && aes_or_chacha)
        p->grade = GRADE_RECOMMENDED;
    else
        p->grade = GRADE_SECURE; /* DHE, PSK, CCM_8, ARIA/Camellia GCM */
}

void grade_sslv2(uint32_t kind, struct cipher_props *p)
{
    memset(p, 0, sizeof *p);
    const struct sslv2_cipher_info *c = cipher_lookup_sslv2(kind);
    p->known = c != NULL;
    p->rc4 = c && starts(c->enc, "RC4");
    p->des = c && starts(c->enc, "DES(");
    p->triple_des = c && starts(c->enc, "3DES");
    p->md5 = true; /* every SSLv2 kind uses MD5 */
    p->export_grade = c && c->is_export;
    p->weak_cipher = true;
    p->grade = GRADE_INSECURE;
}
