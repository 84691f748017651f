/* The human report, in the spirit of `sort | uniq -c`, every line at most
 * width columns (textout.h). */
#ifndef SMTPTLS_TEXT_H
#define SMTPTLS_TEXT_H

#include <stdio.h>

#include "aggregate.h"
#include "findings.h"

/* width: columns, LIMIT_TEXT_WIDTH unless a terminal says otherwise (0 is
 * read as LIMIT_TEXT_WIDTH). 0, or -1 when out of memory (the report is then
 * cut short). */
int text_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi, unsigned width);

/* The parts of the report (text.c, text_tables.c, text_findings.c). */
/* Timeline, servers, clients, domains. */
int text_write_tables(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      unsigned width);
/* Findings with examples, recommendations. */
int text_write_findings(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                        const struct findings *fi, unsigned width);

#endif
