/* --fail-on: smtptls as a check in cron or CI. The codes are finding codes
 * (findings.h), and "leak" for envelope-cleartext and auth-cleartext; after
 * the report, a run in which any session has one of them ends with exit
 * status 6, and standard error gets one line per such code with its count
 * of sessions. */
#ifndef SMTPTLS_FAILON_H
#define SMTPTLS_FAILON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct aggregate;
struct findings;

/* Add the codes of text, "CODE[,CODE...]", to *mask (bits 1 << enum
 * finding). 0, or -1 with one line in err (without "smtptls: ") and *mask
 * unchanged. */
int failon_parse(const char *text, uint32_t *mask, char *err, size_t errlen);
/* Sessions with each code of mask (as the summary counts them); for each
 * code with any, "smtptls: --fail-on: CODE in N sessions" on f. True when
 * there was one. */
bool failon_check(uint32_t mask, const struct aggregate *a, const struct findings *fi, FILE *f);

#endif
