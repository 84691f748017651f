/* The parts of the HTML report (html.c, html_charts.c, html_tables.c) and
 * the helpers they share. */
#ifndef SMTPTLS_HTML_INTERNAL_H
#define SMTPTLS_HTML_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "grade.h"
#include "html.h"
#include "htmlb.h"
#include "session.h"

/* A number with its summary key: <td class="n" data-k="KEY">V</td>; key
 * NULL: no hook. The key is ours (never wire text). */
void html_td_u64(struct htmlb *b, const char *key, uint64_t v);
/* The percentage part / whole as the summary writes it ("53.0"), with "%"
 * after it; "-" without a hook when whole is 0 (the summary's null). */
void html_td_pct(struct htmlb *b, const char *key, uint64_t part, uint64_t whole);
/* Escaped text with its summary key, in a td. */
void html_td_text(struct htmlb *b, const char *key, const char *text);
/* <section id=ID><h2>TITLE</h2>: title is ours. */
void html_section(struct htmlb *b, const char *id, const char *title);
/* A horizontal bar, width w px for v out of max, in the fill of a grade or a
 * mode (html_fill_*), with title (escaped) for hover. */
void html_bar(struct htmlb *b, uint64_t v, uint64_t max, const char *fill, const char *title);
/* A swatch of a fill with its label, for legends. */
void html_swatch(struct htmlb *b, const char *fill, const char *label);

/* Fills: a colour of the Okabe-Ito palette, or a pattern over one (defined
 * once per page by html.c). */
const char *html_fill_grade(enum grade g);
const char *html_fill_mode(enum session_mode m);
/* The summary's name of a mode: "plaintext", "starttls_failed". */
const char *html_mode_key(enum session_mode m);
/* In words: "STARTTLS", "implicit TLS failed". */
const char *html_mode_label(enum session_mode m);

/* Sections. */
int html_tls(struct htmlb *b, const struct aggregate *a);
void html_timeline(struct htmlb *b, const struct aggregate *a);
int html_servers(struct htmlb *b, const struct aggregate *a);
int html_clients(struct htmlb *b, const struct aggregate *a);
int html_domains(struct htmlb *b, const struct aggregate *a, const struct aggregate_capture *cap);
void html_findings(struct htmlb *b, const struct aggregate *a, const struct findings *fi);
int html_recommendations(struct htmlb *b, const struct aggregate *a);

#endif
