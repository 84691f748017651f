#define _DEFAULT_SOURCE /* timegm */
#include "x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

static void name_text(const X509_NAME *name, char *buf, size_t len)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static const char *key_name(int id)
{
    switch (id) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_DSA:
        return "DSA";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    default:
        return "other";
    }
}

int x509_summarize(const uint8_t *der, size_t len, struct x509_summary *out)
{
    memset(out, 0, sizeof *out);
    if (!der || len == 0 || len > 1u << 24)
        return -1;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return -1;
    name_text(X509_get_subject_name(x), out->subject, sizeof out->subject);
    name_text(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
    out->not_before = asn1_time(X509_get0_notBefore(x));
    out->not_after = asn1_time(X509_get0_notAfter(x));
    EVP_PKEY *key = X509_get0_pubkey(x);
    if (key) {
        snprintf(out->key_type, sizeof out->key_type, "%s", key_name(EVP_PKEY_base_id(key)));
        int bits = EVP_PKEY_bits(key);
        out->key_bits = (uint16_t)(bits > 0 && bits < 65536 ? bits : 0);
    }
    out->self_signed = X509_check_issued(x, x) == X509_V_OK && key && X509_verify(x, key) == 1;
    X509_free(x);
    return 0;
}

struct x509_slot {
    uint8_t *der;
    size_t len;
    int rc;
    struct x509_summary sum;
};

struct x509_cache {
    struct hash_key key;
    struct x509_slot slots[LIMIT_X509_CACHE_SLOTS];
};

struct x509_cache *x509_cache_new(const struct hash_key *key)
{
    struct x509_cache *c = calloc(1, sizeof *c);
    if (c)
        c->key = *key;
    return c;
}

void x509_cache_free(struct x509_cache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < LIMIT_X509_CACHE_SLOTS; i++)
        free(c->slots[i].der);
    free(c);
}

int x509_summarize_cached(struct x509_cache *c, const uint8_t *der, size_t len,
                          struct x509_summary *out)
{
    if (!c || !der || len == 0 || len > LIMIT_X509_CACHE_DER)
        return x509_summarize(der, len, out);
    /* Keyed, so that nobody can pick certificates that keep evicting each
     * other; a collision costs a parse, never a wrong summary. */
    struct x509_slot *s = &c->slots[hash_bytes(&c->key, der, len) % LIMIT_X509_CACHE_SLOTS];
    if (s->der && s->len == len && memcmp(s->der, der, len) == 0) {
        *out = s->sum;
        return s->rc;
    }
    int rc = x509_summarize(der, len, out);
    uint8_t *copy = malloc(len);
    if (copy) {
        memcpy(copy, der, len);
        free(s->der);
        s->der = copy;
        s->len = len;
        s->rc = rc;
        s->sum = *out;
    }
    return rc;
}

const char *x509_openssl_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}
