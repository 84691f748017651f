/* Records read back with jansson, key by key in the order json_session.c
 * writes them. Names go back to numbers through the same tables that named
 * them (session.h, tls_names.h, anomaly.h, findings.h, grade.h, class.h,
 * direction.h); the two registries that name only some of their numbers
 * (TLS groups, alerts) are turned round once, in record_reader_new.
 *
 * Strings: jsonb writes valid UTF-8 as it is and a byte that is not UTF-8 as
 * \u00XX, its Latin-1 code point. Decoded, both give the same character, so
 * before jansson sees the line every such escape of 0x80 to 0xFF gets a
 * \u0000 in front of it (mark_escapes: a scan for backslashes, which in JSON
 * stand only in strings and always start an escape), and a NUL followed by
 * U+0080..U+00FF in a decoded string is that one byte again. No string of a
 * record holds a NUL of its own, so any other NUL is refused. */
#include "record_read.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "anomaly.h"
#include "class.h"
#include "direction.h"
#include "format.h"
#include "grade.h"
#include "smtp.h"
#include "tls_names.h"

#define MAX_NAMED 128

struct named {
    const char *name;
    uint16_t value;
};

struct record_reader {
    struct named groups[MAX_NAMED], alerts[MAX_NAMED];
    size_t ngroups, nalerts;
    uint8_t alert_unknown; /* a description tls_alert_name calls "unknown" */
    char *buf;             /* the line with its escapes marked */
    size_t size;
};

struct record_reader *record_reader_new(void)
{
    struct record_reader *rr = calloc(1, sizeof *rr);
    if (!rr)
        return NULL;
    char buf[24];
    for (uint32_t g = 0; g <= UINT16_MAX; g++) {
        const char *name = tls_group_name((uint16_t)g, buf, sizeof buf);
        if (name != buf && rr->ngroups < MAX_NAMED)
            rr->groups[rr->ngroups++] = (struct named){name, (uint16_t)g};
    }
    rr->alert_unknown = UINT8_MAX;
    for (unsigned d = 0; d <= UINT8_MAX; d++) {
        const char *name = tls_alert_name((uint8_t)d);
        if (strcmp(name, "unknown") == 0)
            rr->alert_unknown = (uint8_t)d;
        else if (rr->nalerts < MAX_NAMED)
            rr->alerts[rr->nalerts++] = (struct named){name, (uint16_t)d};
    }
    return rr;
}

void record_reader_free(struct record_reader *rr)
{
    if (!rr)
        return;
    free(rr->buf);
    free(rr);
}

const char *record_status_name(enum record_status s)
{
    static const char *const names[RECORD_STATUS_COUNT] = {
        "ok", "not JSON", "not an object", "missing key", "bad value", "out of memory",
    };
    return (unsigned)s < RECORD_STATUS_COUNT ? names[s] : "bad value";
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_value(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Is p[0..6) an escape of a byte 0x80..0xFF, "\u0080" to "\u00ff"? */
static bool high_escape(const char *p, size_t left)
{
    return left >= 6 && p[1] == 'u' && p[2] == '0' && p[3] == '0' && is_hex(p[4]) &&
           hex_value(p[4]) >= 8 && is_hex(p[5]);
}

/* The line with "\u0000" before each escape of 0x80..0xFF (see the top of
 * the file); the line itself when it has none. NULL when out of memory. */
static const char *mark_escapes(struct record_reader *rr, const char *line, size_t len,
                                size_t *outlen)
{
    size_t marks = 0;
    for (const char *p = memchr(line, '\\', len); p;) {
        size_t left = len - (size_t)(p - line);
        marks += high_escape(p, left);
        if (left <= 2)
            break;
        p = memchr(p + 2, '\\', left - 2);
    }
    *outlen = len;
    if (!marks)
        return line;
    size_t need = len + 6 * marks;
    if (need > rr->size) {
        char *b = realloc(rr->buf, need);
        if (!b)
            return NULL;
        rr->buf = b;
        rr->size = need;
    }
    char *o = rr->buf;
    for (size_t i = 0; i < len;) {
        const char *p = memchr(line + i, '\\', len - i);
        size_t run = p ? (size_t)(p - line) - i : len - i;
        memcpy(o, line + i, run);
        o += run;
        i += run;
        if (!p)
            break;
        size_t left = len - i;
        if (high_escape(line + i, left)) {
            memcpy(o, "\\u0000", 6);
            o += 6;
        }
        size_t esc = left < 2 ? left : 2;
        memcpy(o, line + i, esc);
        o += esc;
        i += esc;
    }
    *outlen = (size_t)(o - rr->buf);
    return rr->buf;
}

/* The reading of one record: where it stands and its first error. */
struct rd {
    struct record_reader *rr;
    struct record_read *out;
    enum record_status st;
    char *why;
    size_t whylen;
};

static bool fail(struct rd *d, enum record_status st, const char *fmt, ...)
{
    if (d->st != RECORD_OK)
        return false;
    d->st = st;
    va_list ap;
    va_start(ap, fmt);
    if (d->whylen)
        vsnprintf(d->why, d->whylen, fmt, ap);
    va_end(ap);
    return false;
}

static bool bad(struct rd *d, const char *key, const char *what)
{
    return fail(d, RECORD_BAD_VALUE, "\"%s\": %s", key, what);
}

/* The members of one object that are read, to tell the others apart. */
struct obj {
    json_t *o;
    const char *prefix; /* "" or "certificate." */
    size_t found;
};

/* The value of key, or NULL when it is missing (a failure when required). */
static json_t *get(struct rd *d, struct obj *o, const char *key, bool required)
{
    json_t *v = json_object_get(o->o, key);
    if (v)
        o->found++;
    else if (required)
        fail(d, RECORD_MISSING, "missing key \"%s%s\"", o->prefix, key);
    return v;
}

/* Keys of an object beyond the known ones: counted, the first one named. */
static void note_unknown(struct rd *d, const struct obj *o, const char *const *known, size_t nknown)
{
    if (json_object_size(o->o) <= o->found)
        return;
    const char *key;
    json_t *v;
    json_object_foreach(o->o, key, v)
    {
        size_t i = 0;
        while (i < nknown && strcmp(key, known[i]) != 0)
            i++;
        if (i < nknown)
            continue;
        if (!d->out->unknown_keys++)
            snprintf(d->out->unknown_key, sizeof d->out->unknown_key, "%s%s", o->prefix, key);
    }
}

#define NOTE_UNKNOWN(d, o, list) note_unknown(d, o, list, sizeof list / sizeof list[0])

/* The bytes a decoded string stands for (see the top of the file), into
 * dst of cap bytes with a NUL; false when it holds a NUL of its own or does
 * not fit. */
static bool unmark(const char *s, size_t n, char *dst, size_t cap, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0) {
            unsigned char c1 = i + 2 < n ? (unsigned char)s[i + 1] : 0;
            if (c1 != 0xC2 && c1 != 0xC3)
                return false;
            c = (unsigned char)((c1 & 0x1Fu) << 6 | ((unsigned char)s[i + 2] & 0x3Fu));
            i += 3;
        } else {
            i++;
        }
        if (o + 1 >= cap)
            return false;
        dst[o++] = (char)c;
    }
    if (cap)
        dst[o] = '\0';
    *len = o;
    return true;
}

