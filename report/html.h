/* The HTML report: one self-contained HTML5 page (inline CSS and SVG, no
 * script, font, image or anything fetched), readable on a laptop and on a
 * phone, printable, its colours told apart without colour vision (the
 * Okabe-Ito palette, with a pattern and a text label on every bar). It says
 * what the JSON summary says, from the same aggregate: every number the
 * summary has is in an element whose data-k attribute is its key path there
 * ("sessions.total", "ciphers.0.count", "directions.inbound.encrypted"), so
 * that a test can hold the two side by side. */
#ifndef SMTPTLS_HTML_H
#define SMTPTLS_HTML_H

#include <stdio.h>

#include "aggregate.h"
#include "findings.h"
#include "htmlb.h"

/* The page, built in b (give it the cap LIMIT_HTML_REPORT). 0, or -1 when b
 * failed (over its cap or out of memory) or a table could not be sorted. */
int html_report(struct htmlb *b, const struct aggregate *a, const struct aggregate_capture *cap,
                const struct findings *fi);

/* The same, written to f with one fwrite through a builder of its own. -1
 * when the page could not be built (out of memory); a failed write is left in
 * f's error flag, for the caller's ferror or fclose. */
int html_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi);

#endif
