/* classify.h without nDPI (-Dndpi=disabled): nothing is ever detected. */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

struct classify {
    int unused;
};

struct classify *classify_new(bool all_protocols)
{
    (void)all_protocols;
    return NULL;
}

void classify_free(struct classify *c)
{
    free(c);
}

struct classify_flow *classify_flow_new(struct classify *c)
{
    (void)c;
    return NULL;
}

void classify_flow_free(struct classify_flow *f)
{
    (void)f;
}

bool classify_packet(struct classify *c, struct classify_flow *f, const uint8_t *l3, size_t len,
                     uint64_t ts_ms)
{
    (void)c, (void)f, (void)l3, (void)len, (void)ts_ms;
    return false;
}

void classify_result(struct classify *c, struct classify_flow *f, struct classify_result *out)
{
    (void)c, (void)f;
    memset(out, 0, sizeof *out);
}

const char *classify_ndpi_version(void)
{
    return NULL;
}
