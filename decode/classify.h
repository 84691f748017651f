/* Flow classification by nDPI: the only module that includes nDPI. It gets
 * the first packets of a flow (IP header on) until nDPI decides, and exposes
 * the detected protocol and nDPI's risk flags as plain values. Built without
 * nDPI (-Dndpi=disabled) it always answers "unknown". */
#ifndef SMTPTLS_CLASSIFY_H
#define SMTPTLS_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

struct classify;
struct classify_flow;

struct classify_result {
    bool detected;
    bool smtp;                          /* nDPI says SMTP or SMTPS */
    char protocol[LIMIT_NDPI_PROTOCOL]; /* "SMTP", "SMTPS", "TLS", "Unknown"... */
    uint64_t risk;                      /* nDPI risk bitmap */
    char risks[LIMIT_NDPI_RISKS];       /* risk names joined by "; " (may be cut) */
};

/* NULL when nDPI is not available or fails to start. all_protocols: every
 * dissector (any port); otherwise the mail set (the SMTP ports). */
struct classify *classify_new(bool all_protocols);
void classify_free(struct classify *c);
struct classify_flow *classify_flow_new(struct classify *c);
void classify_flow_free(struct classify_flow *f);
/* One packet from its IP header; false once nDPI wants no more. */
bool classify_packet(struct classify *c, struct classify_flow *f, const uint8_t *l3, size_t len,
                     uint64_t ts_ms);
/* The verdict so far (nDPI gives up and guesses when asked before deciding). */
void classify_result(struct classify *c, struct classify_flow *f, struct classify_result *out);
/* nDPI's version (for --version); NULL when built without it. */
const char *classify_ndpi_version(void);

#endif