/* A string value into dst (cap bytes with its NUL). */
static bool string_into(struct rd *d, const char *key, json_t *v, char *dst, size_t cap,
                        size_t *len)
{
    size_t n;
    if (!json_is_string(v))
        return bad(d, key, "not a string");
    if (!unmark(json_string_value(v), json_string_length(v), dst, cap, &n)) {
        char what[64];
        snprintf(what, sizeof what, "a string of more than %zu bytes, or with a NUL", cap - 1);
        return bad(d, key, what);
    }
    if (len)
        *len = n;
    return true;
}

/* A string or null: null is "" in dst, and *isnull says so (may be NULL). */
static bool text(struct rd *d, struct obj *o, const char *key, char *dst, size_t cap, bool *isnull)
{
    json_t *v = get(d, o, key, true);
    if (!v)
        return false;
    if (isnull)
        *isnull = json_is_null(v);
    if (json_is_null(v)) {
        dst[0] = '\0';
        return true;
    }
    return string_into(d, key, v, dst, cap, NULL);
}

static bool integer(struct rd *d, const char *key, json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v))
        return bad(d, key, "not an integer");
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max) {
        char what[64];
        snprintf(what, sizeof what, "out of range (0 to %llu)", (unsigned long long)max);
        return bad(d, key, what);
    }
    *out = (uint64_t)i;
    return true;
}

static bool number(struct rd *d, struct obj *o, const char *key, uint64_t max, uint64_t *out)
{
    json_t *v = get(d, o, key, true);
    return v && integer(d, key, v, max, out);
}

/* An integer or null; null is 0. */
static bool number_or_null(struct rd *d, struct obj *o, const char *key, uint64_t max,
                           uint64_t *out)
{
    json_t *v = get(d, o, key, true);
    if (!v)
        return false;
    *out = 0;
    return json_is_null(v) || integer(d, key, v, max, out);
}

static bool boolean(struct rd *d, struct obj *o, const char *key, bool *out)
{
    json_t *v = get(d, o, key, true);
    if (!v)
        return false;
    if (!json_is_boolean(v))
        return bad(d, key, "not true or false");
    *out = json_is_true(v);
    return true;
}

/* An ISO 8601 time as fmt_time and fmt_time_secs write it. */
static bool time_value(struct rd *d, const char *key, json_t *v, int64_t *us)
{
    if (!json_is_string(v) || fmt_parse_time(json_string_value(v), json_string_length(v), us) < 0)
        return bad(d, key, "not an ISO 8601 time");
    return true;
}

