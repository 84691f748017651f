#include "failon.h"

#include <inttypes.h>
#include <string.h>

#include "aggregate.h"
#include "findings.h"

/* The bits of one code, 0 when it is none. */
static uint32_t code_bits(const char *s, size_t n)
{
    if (n == 4 && memcmp(s, "leak", 4) == 0)
        return 1u << FINDING_ENVELOPE_CLEARTEXT | 1u << FINDING_AUTH_CLEARTEXT;
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        const char *name = finding_name((enum finding)i);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return 1u << i;
    }
    return 0;
}

int failon_parse(const char *text, uint32_t *mask, char *err, size_t errlen)
{
    uint32_t bits = 0;
    for (const char *p = text;;) {
        size_t n = strcspn(p, ",");
        uint32_t b = code_bits(p, n);
        if (!b) {
            snprintf(err, errlen,
                     "--fail-on: not a finding code: '%.*s' (see README \"Findings\"; leak is "
                     "envelope-cleartext,auth-cleartext)",
                     (int)(n > 64 ? 64 : n), p);
            return -1;
        }
        bits |= b;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *mask |= bits;
    return 0;
}

bool failon_check(uint32_t mask, const struct aggregate *a, const struct findings *fi, FILE *f)
{
    bool any = false;
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        uint64_t n =
            a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? findings_stripped_late(fi) : 0);
        if (!n)
            continue;
        any = true;
        fprintf(f, "smtptls: --fail-on: %s in %" PRIu64 " session%s\n",
                finding_name((enum finding)i), n, n == 1 ? "" : "s");
    }
    return any;
}
