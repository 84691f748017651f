#include "fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

bool fingerprint_is_grease(uint16_t v)
{
    return (v & 0x0F0Fu) == 0x0A0Au && (v >> 8) == (v & 0xFFu);
}

struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap)
        return; /* sized up front; cannot happen */
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* The 16-bit values of a list, '-' joined, GREASE removed. */
static void list16(struct text *t, struct cur c)
{
    uint16_t v;
    bool first = true;
    char num[8];
    while (cur_u16(&c, &v)) {
        if (fingerprint_is_grease(v))
            continue;
        snprintf(num, sizeof num, "%s%u", first ? "" : "-", v);
        put(t, num);
        first = false;
    }
}

static void ext_types(struct text *t, struct cur all)
{
    uint16_t type;
    struct cur body;
    bool first = true;
    char num[8];
    while (!cur_empty(&all) && cur_u16(&all, &type) && cur_vec16(&all, &body)) {
        if (fingerprint_is_grease(type))
            continue;
        snprintf(num, sizeof num, "%s%u", first ? "" : "-", type);
        put(t, num);
        first = false;
    }
}

static void md5_hex(const struct text *t, char hex[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = '\0';
    if (EVP_Digest(t->p, t->len, md, &n, EVP_md5(), NULL) != 1 || n != 16)
        return;
    for (unsigned i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static bool text_new(struct text *t, size_t values)
{
    t->cap = values * 7u + 64u;
    t->len = 0;
    t->p = malloc(t->cap);
    if (t->p)
        t->p[0] = '\0';
    return t->p != NULL;
}

void fingerprint_ja3(const struct tls_client_hello *ch, char hex[33])
{
    hex[0] = '\0';
    if (ch->sslv2_format)
        return;
    struct text t;
    size_t values = cur_left(&ch->suites) / 2u + cur_left(&ch->extensions) / 4u +
                    cur_left(&ch->groups) / 2u + cur_left(&ch->point_formats);
    if (!text_new(&t, values))
        return;
    char num[16];
    snprintf(num, sizeof num, "%u,", ch->legacy_version);
    put(&t, num);
    list16(&t, ch->suites);
    put(&t, ",");
    ext_types(&t, ch->extensions);
    put(&t, ",");
    list16(&t, ch->groups);
    put(&t, ",");
    struct cur pf = ch->point_formats;
    uint8_t f;
    for (bool first = true; cur_u8(&pf, &f); first = false) {
        snprintf(num, sizeof num, "%s%u", first ? "" : "-", f);
        put(&t, num);
    }
    md5_hex(&t, hex);
    free(t.p);
}

void fingerprint_ja3s(const struct tls_server_hello *sh, char hex[33])
{
    hex[0] = '\0';
    if (sh->sslv2)
        return;
    struct text t;
    if (!text_new(&t, cur_left(&sh->extensions) / 4u + 2u))
        return;
    char num[24];
    snprintf(num, sizeof num, "%u,%u,", sh->legacy_version, sh->cipher);
    put(&t, num);
    ext_types(&t, sh->extensions);
    md5_hex(&t, hex);
    free(t.p);
}
