#include "fingerprint.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct fingerprint {
    EVP_MD *md5;
    EVP_MD_CTX *ctx;
};

struct fingerprint *fingerprint_new(void)
{
    struct fingerprint *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    f->ctx = EVP_MD_CTX_new();
    if (!f->md5 || !f->ctx) {
        fingerprint_free(f);
        return NULL;
    }
    return f;
}

void fingerprint_free(struct fingerprint *f)
{
    if (!f)
        return;
    EVP_MD_free(f->md5);
    EVP_MD_CTX_free(f->ctx);
    free(f);
}

bool fingerprint_is_grease(uint16_t v)
{
    return (v & 0x0F0Fu) == 0x0A0Au && (v >> 8) == (v & 0xFFu);
}

/* The JA3 text, written by hand: it is built for every hello. */
struct text {
    char *p;
    size_t len, cap;
    bool first; /* no separator before the next number */
};

static void put_char(struct text *t, char c)
{
    if (t->len + 1 < t->cap)
        t->p[t->len++] = c;
}

static void put_num(struct text *t, unsigned v)
{
    char digits[10];
    int n = 0;
    if (!t->first)
        put_char(t, '-');
    t->first = false;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && n < 10);
    while (n > 0)
        put_char(t, digits[--n]);
}

static void field_end(struct text *t)
{
    put_char(t, ',');
    t->first = true;
}

/* The 16-bit values of a list, '-' joined, GREASE removed. */
static void list16(struct text *t, struct cur c)
{
    uint16_t v;
    while (cur_u16(&c, &v))
        if (!fingerprint_is_grease(v))
            put_num(t, v);
}

static void ext_types(struct text *t, struct cur all)
{
    uint16_t type;
    struct cur body;
    while (!cur_empty(&all) && cur_u16(&all, &type) && cur_vec16(&all, &body))
        if (!fingerprint_is_grease(type))
            put_num(t, type);
}

static void md5_hex(struct fingerprint *f, const struct text *t, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok;
    hex[0] = '\0';
    if (f)
        ok = EVP_DigestInit_ex(f->ctx, f->md5, NULL) == 1 &&
             EVP_DigestUpdate(f->ctx, t->p, t->len) == 1 && EVP_DigestFinal_ex(f->ctx, md, &n) == 1;
    else
        ok = EVP_Digest(t->p, t->len, md, &n, EVP_md5(), NULL) == 1;
    if (!ok || n != 16)
        return;
    for (unsigned i = 0; i < 16; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15u];
    }
    hex[32] = '\0';
}

static bool text_new(struct text *t, char *stack, size_t stack_len, size_t values)
{
    t->cap = values * 7u + 64u;
    t->len = 0;
    t->first = true;
    t->p = t->cap <= stack_len ? stack : malloc(t->cap);
    if (t->p == stack)
        t->cap = stack_len;
    return t->p != NULL;
}

static void text_free(struct text *t, const char *stack)
{
    if (t->p != stack)
        free(t->p);
}

void fingerprint_ja3(struct fingerprint *f, const struct tls_client_hello *ch, char hex[33])
{
    hex[0] = '\0';
    if (ch->sslv2_format)
        return;
    char stack[2048];
    struct text t;
    size_t values = cur_left(&ch->suites) / 2u + cur_left(&ch->extensions) / 4u +
                    cur_left(&ch->groups) / 2u + cur_left(&ch->point_formats);
    if (!text_new(&t, stack, sizeof stack, values))
        return;
    put_num(&t, ch->legacy_version);
    field_end(&t);
    list16(&t, ch->suites);
    field_end(&t);
    ext_types(&t, ch->extensions);
    field_end(&t);
    list16(&t, ch->groups);
    field_end(&t);
    struct cur pf = ch->point_formats;
    uint8_t v;
    while (cur_u8(&pf, &v))
        put_num(&t, v);
    md5_hex(f, &t, hex);
    text_free(&t, stack);
}

void fingerprint_ja3s(struct fingerprint *f, const struct tls_server_hello *sh, char hex[33])
{
    hex[0] = '\0';
    if (sh->sslv2)
        return;
    char stack[1024];
    struct text t;
    if (!text_new(&t, stack, sizeof stack, cur_left(&sh->extensions) / 4u + 2u))
        return;
    put_num(&t, sh->legacy_version);
    field_end(&t);
    put_num(&t, sh->cipher);
    field_end(&t);
    ext_types(&t, sh->extensions);
    md5_hex(f, &t, hex);
    text_free(&t, stack);
}