/* Index of s among count names, or -1. */
static int name_index(const char *s, const char *(*name_of)(unsigned), unsigned first,
                      unsigned count)
{
    for (unsigned i = first; i < count; i++)
        if (strcmp(s, name_of(i)) == 0)
            return (int)i;
    return -1;
}

/* A string value that is one of the names of name_of over [first, count). */
static bool named(struct rd *d, const char *key, json_t *v, const char *(*name_of)(unsigned),
                  unsigned first, unsigned count, unsigned *out)
{
    int i = json_is_string(v) ? name_index(json_string_value(v), name_of, first, count) : -1;
    if (i < 0)
        return bad(d, key, json_is_string(v) ? "an unknown name" : "not a string");
    *out = (unsigned)i;
    return true;
}

static const char *mode_name(unsigned i)
{
    return session_mode_name((enum session_mode)i);
}
static const char *leak_name(unsigned i)
{
    return session_leak_name((enum session_leak)i);
}
static const char *failure_name(unsigned i)
{
    return session_failure_name((enum session_failure)i);
}
static const char *verb_name(unsigned i)
{
    return session_verb_name((uint8_t)i);
}
static const char *anomaly_name_of(unsigned i)
{
    return anomaly_name((enum anomaly)i);
}
static const char *finding_name_of(unsigned i)
{
    return finding_name((enum finding)i);
}
static const char *grade_name_of(unsigned i)
{
    return grade_name((enum grade)i);
}
static const char *class_name_of(unsigned i)
{
    return class_name((enum session_class)i);
}
static const char *direction_name_of(unsigned i)
{
    const char *n = direction_name((enum direction)i);
    return n ? n : "";
}

static const char *const end_names[] = {"closed", "idle-timeout", "evicted", "capture-end"};
static const char *end_name(unsigned i)
{
    return end_names[i];
}

/* "0x" and exactly k hex digits. */
static bool hex_id(const char *s, unsigned k, uint32_t *out)
{
    if (strlen(s) != 2u + k || s[0] != '0' || s[1] != 'x')
        return false;
    uint32_t v = 0;
    for (unsigned i = 0; i < k; i++) {
        if (!is_hex(s[2 + i]))
            return false;
        v = v << 4 | hex_value(s[2 + i]);
    }
    *out = v;
    return true;
}

/* Decimal digits (no sign, at most 3) after prefix, up to 255. */
static bool small_after(const char *s, const char *prefix, uint32_t *out)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0)
        return false;
    s += n;
    size_t k = strspn(s, "0123456789");
    if (k == 0 || k > 3 || s[k])
        return false;
    *out = (uint32_t)strtoul(s, NULL, 10);
    return *out <= 255;
}

/* A name tls_version_name writes, back to its number (a fizz draft as
 * 0xFBNN: the name does not tell it from 0x7ENN). */
static bool version_of(const char *s, uint16_t *out)
{
    static const struct named fixed[] = {
        {"SSLv2", TLS_VERSION_SSL2},    {"SSLv3", TLS_VERSION_SSL3},
        {"TLSv1", TLS_VERSION_TLS10},   {"TLSv1.1", TLS_VERSION_TLS11},
        {"TLSv1.2", TLS_VERSION_TLS12}, {"TLSv1.3", TLS_VERSION_TLS13},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(s, fixed[i].name) == 0) {
            *out = fixed[i].value;
            return true;
        }
    uint32_t v;
    if (small_after(s, "TLSv1.3-draft", &v)) {
        *out = (uint16_t)(0x7F00u | v);
        return true;
    }
    if (small_after(s, "TLSv1.3-fb", &v)) {
        *out = (uint16_t)(0xFB00u | v);
        return true;
    }
    if (hex_id(s, 4, &v)) {
        *out = (uint16_t)v;
        return true;
    }
    return false;
}

static bool version_value(struct rd *d, const char *key, json_t *v, uint16_t *out)
{
    if (!json_is_string(v) || !version_of(json_string_value(v), out))
        return bad(d, key, "not a TLS version name");
    return true;
}

static bool from_table(const struct named *t, size_t n, const char *s, uint16_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, t[i].name) == 0) {
            *out = t[i].value;
            return true;
        }
    return false;
}

static bool group_value(struct rd *d, const char *key, json_t *v, uint16_t *out)
{
    uint32_t id;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s && from_table(d->rr->groups, d->rr->ngroups, s, out))
        return true;
    if (s && hex_id(s, 4, &id)) {
        *out = (uint16_t)id;
        return true;
    }
    return bad(d, key, "not a TLS group name");
}

/* An array of at most cap elements. */
static json_t *array(struct rd *d, struct obj *o, const char *key, size_t cap, size_t *n)
{
    json_t *v = get(d, o, key, true);
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        bad(d, key, "not an array");
        return NULL;
    }
    *n = json_array_size(v);
    if (*n > cap) {
        char what[48];
        snprintf(what, sizeof what, "more than %zu elements", cap);
        bad(d, key, what);
        return NULL;
    }
    return v;
}

