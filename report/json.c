#include "json.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Length of the valid UTF-8 sequence at p, 0 if invalid (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

void json_string(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else {
            size_t k = utf8_len(p + i, n - i);
            if (k == 0) { /* not UTF-8: the byte as its Latin-1 code point */
                fprintf(f, "\\u%04x", c);
                i++;
            } else {
                fwrite(p + i, 1, k, f);
                i += k;
            }
        }
    }
    fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
    if (s)
        json_string(f, s, strlen(s));
    else
        fputs("null", f);
}

void json_time(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000u);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00.000000Z");
        return;
    }
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06uZ", base, (unsigned)(us % 1000000u));
}

void json_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

static void tristate(FILE *f, int8_t v)
{
    fputs(v == SESSION_TRUE ? "true" : v == SESSION_FALSE ? "false" : "null", f);
}

static const char *const end_names[] = {"closed", "idle-timeout", "evicted", "capture-end"};

void json_write_session(FILE *f, const struct session_record *r)
{
    char t[32], a[64], vbuf[24];
    json_time(r->start_us, t, sizeof t);
    fprintf(f, "{\"start\": \"%s\", ", t);
    json_addr(r->family, r->client, a, sizeof a);
    fprintf(f, "\"client\": \"%s\", \"client_port\": %u, ", a, r->client_port);
    json_addr(r->family, r->server, a, sizeof a);
    fprintf(f, "\"server\": \"%s\", \"server_port\": %u, ", a, r->server_port);
    fprintf(f, "\"mode\": \"%s\", \"starttls_offered\": ", session_mode_name(r->mode));
    tristate(f, r->starttls_offered);
    if (r->starttls_reply)
        fprintf(f, ", \"starttls_reply\": %u", r->starttls_reply);
    else
        fputs(", \"starttls_reply\": null", f);
    fputs(", \"helo\": ", f);
    if (r->has_helo)
        json_string(f, r->helo, strlen(r->helo));
    else
        fputs("null", f);
    fputs(", \"tls_version\": ", f);
    json_cstr(f, session_version_name(r->tls_version, vbuf, sizeof vbuf));

    struct aggregate_cipher c;
    aggregate_cipher_of(r, &c);
    fputs(", \"cipher\": ", f);
    json_cstr(f, c.name[0] ? c.name : NULL);
    fputs(", \"cipher_iana\": ", f);
    json_cstr(f, c.name[0] ? c.iana : NULL);
    fputs(", \"cipher_id\": ", f);
    json_cstr(f, c.name[0] ? c.id : NULL);

    fputs(", \"cleartext_commands\": [", f);
    for (unsigned i = 0; i < r->nverbs; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", session_verb_name(r->verbs[i]));
    fputs("], \"leaked\": [", f);
    for (unsigned i = 0; i < r->nleaked; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", session_leak_name(r->leaked[i]));
    fputs("]", f);

    fprintf(f, ", \"syn_seen\": %s, \"gaps\": %" PRIu32, r->syn_seen ? "true" : "false", r->gaps);
    if (r->greeting_code)
        fprintf(f, ", \"greeting_code\": %u", r->greeting_code);
    else
        fputs(", \"greeting_code\": null", f);
    fprintf(f, ", \"commands\": %" PRIu32 ", \"unknown_commands\": %" PRIu32, r->commands,
            r->unknown_commands);
    fprintf(f, ", \"hello_retry\": %s", r->hrr ? "true" : "false");
    if (r->alert_level)
        fprintf(f, ", \"alert\": {\"level\": \"%s\", \"description\": \"%s\"}",
                r->alert_level == 2   ? "fatal"
                : r->alert_level == 1 ? "warning"
                                      : "other",
                session_alert_name(r->alert_desc));
    else
        fputs(", \"alert\": null", f);
    json_time(r->end_us, t, sizeof t);
    fprintf(f, ", \"end\": \"%s\", \"end_reason\": \"%s\"", t,
            r->end < sizeof end_names / sizeof end_names[0] ? end_names[r->end] : "closed");
    fprintf(f,
            ", \"packets\": {\"client\": %" PRIu64 ", \"server\": %" PRIu64 "}"
            ", \"bytes\": {\"client\": %" PRIu64 ", \"server\": %" PRIu64 "}",
            r->packets[0], r->packets[1], r->bytes[0], r->bytes[1]);
    fputs(", \"ndpi_protocol\": ", f);
    json_cstr(f, r->ndpi_protocol[0] ? r->ndpi_protocol : NULL);
    fputs(", \"ndpi_risks\": ", f);
    if (!r->ndpi_protocol[0]) {
        fputs("null", f);
    } else {
        fputc('[', f);
        const char *p = r->ndpi_risks;
        size_t total = strnlen(r->ndpi_risks, sizeof r->ndpi_risks);
        for (size_t i = 0; i < total;) {
            const char *sep = memchr(p + i, ';', total - i);
            size_t end = sep ? (size_t)(sep - p) : total;
            json_string(f, p + i, end - i);
            i = end;
            if (sep) {
                fputs(", ", f);
                i += sep[1] == ' ' ? 2u : 1u;
            }
        }
        fputc(']', f);
    }
    fputs(", \"anomalies\": {", f);
    bool first = true;
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (!r->anomalies[i])
            continue;
        fprintf(f, "%s\"%s\": %" PRIu32, first ? "" : ", ", anomaly_name((enum anomaly)i),
                r->anomalies[i]);
        first = false;
    }
    fputs("}}\n", f);
}

void json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap)
{
    fprintf(f,
            "{\"sessions\": {\"total\": %" PRIu64 ", \"plaintext\": %" PRIu64
            ", \"starttls\": %" PRIu64 ", \"implicit_tls\": %" PRIu64
            ", \"starttls_failed\": %" PRIu64 ", \"implicit_tls_failed\": %" PRIu64
            ", \"unknown\": %" PRIu64 "},\n",
            a->total, a->modes[SESSION_PLAINTEXT], a->modes[SESSION_STARTTLS],
            a->modes[SESSION_IMPLICIT_TLS], a->modes[SESSION_STARTTLS_FAILED],
            a->modes[SESSION_IMPLICIT_TLS_FAILED], a->modes[SESSION_UNKNOWN]);
    fprintf(f, " \"starttls_offered\": %" PRIu64 ", \"encrypted\": %" PRIu64, a->starttls_offered,
            a->encrypted);
    if (a->total)
        fprintf(f, ", \"encrypted_percent\": %.1f,\n",
                (double)a->encrypted * 100.0 / (double)a->total);
    else
        fputs(", \"encrypted_percent\": null,\n", f);

    struct aggregate_cipher *cs;
    size_t n = aggregate_ciphers(a, &cs);
    fputs(" \"ciphers\": [", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"id\": \"%s\", \"name\": ", i ? ", " : "", cs[i].id);
        json_cstr(f, cs[i].name);
        fputs(", \"iana\": ", f);
        json_cstr(f, cs[i].iana);
        fprintf(f, ", \"count\": %" PRIu64 "}", cs[i].count);
    }
    free(cs);
    fprintf(f, "], \"cipher_unknown\": %" PRIu64 ",\n", a->cipher_unknown);

    struct aggregate_version vs[AGGREGATE_MAX_VERSIONS];
    n = aggregate_versions(a, vs, AGGREGATE_MAX_VERSIONS);
    fputs(" \"versions\": [", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        json_cstr(f, vs[i].name);
        fprintf(f, ", \"count\": %" PRIu64 "}", vs[i].count);
    }
    fprintf(f, "], \"version_unknown\": %" PRIu64 ",\n", a->version_unknown);
    fprintf(f, " \"leaks\": {\"envelope\": %" PRIu64 ", \"auth\": %" PRIu64 "},\n",
            a->leak_envelope, a->leak_auth);
    fprintf(f, " \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ",\n", cap->packets, cap->bytes);
    fputs(" \"capture\": {", f);
    const struct {
        const char *key;
        uint64_t value;
    } counts[] = {
        {"packets", cap->packets},
        {"bytes", cap->bytes},
        {"non_ip", cap->non_ip},
        {"non_tcp", cap->non_tcp},
        {"fragments", cap->fragments},
        {"fragments_reassembled", cap->frags_reassembled},
        {"fragments_dropped", cap->frags_dropped},
        {"truncated", cap->truncated},
        {"flows", cap->flows},
        {"flows_without_payload", cap->flows_without_payload},
        {"flows_not_smtp", cap->flows_not_smtp},
        {"gaps", cap->gaps},
        {"gap_bytes", cap->gap_bytes},
        {"overlap_conflicts", cap->overlap_conflicts},
        {"flows_evicted", cap->evicted},
        {"flows_expired", cap->expired},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", counts[i].key, counts[i].value);
    fputs(", \"decode_errors\": {", f);
    for (size_t i = 0; i < cap->nerrors; i++)
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", cap->errors[i].name, cap->errors[i].count);
    fputs("}", f);
    if (cap->live)
        fprintf(f, ", \"kernel_drops\": %" PRIu64, cap->kernel_drops);
    else
        fputs(", \"kernel_drops\": null", f);
    fprintf(f, ", \"complete\": %s}}\n", cap->damaged ? "false" : "true");
}
