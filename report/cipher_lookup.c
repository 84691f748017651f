/*
 * cipher_lookup.c - lookups over the generated cipher tables (cipher_table.c).
 */
#include "cipher_table.h"

#include <stdio.h>
#include <stdlib.h>

static int cipher_cmp_tls(const void *key, const void *elem)
{
    uint16_t k = *(const uint16_t *)key;
    uint16_t e = ((const struct cipher_info *)elem)->id;
    return (k > e) - (k < e);
}

static int cipher_cmp_sslv2(const void *key, const void *elem)
{
    uint32_t k = *(const uint32_t *)key;
    uint32_t e = ((const struct sslv2_cipher_info *)elem)->id;
    return (k > e) - (k < e);
}

const struct cipher_info *cipher_lookup(uint16_t id)
{
    return bsearch(&id, cipher_table, cipher_table_len, sizeof cipher_table[0], cipher_cmp_tls);
}

const struct sslv2_cipher_info *cipher_lookup_sslv2(uint32_t id)
{
    return bsearch(&id, cipher_sslv2_table, cipher_sslv2_table_len, sizeof cipher_sslv2_table[0],
                   cipher_cmp_sslv2);
}

const char *cipher_display_name(uint16_t id, char buf[static 7])
{
    const struct cipher_info *ci = cipher_lookup(id);
    if (ci != NULL && ci->openssl != NULL)
        return ci->openssl;
    if (ci != NULL && ci->iana != NULL)
        return ci->iana;
    snprintf(buf, 7, "0x%04X", (unsigned)id);
    return buf;
}