/* An array of names, into bytes. */
static bool name_list(struct rd *d, struct obj *o, const char *key,
                      const char *(*name_of)(unsigned), unsigned first, unsigned count,
                      uint8_t *dst, size_t cap, uint8_t *n)
{
    size_t len;
    json_t *a = array(d, o, key, cap, &len);
    if (!a)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned v = 0;
        if (!named(d, key, json_array_get(a, i), name_of, first, count, &v))
            return false;
        dst[i] = (uint8_t)v;
    }
    *n = (uint8_t)len;
    return true;
}

static bool address(struct rd *d, struct obj *o, const char *key, uint8_t *family, uint8_t a[16])
{
    json_t *v = get(d, o, key, true);
    if (!v)
        return false;
    memset(a, 0, 16);
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (inet_pton(AF_INET, s, a) == 1)
        *family = 4;
    else if (inet_pton(AF_INET6, s, a) == 1)
        *family = 6;
    else
        return bad(d, key, "not an IPv4 or IPv6 address");
    return true;
}

static bool endpoints(struct rd *d, struct obj *o, struct session_record *r)
{
    int64_t start;
    uint64_t cport, sport;
    uint8_t sfamily = 0;
    json_t *v = get(d, o, "start", true);
    if (!v || !time_value(d, "start", v, &start))
        return false;
    if (start < 0)
        return bad(d, "start", "before 1970");
    r->start_us = (uint64_t)start;
    if (!address(d, o, "client", &r->family, r->client) ||
        !number(d, o, "client_port", UINT16_MAX, &cport) ||
        !address(d, o, "server", &sfamily, r->server) ||
        !number(d, o, "server_port", UINT16_MAX, &sport))
        return false;
    if (sfamily != r->family)
        return bad(d, "server", "not of the client's address family");
    r->client_port = (uint16_t)cport;
    r->server_port = (uint16_t)sport;
    return true;
}

/* Derived keys: optional, checked when there, kept in the verdict. */
static bool derived(struct rd *d, struct obj *o, struct verdict *vd)
{
    static const char *const strings[] = {"community_id", "cipher", "cipher_iana"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        json_t *v = get(d, o, strings[i], false);
        if (v && !json_is_string(v) && !json_is_null(v))
            return bad(d, strings[i], "not a string");
    }
    json_t *v = get(d, o, "duration", false);
    if (v && !json_is_number(v))
        return bad(d, "duration", "not a number");
    unsigned u = 0;
    if ((v = get(d, o, "class", false))) {
        if (!named(d, "class", v, class_name_of, 0, CLASS_COUNT, &u))
            return false;
        vd->session_class = (uint8_t)u;
    }
    if ((v = get(d, o, "direction", false)) && !json_is_null(v)) {
        if (!named(d, "direction", v, direction_name_of, DIRECTION_NONE + 1, DIRECTION_COUNT, &u))
            return false;
        vd->direction = (uint8_t)u;
    }
    if ((v = get(d, o, "grade", false)) && !json_is_null(v)) {
        if (!named(d, "grade", v, grade_name_of, GRADE_UNKNOWN + 1, GRADE_COUNT, &u))
            return false;
        vd->grade = (enum grade)u;
    }
    if ((v = get(d, o, "findings", false))) {
        if (!json_is_array(v) || json_array_size(v) > FINDING_COUNT)
            return bad(d, "findings", "not an array of finding codes");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (!named(d, "findings", json_array_get(v, i), finding_name_of, 0, FINDING_COUNT, &u))
                return false;
            vd->findings |= 1u << u;
        }
    }
    return true;
}

static bool details(struct rd *d, struct obj *top, struct verdict *vd)
{
    json_t *v = get(d, top, "finding_details", false);
    if (!v)
        return true;
    if (!json_is_object(v))
        return bad(d, "finding_details", "not an object");
    struct obj o = {v, "finding_details.", 0};
    json_t *x;
    if ((x = get(d, &o, "envelope_starttls_offered", false))) {
        if (!json_is_boolean(x))
            return bad(d, "envelope_starttls_offered", "not true or false");
        vd->envelope_offered = json_is_true(x);
    }
    if ((x = get(d, &o, "stripped_by", false))) {
        const char *s = json_is_string(x) ? json_string_value(x) : "";
        if (strcmp(s, "marks") != 0 && strcmp(s, "history") != 0)
            return bad(d, "stripped_by", "not \"marks\" or \"history\"");
        vd->stripped_by_history = s[0] == 'h';
    }
    if ((x = get(d, &o, "injection", false))) {
        const char *s = json_is_string(x) ? json_string_value(x) : "";
        bool both = strcmp(s, "both") == 0;
        if (!both && strcmp(s, "client") != 0 && strcmp(s, "server") != 0)
            return bad(d, "injection", "not \"client\", \"server\" or \"both\"");
        vd->injection_client = both || s[0] == 'c';
        vd->injection_server = both || s[0] == 's';
    }
    if ((x = get(d, &o, "fallback_after", false))) {
        int64_t us;
        if (!time_value(d, "fallback_after", x, &us))
            return false;
        vd->fallback_after_us = us > 0 ? (uint64_t)us : 0;
    }
    static const char *const keys[] = {"envelope_starttls_offered", "stripped_by", "injection",
                                       "fallback_after"};
    NOTE_UNKNOWN(d, &o, keys);
    return true;
}

