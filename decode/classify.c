#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

/* LIMIT_NDPI_PACKETS: SMTP shows itself in the greeting and EHLO, its risks
 * (AUTH in clear) a few packets later. */

struct classify {
    struct ndpi_detection_module_struct *mod;
};

struct classify_flow {
    struct ndpi_flow_struct *flow;
    uint16_t packets;
    bool done;
    ndpi_protocol proto;
};

/* What is met on mail ports: the mail protocols, TLS, and what tunnels or
 * misdirected clients bring (HTTP, CONNECT, SOCKS, SSH). nDPI tries each
 * enabled dissector on every packet of an undecided flow, so on the SMTP
 * ports this set costs a fraction of all of them. */
static const uint16_t mail_set[] = {
    NDPI_PROTOCOL_MAIL_SMTP,    NDPI_PROTOCOL_MAIL_SMTPS,  NDPI_PROTOCOL_MAIL_POP,
    NDPI_PROTOCOL_MAIL_POPS,    NDPI_PROTOCOL_MAIL_IMAP,   NDPI_PROTOCOL_MAIL_IMAPS,
    NDPI_PROTOCOL_TLS,          NDPI_PROTOCOL_FTP_CONTROL, NDPI_PROTOCOL_HTTP,
    NDPI_PROTOCOL_HTTP_CONNECT, NDPI_PROTOCOL_SOCKS,       NDPI_PROTOCOL_SSH,
};

struct classify *classify_new(bool all_protocols)
{
    struct classify *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->mod) {
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK enabled;
    if (all_protocols) {
        NDPI_BITMASK_SET_ALL(enabled);
    } else {
        NDPI_BITMASK_RESET(enabled);
        for (size_t i = 0; i < sizeof mail_set / sizeof mail_set[0]; i++)
            NDPI_ADD_PROTOCOL_TO_BITMASK(enabled, mail_set[i]);
    }
    ndpi_set_protocol_detection_bitmask2(c->mod, &enabled);
    ndpi_finalize_initialization(c->mod);
    return c;
}

void classify_free(struct classify *c)
{
    if (!c)
        return;
    ndpi_exit_detection_module(c->mod);
    free(c);
}

struct classify_flow *classify_flow_new(struct classify *c)
{
    (void)c;
    struct classify_flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->flow = calloc(1, SIZEOF_FLOW_STRUCT);
    if (!f->flow) {
        free(f);
        return NULL;
    }
    return f;
}

void classify_flow_free(struct classify_flow *f)
{
    if (!f)
        return;
    ndpi_free_flow_data(f->flow);
    free(f->flow);
    free(f);
}

bool classify_packet(struct classify *c, struct classify_flow *f, const uint8_t *l3, size_t len,
                     uint64_t ts_ms)
{
    if (f->done)
        return false;
    if (len > 0xFFFF)
        len = 0xFFFF;
    f->proto = ndpi_detection_process_packet(c->mod, f->flow, l3, (unsigned short)len, ts_ms);
    f->packets++;
    bool detected = f->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
                    f->proto.master_protocol != NDPI_PROTOCOL_UNKNOWN;
    /* After naming the protocol nDPI may look further (its risks, such as
     * clear-text credentials, come from there), within the packet budget. */
    if ((detected && !ndpi_extra_dissection_possible(c->mod, f->flow)) ||
        f->packets >= LIMIT_NDPI_PACKETS)
        f->done = true;
    return !f->done;
}

static void copy_cstr(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool is_smtp(uint16_t id)
{
    return id == NDPI_PROTOCOL_MAIL_SMTP || id == NDPI_PROTOCOL_MAIL_SMTPS;
}

void classify_result(struct classify *c, struct classify_flow *f, struct classify_result *out)
{
    memset(out, 0, sizeof *out);
    ndpi_protocol p = f->proto;
    out->detected =
        p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN;
    if (!out->detected && f->packets > 0) {
        uint8_t guessed = 0;
        p = ndpi_detection_giveup(c->mod, f->flow, 1, &guessed);
    }
    out->smtp = is_smtp(p.master_protocol) || is_smtp(p.app_protocol);
    char name[64];
    ndpi_protocol2name(c->mod, p, name, sizeof name);
    copy_cstr(out->protocol, sizeof out->protocol, name);
    out->risk = f->flow->risk;
    size_t used = 0;
    for (unsigned i = 0; i < 64 && used + 1 < sizeof out->risks; i++) {
        if (!(out->risk & (1ull << i)))
            continue;
        int w = snprintf(out->risks + used, sizeof out->risks - used, "%s%s", used ? "; " : "",
                         ndpi_risk2str((ndpi_risk_enum)i));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= sizeof out->risks)
        out->risks[sizeof out->risks - 1] = '\0';
}

const char *classify_ndpi_version(void)
{
    return ndpi_revision();
}
