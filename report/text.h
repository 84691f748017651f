/* The human report, in the spirit of `sort | uniq -c`. */
#ifndef SMTPTLS_TEXT_H
#define SMTPTLS_TEXT_H

#include <stdio.h>

#include "aggregate.h"
#include "findings.h"

/* 0, or -1 when out of memory (the report is then cut short). */
int text_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi);
/* Servers, findings with examples, recommendations (part of the report). */
int text_write_findings(FILE *f, const struct aggregate *a, const struct findings *fi);

#endif