static bool verdict_and_leaks(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v;
    unsigned u = 0;
    uint64_t n;
    if (!(v = get(d, o, "mode", true)) ||
        !named(d, "mode", v, mode_name, 0, SESSION_MODE_COUNT, &u))
        return false;
    r->mode = (uint8_t)u;
    if (!(v = get(d, o, "starttls_offered", true)))
        return false;
    if (json_is_null(v))
        r->starttls_offered = SESSION_NULL;
    else if (json_is_boolean(v))
        r->starttls_offered = json_is_true(v) ? SESSION_TRUE : SESSION_FALSE;
    else
        return bad(d, "starttls_offered", "not true, false or null");
    if (!number_or_null(d, o, "starttls_reply", UINT16_MAX, &n))
        return false;
    r->starttls_reply = (uint16_t)n;
    bool null;
    if (!text(d, o, "helo", r->helo, sizeof r->helo, &null))
        return false;
    r->has_helo = !null;
    if (!(v = get(d, o, "tls_version", true)))
        return false;
    r->tls_version = 0;
    if (!json_is_null(v) && !version_value(d, "tls_version", v, &r->tls_version))
        return false;
    /* The cipher is its id: "0xC030", or "0x010080" for an SSLv2 kind. */
    if (!(v = get(d, o, "cipher_id", true)))
        return false;
    r->cipher_key = SESSION_NO_CIPHER;
    uint32_t id;
    if (json_is_string(v) && hex_id(json_string_value(v), 4, &id))
        r->cipher_key = id;
    else if (json_is_string(v) && hex_id(json_string_value(v), 6, &id))
        r->cipher_key = SESSION_CIPHER_SSLV2 | id;
    else if (!json_is_null(v))
        return bad(d, "cipher_id", "not a cipher id (0xNNNN, or 0xNNNNNN for SSLv2)");
    return name_list(d, o, "cleartext_commands", verb_name, SMTP_VERB_HELO, SMTP_VERB_EOM, r->verbs,
                     LIMIT_SMTP_VERBS, &r->nverbs) &&
           name_list(d, o, "leaked", leak_name, 0, SESSION_LEAK_COUNT, r->leaked,
                     SESSION_LEAK_COUNT, &r->nleaked);
}

static bool wire(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v;
    unsigned u = 0;
    uint64_t n;
    if (!(v = get(d, o, "failure", true)))
        return false;
    r->failure = SESSION_FAIL_NONE;
    if (!json_is_null(v)) {
        if (!named(d, "failure", v, failure_name, SESSION_FAIL_NONE + 1, SESSION_FAIL_COUNT, &u))
            return false;
        r->failure = (uint8_t)u;
    }
    if (!boolean(d, o, "syn_seen", &r->syn_seen) || !number(d, o, "gaps", UINT32_MAX, &n))
        return false;
    r->gaps = (uint32_t)n;
    if (!number(d, o, "overlap_conflicts", UINT32_MAX, &n))
        return false;
    r->overlap_conflicts = (uint32_t)n;
    return true;
}

static bool capabilities(struct rd *d, struct obj *o, struct session_record *r)
{
    size_t len;
    json_t *a = array(d, o, "capabilities", LIMIT_SMTP_CAPS, &len);
    if (!a)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!string_into(d, "capabilities", json_array_get(a, i), r->caps[i], sizeof r->caps[i],
                         NULL))
            return false;
    r->ncaps = (uint8_t)len;
    return true;
}

static bool starttls(struct rd *d, struct obj *o, struct session_record *r)
{
    uint64_t n;
    bool null;
    if (!text(d, o, "starttls_reply_text", r->starttls_reply_text, sizeof r->starttls_reply_text,
              &null) ||
        !number(d, o, "starttls_attempts", UINT8_MAX, &n))
        return false;
    r->starttls_attempts = (uint8_t)n;
    size_t len;
    json_t *a = array(d, o, "starttls_replies", LIMIT_STARTTLS_ATTEMPTS, &len);
    if (!a)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!integer(d, "starttls_replies", json_array_get(a, i), UINT16_MAX, &n))
            return false;
        r->starttls_replies[i] = (uint16_t)n;
    }
    r->nstarttls_replies = (uint8_t)len;
    return boolean(d, o, "injection_client", &r->client_injection) &&
           boolean(d, o, "injection_server", &r->server_injection);
}

