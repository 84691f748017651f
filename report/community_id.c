#include "community_id.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct community_id {
    EVP_MD *sha1;
    EVP_MD_CTX *ctx;
};

struct community_id *community_id_new(void)
{
    struct community_id *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    c->ctx = EVP_MD_CTX_new();
    if (!c->sha1 || !c->ctx) {
        community_id_free(c);
        return NULL;
    }
    return c;
}

void community_id_free(struct community_id *c)
{
    if (!c)
        return;
    EVP_MD_free(c->sha1);
    EVP_MD_CTX_free(c->ctx);
    free(c);
}

/* Does endpoint a (address, port) come after endpoint b? */
static bool after(const uint8_t *a, uint16_t aport, const uint8_t *b, uint16_t bport, size_t alen)
{
    int c = memcmp(a, b, alen);
    return c > 0 || (c == 0 && aport > bport);
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static bool sha1(struct community_id *c, const uint8_t *in, size_t n, uint8_t out[20])
{
    unsigned len = 0;
    if (!c)
        return EVP_Digest(in, n, out, &len, EVP_sha1(), NULL) == 1 && len == 20;
    return EVP_DigestInit_ex(c->ctx, c->sha1, NULL) == 1 && EVP_DigestUpdate(c->ctx, in, n) == 1 &&
           EVP_DigestFinal_ex(c->ctx, out, &len) == 1 && len == 20;
}

size_t community_id_v1(struct community_id *c, uint16_t seed, uint8_t family, const uint8_t *saddr,
                       const uint8_t *daddr, uint8_t proto, uint16_t sport, uint16_t dport,
                       char out[COMMUNITY_ID_LEN])
{
    size_t alen = family == 6 ? 16 : 4;
    if (after(saddr, sport, daddr, dport, alen)) {
        const uint8_t *a = saddr;
        uint16_t p = sport;
        saddr = daddr, sport = dport;
        daddr = a, dport = p;
    }
    uint8_t in[2 + 16 + 16 + 2 + 2 + 2], *p = in, digest[20];
    p = put16(p, seed);
    memcpy(p, saddr, alen);
    p += alen;
    memcpy(p, daddr, alen);
    p += alen;
    *p++ = proto;
    *p++ = 0;
    p = put16(p, sport);
    p = put16(p, dport);
    out[0] = '\0';
    if (!sha1(c, in, (size_t)(p - in), digest))
        return 0;
    out[0] = '1';
    out[1] = ':';
    int n = EVP_EncodeBlock((unsigned char *)out + 2, digest, sizeof digest); /* 28 and a NUL */
    if (n != 28) {
        out[0] = '\0';
        return 0;
    }
    return 30;
}