/* The envelope domains: all three null with --no-domains. */
static bool domains(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v;
    uint64_t n;
    if (!text(d, o, "mail_from_domain", r->mail_from_domain, sizeof r->mail_from_domain, NULL) ||
        !(v = get(d, o, "rcpt_domains", true)))
        return false;
    r->domains_kept = !json_is_null(v);
    if (!number_or_null(d, o, "rcpt_domains_dropped", UINT8_MAX, &n))
        return false;
    r->rcpt_domains_dropped = (uint8_t)n;
    if (!r->domains_kept)
        return true;
    if (!json_is_array(v))
        return bad(d, "rcpt_domains", "not an array or null");
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        size_t len;
        if (i >= UINT8_MAX ||
            !string_into(d, "rcpt_domains", json_array_get(v, i), r->rcpt_domains + used,
                         sizeof r->rcpt_domains - used, &len))
            return d->st != RECORD_OK ? false : bad(d, "rcpt_domains", "more than fit");
        used += len + 1;
    }
    r->nrcpt_domains = (uint8_t)json_array_size(v);
    return true;
}

static bool smtp_facts(struct rd *d, struct obj *o, struct session_record *r)
{
    uint64_t n;
    if (!number_or_null(d, o, "greeting_code", UINT16_MAX, &n))
        return false;
    r->greeting_code = (uint16_t)n;
    if (!text(d, o, "greeting_host", r->greeting_host, sizeof r->greeting_host, NULL) ||
        !text(d, o, "ehlo_host", r->ehlo_host, sizeof r->ehlo_host, NULL) ||
        !capabilities(d, o, r) || !boolean(d, o, "strip_marks", &r->strip_marks) ||
        !text(d, o, "auth_offered", r->auth_offered, sizeof r->auth_offered, NULL) ||
        !text(d, o, "auth_mechanism", r->auth_mechanism, sizeof r->auth_mechanism, NULL) ||
        !starttls(d, o, r))
        return false;
    static const char *const counts[] = {"messages", "rcpt_accepted", "rcpt_rejected", "commands",
                                         "unknown_commands"};
    uint32_t *fields[] = {&r->messages, &r->rcpt_accepted, &r->rcpt_rejected, &r->commands,
                          &r->unknown_commands};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (!number(d, o, counts[i], UINT32_MAX, &n))
            return false;
        *fields[i] = (uint32_t)n;
    }
    return domains(d, o, r);
}

/* The ClientHello: all null when none was seen. */
static bool hello(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v = get(d, o, "client_version", true);
    if (!v)
        return false;
    if (json_is_null(v)) {
        static const char *const rest[] = {"offered_versions", "offered_ciphers_count",
                                           "offered_ciphers", "groups", "alpn"};
        for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
            if (!get(d, o, rest[i], true))
                return false;
        return true;
    }
    if (!version_value(d, "client_version", v, &r->client_version))
        return false;
    if (r->client_version == 0)
        return bad(d, "client_version", "0x0000");
    size_t len;
    json_t *a = array(d, o, "offered_versions", LIMIT_TLS_VERSIONS_KEPT, &len);
    if (!a)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!version_value(d, "offered_versions", json_array_get(a, i), &r->offered_versions[i]))
            return false;
    r->noffered_versions = (uint8_t)len;
    uint64_t n;
    if (!number(d, o, "offered_ciphers_count", UINT16_MAX, &n))
        return false;
    r->noffered_suites = (uint16_t)n;
    if (!(a = array(d, o, "offered_ciphers", LIMIT_TLS_SUITES_KEPT, &len)))
        return false;
    if (len != (n < LIMIT_TLS_SUITES_KEPT ? n : LIMIT_TLS_SUITES_KEPT))
        return bad(d, "offered_ciphers", "not as many as offered_ciphers_count says");
    for (size_t i = 0; i < len; i++) {
        json_t *x = json_array_get(a, i);
        uint32_t id;
        if (!json_is_string(x) || !hex_id(json_string_value(x), 4, &id))
            return bad(d, "offered_ciphers", "not a cipher id (0xNNNN)");
        r->offered_suites[i] = (uint16_t)id;
    }
    if (!(a = array(d, o, "groups", LIMIT_TLS_GROUPS_KEPT, &len)))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!group_value(d, "groups", json_array_get(a, i), &r->groups[i]))
            return false;
    r->ngroups = (uint8_t)len;
    return text(d, o, "alpn", r->alpn, sizeof r->alpn, NULL);
}

static bool alert(struct rd *d, struct obj *top, struct session_record *r)
{
    json_t *v = get(d, top, "alert", true);
    if (!v || json_is_null(v))
        return v != NULL;
    if (!json_is_object(v))
        return bad(d, "alert", "not an object or null");
    struct obj o = {v, "alert.", 0};
    json_t *level = get(d, &o, "level", true), *desc = get(d, &o, "description", true);
    if (!level || !desc)
        return false;
    const char *l = json_is_string(level) ? json_string_value(level) : "";
    r->alert_level = strcmp(l, "fatal") == 0 ? 2 : strcmp(l, "warning") == 0 ? 1 : 3;
    if (r->alert_level == 3 && strcmp(l, "other") != 0)
        return bad(d, "level", "not \"fatal\", \"warning\" or \"other\"");
    uint16_t dv;
    const char *s = json_is_string(desc) ? json_string_value(desc) : NULL;
    if (s && strcmp(s, "unknown") == 0)
        dv = d->rr->alert_unknown;
    else if (!s || !from_table(d->rr->alerts, d->rr->nalerts, s, &dv))
        return bad(d, "description", "not a TLS alert name");
    r->alert_desc = (uint8_t)dv;
    static const char *const keys[] = {"level", "description"};
    NOTE_UNKNOWN(d, &o, keys);
    return true;
}

static bool tls_facts(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v;
    uint64_t n;
    if (!text(d, o, "sni", r->sni, sizeof r->sni, NULL) || !hello(d, o, r) ||
        !text(d, o, "ja3", r->ja3, sizeof r->ja3, NULL) ||
        !text(d, o, "ja3s", r->ja3s, sizeof r->ja3s, NULL) ||
        !(v = get(d, o, "key_exchange_group", true)))
        return false;
    if (!json_is_null(v) && !group_value(d, "key_exchange_group", v, &r->kx_group))
        return false;
    if (!number_or_null(d, o, "dh_bits", UINT16_MAX, &n))
        return false;
    r->dh_bits = (uint16_t)n;
    return boolean(d, o, "hello_retry", &r->hrr) && alert(d, o, r);
}

static bool cert_time(struct rd *d, struct obj *o, const char *key, int64_t *secs)
{
    json_t *v = get(d, o, key, true);
    int64_t us;
    *secs = 0;
    if (!v || json_is_null(v))
        return v != NULL;
    if (!time_value(d, key, v, &us))
        return false;
    if (us % 1000000 != 0)
        return bad(d, key, "not whole seconds");
    *secs = us / 1000000;
    return true;
}

static bool certificate(struct rd *d, struct obj *top, struct session_record *r)
{
    json_t *v = get(d, top, "certificate", true);
    if (!v || json_is_null(v))
        return v != NULL;
    if (!json_is_object(v))
        return bad(d, "certificate", "not an object or null");
    struct obj o = {v, "certificate.", 0};
    uint64_t n;
    r->has_cert = true;
    json_t *s = get(d, &o, "subject", true), *i = get(d, &o, "issuer", true);
    if (!s || !i || !string_into(d, "subject", s, r->cert_subject, sizeof r->cert_subject, NULL) ||
        !string_into(d, "issuer", i, r->cert_issuer, sizeof r->cert_issuer, NULL) ||
        !cert_time(d, &o, "not_before", &r->cert_not_before) ||
        !cert_time(d, &o, "not_after", &r->cert_not_after) ||
        !boolean(d, &o, "self_signed", &r->cert_self_signed) ||
        !text(d, &o, "key_type", r->cert_key_type, sizeof r->cert_key_type, NULL) ||
        !number_or_null(d, &o, "key_bits", UINT16_MAX, &n))
        return false;
    r->cert_key_bits = (uint16_t)n;
    if (!number(d, &o, "chain_length", UINT8_MAX, &n))
        return false;
    r->cert_chain = (uint8_t)n;
    static const char *const keys[] = {"subject",     "issuer",   "not_before", "not_after",
                                       "self_signed", "key_type", "key_bits",   "chain_length"};
    NOTE_UNKNOWN(d, &o, keys);
    return true;
}

static bool per_side(struct rd *d, struct obj *top, const char *key, uint64_t out[2])
{
    json_t *v = get(d, top, key, true);
    if (!v)
        return false;
    if (!json_is_object(v))
        return bad(d, key, "not an object");
    struct obj o = {v, strcmp(key, "packets") == 0 ? "packets." : "bytes.", 0};
    json_t *c = get(d, &o, "client", true), *s = get(d, &o, "server", true);
    if (!c || !s || !integer(d, key, c, INT64_MAX, &out[SIDE_CLIENT]) ||
        !integer(d, key, s, INT64_MAX, &out[SIDE_SERVER]))
        return false;
    static const char *const keys[] = {"client", "server"};
    NOTE_UNKNOWN(d, &o, keys);
    return true;
}

/* nDPI's risks, joined by "; " as the record keeps them. */
static bool ndpi(struct rd *d, struct obj *o, struct session_record *r)
{
    bool null;
    json_t *v;
    if (!text(d, o, "ndpi_protocol", r->ndpi_protocol, sizeof r->ndpi_protocol, &null) ||
        !(v = get(d, o, "ndpi_risks", true)))
        return false;
    if (json_is_null(v))
        return true;
    if (!json_is_array(v))
        return bad(d, "ndpi_risks", "not an array or null");
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        size_t len;
        if (i && used + 2 < sizeof r->ndpi_risks) {
            memcpy(r->ndpi_risks + used, "; ", 2);
            used += 2;
        }
        if (!string_into(d, "ndpi_risks", json_array_get(v, i), r->ndpi_risks + used,
                         sizeof r->ndpi_risks - used, &len))
            return false;
        used += len;
    }
    return true;
}

static bool anomalies(struct rd *d, struct obj *top, struct session_record *r)
{
    json_t *v = get(d, top, "anomalies", true);
    if (!v)
        return false;
    if (!json_is_object(v))
        return bad(d, "anomalies", "not an object");
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x)
    {
        int a = name_index(key, anomaly_name_of, 0, ANOMALY_COUNT);
        uint64_t n;
        if (a < 0) { /* a newer smtptls's anomaly: not counted here */
            struct record_read *out = d->out;
            if (!out->unknown_keys++)
                snprintf(out->unknown_key, sizeof out->unknown_key, "anomalies.%s", key);
            continue;
        }
        if (!integer(d, key, x, UINT32_MAX, &n))
            return false;
        r->anomalies[a] = (uint32_t)n;
    }
    return true;
}

static bool ending(struct rd *d, struct obj *o, struct session_record *r)
{
    json_t *v = get(d, o, "end", true);
    int64_t end;
    unsigned u = 0;
    if (!v || !time_value(d, "end", v, &end))
        return false;
    if (end < 0)
        return bad(d, "end", "before 1970");
    r->end_us = (uint64_t)end;
    if (!(v = get(d, o, "end_reason", true)) ||
        !named(d, "end_reason", v, end_name, 0, sizeof end_names / sizeof end_names[0], &u))
        return false;
    r->end = (uint8_t)u;
    return per_side(d, o, "packets", r->packets) && per_side(d, o, "bytes", r->bytes) &&
           ndpi(d, o, r) && anomalies(d, o, r);
}

static bool sensor(struct rd *d, struct obj *o, struct record_read *out)
{
    bool null;
    if (!text(d, o, "sensor", out->sensor, sizeof out->sensor, &null))
        return false;
    out->has_sensor = !null;
    return true;
}

/* The keys json_session writes at the top level. */
static const char *const top_keys[] = {
    "start",
    "client",
    "client_port",
    "server",
    "server_port",
    "community_id",
    "mode",
    "class",
    "direction",
    "starttls_offered",
    "starttls_reply",
    "helo",
    "tls_version",
    "cipher",
    "cipher_iana",
    "cipher_id",
    "cleartext_commands",
    "leaked",
    "findings",
    "finding_details",
    "grade",
    "failure",
    "syn_seen",
    "gaps",
    "overlap_conflicts",
    "greeting_code",
    "greeting_host",
    "ehlo_host",
    "capabilities",
    "strip_marks",
    "auth_offered",
    "auth_mechanism",
    "starttls_reply_text",
    "starttls_attempts",
    "starttls_replies",
    "injection_client",
    "injection_server",
    "messages",
    "rcpt_accepted",
    "rcpt_rejected",
    "commands",
    "unknown_commands",
    "mail_from_domain",
    "rcpt_domains",
    "rcpt_domains_dropped",
    "sni",
    "client_version",
    "offered_versions",
    "offered_ciphers_count",
    "offered_ciphers",
    "groups",
    "alpn",
    "ja3",
    "ja3s",
    "key_exchange_group",
    "dh_bits",
    "hello_retry",
    "alert",
    "certificate",
    "end",
    "duration",
    "end_reason",
    "packets",
    "bytes",
    "ndpi_protocol",
    "ndpi_risks",
    "anomalies",
    "sensor",
};

enum record_status record_read(struct record_reader *rr, const char *line, size_t len,
                               struct record_read *out, char *why, size_t whylen)
{
    struct rd d = {rr, out, RECORD_OK, why, whylen};
    memset(out, 0, sizeof *out);
    if (whylen)
        why[0] = '\0';
    size_t n;
    const char *text_in = mark_escapes(rr, line, len, &n);
    if (!text_in) {
        fail(&d, RECORD_NOMEM, "out of memory");
        return d.st;
    }
    json_error_t err;
    json_t *root =
        json_loadb(text_in, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!root) {
        if (json_error_code(&err) == json_error_out_of_memory)
            fail(&d, RECORD_NOMEM, "out of memory");
        else
            fail(&d, RECORD_NOT_JSON, "not JSON: %s (column %d)", err.text, err.column);
        return d.st;
    }
    if (!json_is_object(root)) {
        fail(&d, RECORD_NOT_OBJECT, "not a JSON object");
        json_decref(root);
        return d.st;
    }
    struct session_record *r = &out->rec;
    r->cipher_key = SESSION_NO_CIPHER;
    struct obj o = {root, "", 0};
    if (endpoints(&d, &o, r) && derived(&d, &o, &out->verdict) && verdict_and_leaks(&d, &o, r) &&
        details(&d, &o, &out->verdict) && wire(&d, &o, r) && smtp_facts(&d, &o, r) &&
        tls_facts(&d, &o, r) && certificate(&d, &o, r) && ending(&d, &o, r) && sensor(&d, &o, out))
        NOTE_UNKNOWN(&d, &o, top_keys);
    json_decref(root);
    return d.st;
}
