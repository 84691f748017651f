#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "flow.h"
#include "ip.h"
#include "ipfrag.h"
#include "caps.h"
#include "link.h"
#include "reasm.h"
#include "tcp.h"
#include "tls.h"
#include "tunnel.h"
#include "fingerprint.h"
#include "x509.h"

/* Per-flow state kept in the flow table's user area. Directions are the flow
 * table's: 0 is the endpoint that sent the first packet. */
struct conn {
    struct reasm_conn rc;
    struct session *sess;
    struct classify_flow *cf; /* nDPI's state while it still wants packets */
    struct classify_result *verdict;
    uint64_t first_us, last_us;
    uint64_t close_due_us; /* capture clock at which the close linger ends */
    uint64_t packets[2], bytes[2];
    uint8_t client; /* direction of the client */
    /* packets the snapshot length cut before the session began (it begins
     * when reassembly first delivers), counted into it then */
    uint16_t snaplen_cuts_pending;
    bool syn[2], fin[2], rst;
    bool closing;
    bool tail_only; /* every packet so far carried FIN or RST, none a SYN */
    bool resumed;   /* the rest of a connection evicted while open: not decoded */
    bool no_ndpi;   /* nDPI is not asked about this flow */
};

struct pipeline {
    struct pipeline_config cfg;
    struct flow_table *flows;
    struct ipfrag *frags;
    struct classify *cls; /* started on first need */
    bool cls_failed;
    struct reasm_global reasm;
    struct tls_budget tls_budget;
    struct x509_cache *certs;
    struct fingerprint *fp;
    struct pipeline_stats stats;
    pipeline_sink sink;
    void *sink_ctx;
    uint64_t now_us;
    uint64_t next_expiry_us;
    uint64_t closed_until_us; /* the clock at the last expiry pass */
};

struct delivery {
    struct pipeline *pl;
    struct conn *c;
};

static bool port_in(const uint16_t *ports, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

static int side_of(const struct conn *c, int dir)
{
    return dir == c->client ? SIDE_CLIENT : SIDE_SERVER;
}

static bool ensure_session(struct pipeline *pl, struct conn *c)
{
    if (c->sess)
        return true;
    uint8_t caddr[16], saddr[16], family;
    struct session_start st = {0};
    flow_endpoint(pl->flows, c, c->client, caddr, &st.client_port, &family);
    flow_endpoint(pl->flows, c, !c->client, saddr, &st.server_port, &family);
    st.start_us = c->first_us;
    st.family = family;
    st.client = caddr;
    st.server = saddr;
    st.syn_seen = c->syn[0] || c->syn[1]; /* the SYN or the SYN-ACK: the start is here */
    st.implicit_port = port_in(pl->cfg.implicit_ports, pl->cfg.nimplicit_ports, st.server_port);
    st.tls_budget = &pl->tls_budget;
    st.certs = pl->certs;
    st.fp = pl->fp;
    st.no_domains = pl->cfg.no_domains;
    c->sess = session_new(&st);
    if (!c->sess) {
        pl->stats.session_alloc_failures++;
        return false;
    }
    for (; c->snaplen_cuts_pending; c->snaplen_cuts_pending--)
        session_anomaly(c->sess, ANOMALY_SNAPLEN_CUT);
    return true;
}

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    struct delivery *d = ctx;
    bool stop = false;
    if (!ensure_session(d->pl, d->c)) {
        reasm_stop(&d->c->rc, &d->pl->reasm, 0);
        reasm_stop(&d->c->rc, &d->pl->reasm, 1);
        return;
    }
    session_data(d->c->sess, side_of(d->c, dir), p, n, &stop);
    if (stop) { /* decided: the rest of the connection is only counted */
        reasm_stop(&d->c->rc, &d->pl->reasm, 0);
        reasm_stop(&d->c->rc, &d->pl->reasm, 1);
        flow_mark_settled(d->pl->flows, d->c);
    }
}

static void on_gap(void *ctx, int dir, uint64_t n)
{
    struct delivery *d = ctx;
    if (ensure_session(d->pl, d->c))
        session_gap(d->c->sess, side_of(d->c, dir), n);
}

/* Before its first delivered byte a flow has no session: only the capture
 * counters keep such an anomaly. */
static void on_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct delivery *d = ctx;
    (void)dir;
    if (d->c->sess)
        session_anomaly(d->c->sess, a);
}

static const struct reasm_sink sink_fns = {on_data, on_gap, on_anomaly};

static enum session_end end_of(enum flow_close_reason why)
{
    switch (why) {
    case FLOW_CLOSE_IDLE:
        return SESSION_END_IDLE;
    case FLOW_CLOSE_EVICTED:
        return SESSION_END_EVICTED;
    case FLOW_CLOSE_END:
        return SESSION_END_CAPTURE_END;
    default:
        return SESSION_END_CLOSED;
    }
}

/* When the flow was due to close on the capture clock: the record's place
 * among those of other pipelines (pipeline_closed_until). */
static uint64_t order_of(const struct pipeline *pl, const struct conn *c,
                         enum flow_close_reason why)
{
    if (why == FLOW_CLOSE_FINISHED)
        return c->close_due_us;
    if (why == FLOW_CLOSE_END)
        return UINT64_MAX;
    return pl->now_us; /* idle, evicted, reused: closed by this pass or packet */
}

static void on_close(void *ctx, void *user, enum flow_close_reason why)
{
    struct pipeline *pl = ctx;
    struct conn *c = user;
    struct delivery d = {pl, c};
    if (c->resumed) {
        pl->stats.flows_resumed++;
        if (why == FLOW_CLOSE_EVICTED)
            flow_remember_evicted(pl->flows, c); /* and again */
        return;
    }
    reasm_flush(&c->rc, &pl->reasm, &sink_fns, &d);
    reasm_release(&c->rc, &pl->reasm);
    struct classify_result verdict = {0};
    bool asked = c->cf || c->verdict;
    if (c->verdict)
        verdict = *c->verdict;
    else if (c->cf)
        classify_result(pl->cls, c->cf, &verdict);
    classify_flow_free(c->cf);
    free(c->verdict);
    c->cf = NULL;
    c->verdict = NULL;
    if (c->tail_only) {
        /* Only FIN or RST packets: retransmissions after the connection
         * closed (and its flow ended), or a capture that began at its end. */
        pl->stats.flows_tail_only++;
        if (c->sess) {
            struct session_record rec;
            struct session_end_facts f = {.end_us = c->last_us, .end = end_of(why)};
            session_finish(c->sess, &f, &rec);
            c->sess = NULL;
        }
        return;
    }
    if (!c->sess) {
        pl->stats.flows_without_payload++;
        return;
    }
    struct session_record rec;
    struct session_end_facts f = {
        .end_us = c->last_us,
        .end = end_of(why),
        .packets = {c->packets[c->client], c->packets[!c->client]},
        .bytes = {c->bytes[c->client], c->bytes[!c->client]},
        .overlap_conflicts = c->rc.dir[0].conflicts + c->rc.dir[1].conflicts,
        .ndpi_protocol = asked ? verdict.protocol : NULL,
        .ndpi_risks = asked ? verdict.risks : NULL,
    };
    bool recognised = session_recognised(c->sess);
    session_finish(c->sess, &f, &rec);
    c->sess = NULL;
    rec.order_us = order_of(pl, c, why);
    bool smtp_port = port_in(pl->cfg.smtp_ports, pl->cfg.nsmtp_ports, rec.server_port);
    if (!smtp_port && !recognised && !verdict.smtp && !pl->cfg.all_flows) {
        pl->stats.flows_not_smtp++;
        return;
    }
    pl->stats.sessions++;
    if (why == FLOW_CLOSE_EVICTED)
        flow_remember_evicted(pl->flows, c); /* its rest is not another session */
    pl->sink(pl->sink_ctx, &rec);
}

struct pipeline *pipeline_new(const struct pipeline_config *cfg, pipeline_sink sink, void *ctx)
{
    struct pipeline *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    pl->cfg = *cfg;
    pl->sink = sink;
    pl->sink_ctx = ctx;
    pl->tls_budget.limit = LIMIT_TLS_HS_TOTAL;
    pl->flows = flow_table_create(sizeof(struct conn), cfg->max_flows, cfg->idle_timeout_us,
                                  LIMIT_CLOSE_LINGER_US, &pl->cfg.hash_key, on_close, pl);
    pl->frags = ipfrag_new(LIMIT_FRAG_TIMEOUT_US);
    pl->certs = x509_cache_new(&pl->cfg.hash_key); /* NULL only costs speed */
    pl->fp = fingerprint_new();

    if (!pl->flows || !pl->frags) {
        flow_table_destroy(pl->flows);
        ipfrag_free(pl->frags);
        free(pl);
        return NULL;
    }
    return pl;
}

/* Which direction is the client, for a flow first seen with this packet. */
static uint8_t guess_client(const struct pipeline *pl, const struct tcp_seg *t)
{
    if ((t->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
        return 0;
    if ((t->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
        return 1;
    bool d = port_in(pl->cfg.smtp_ports, pl->cfg.nsmtp_ports, t->dport);
    bool s = port_in(pl->cfg.smtp_ports, pl->cfg.nsmtp_ports, t->sport);
    if (d != s)
        return d ? 0 : 1;
    return t->sport >= t->dport ? 0 : 1; /* the lower port serves */
}

/* nDPI sees the flow's packets from the first with payload until it decides;
 * once it has, its verdict is kept and its state freed. */
static void classify_step(struct pipeline *pl, struct conn *c, const struct tcp_seg *t,
                          struct cur l3, uint64_t ts)
{
    if (pl->cfg.ndpi == PIPELINE_NDPI_OFF || c->no_ndpi || c->verdict || t->payload_len == 0 ||
        cur_empty(&t->payload) || cur_empty(&l3))
        return;
    if (!pl->cls && !pl->cls_failed) {
        /* Started on first need: its tables take a while to build. */
        pl->cls = classify_new(pl->cfg.classify_all);
        pl->cls_failed = pl->cls == NULL; /* no nDPI: the records say null */
    }
    if (!pl->cls)
        return;
    if (!c->cf && !(c->cf = classify_flow_new(pl->cls)))
        return;
    if (classify_packet(pl->cls, c->cf, cur_ptr(&l3), cur_left(&l3), ts / 1000u))
        return;
    c->verdict = malloc(sizeof *c->verdict);
    if (!c->verdict)
        return;
    classify_result(pl->cls, c->cf, c->verdict);
    classify_flow_free(c->cf);
    c->cf = NULL;
}

/* The rest of an evicted connection is only followed to its end: FIN both
 * ways or RST close it as they would the whole. */
static void resumed_packet(struct pipeline *pl, struct conn *c, const struct tcp_seg *t, int dir,
                           uint64_t now)
{
    c->packets[dir]++;
    c->bytes[dir] += t->payload_len;
    if (t->flags & TCP_FIN)
        c->fin[dir] = true;
    if (t->flags & TCP_RST)
        c->rst = true;
    if (!c->closing && (c->rst || (c->fin[0] && c->fin[1]))) {
        c->closing = true;
        flow_mark_closing(pl->flows, c, now);
    }
}

/* now is the capture clock (never backwards), for the flow table; ts is the
 * packet's own time, for the record (captures merged from several queues
 * run backwards by a little). */
static void tcp_packet(struct pipeline *pl, const struct ip_info *ip, const struct tcp_seg *t,
                       struct cur l3, uint64_t now, uint64_t ts)
{
    struct flow_tuple tu;
    tu.family = ip->family;
    memcpy(tu.src, ip->src, 16);
    memcpy(tu.dst, ip->dst, 16);
    tu.sport = t->sport;
    tu.dport = t->dport;

    int dir;
    bool created;
    struct conn *c = flow_lookup(pl->flows, &tu, now, &dir, &created);
    if (c && !created && (c->closing || c->rst) && (t->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
        !c->syn[dir]) {
        flow_close_now(pl->flows, c, FLOW_CLOSE_REUSED); /* a new connection, same ports */
        c = flow_lookup(pl->flows, &tu, now, &dir, &created);
    }
    if (c && c->resumed && (t->flags & TCP_SYN)) {
        flow_close_now(pl->flows, c, FLOW_CLOSE_REUSED); /* a new connection after the rest */
        c = flow_lookup(pl->flows, &tu, now, &dir, &created);
    }
    if (!c)
        return;
    if (created) {
        c->first_us = c->last_us = ts;
        c->client = guess_client(pl, t);
        pl->stats.flows++;
        c->tail_only = true;
        uint16_t server_port = c->client == 0 ? t->dport : t->sport;
        c->no_ndpi = pl->cfg.ndpi == PIPELINE_NDPI_OFF_PORT &&
                     port_in(pl->cfg.smtp_ports, pl->cfg.nsmtp_ports, server_port);
        /* Counted once: with the session its first part was reported as. */
        c->resumed = !(t->flags & TCP_SYN) && flow_resumes_evicted(pl->flows, c);
    }
    if (c->resumed) {
        flow_mark_settled(pl->flows, c);
        resumed_packet(pl, c, t, dir, now);
        return;
    }
    if (!(t->flags & (TCP_FIN | TCP_RST)) || (t->flags & TCP_SYN))
        c->tail_only = false;
    if (ts < c->first_us)
        c->first_us = ts;
    if ((t->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && !c->sess && !c->syn[0] && !c->syn[1])
        c->client = (uint8_t)dir;
    if (ts > c->last_us)
        c->last_us = ts;
    classify_step(pl, c, t, l3, ts);
    c->packets[dir]++;
    c->bytes[dir] += t->payload_len;

    uint32_t caplen = (uint32_t)cur_left(&t->payload);
    bool cut = caplen < t->payload_len;
    if (cut)
        pl->stats.truncated++;
    if (t->flags & TCP_SYN)
        c->syn[dir] = true;
    if (t->flags & TCP_RST)
        c->rst = true;

    struct reasm_in in = {
        .seq = t->seq,
        .ack = t->ack,
        .has_ack = (t->flags & TCP_ACK) != 0,
        .data = cur_ptr(&t->payload),
        .caplen = caplen,
        .len = t->payload_len,
        .syn = (t->flags & TCP_SYN) != 0,
        .fin = (t->flags & TCP_FIN) != 0,
    };
    struct delivery d = {pl, c};
    if (!(t->flags & TCP_RST) || t->payload_len > 0)
        reasm_segment(&c->rc, &pl->reasm, dir, &in, &sink_fns, &d);
    if (cut) {
        if (c->sess)
            session_anomaly(c->sess, ANOMALY_SNAPLEN_CUT);
        else if (c->snaplen_cuts_pending < UINT16_MAX)
            c->snaplen_cuts_pending++;
    }

    if (!c->closing && (c->rst || (c->rc.dir[0].finished && c->rc.dir[1].finished))) {
        c->closing = true;
        c->close_due_us = now + LIMIT_CLOSE_LINGER_US;
        flow_mark_closing(pl->flows, c, now);
    }
}

/* The capture clock is at now (never earlier than before). */
static void advance(struct pipeline *pl, uint64_t now)
{
    pl->now_us = now;
    if (now >= pl->next_expiry_us) {
        flow_expire(pl->flows, now);
        pl->closed_until_us = now;
        pl->next_expiry_us = now + LIMIT_EXPIRY_TICK_US;
    }
}

void pipeline_packet(struct pipeline *pl, const struct packet *pkt)
{
    struct pipeline_stats *st = &pl->stats;
    st->packets++;
    st->bytes += pkt->wirelen;
    uint64_t now = pkt->ts_us > pl->now_us ? pkt->ts_us : pl->now_us;
    advance(pl, now);

    struct link_out lo;
    uint32_t caplen = pkt->caplen < pkt->wirelen ? pkt->caplen : pkt->wirelen;
    int rc = link_decode(pkt->linktype, cur_make(pkt->data, caplen), &lo);
    if (rc) {
        st->decode_errors[rc]++;
        return;
    }
    if (lo.ethertype != LINK_ETHERTYPE_IPV4 && lo.ethertype != LINK_ETHERTYPE_IPV6) {
        st->non_ip++;
        return;
    }
    struct ip_info ip;
    rc = ip_decode(lo.ethertype, lo.net, &ip);
    if (rc) {
        st->decode_errors[rc]++;
        return;
    }
    /* A tunnel: decode what it carries, as a frame of its own. */
    struct tunnel_inner tin;
    for (unsigned depth = 0; tunnel_decap(&ip, &tin); depth++) {
        if (depth >= LIMIT_IP_NESTING) {
            st->decode_errors[ANOMALY_IP_TOO_DEEP]++;
            return;
        }
        st->tunneled++;
        if (tin.ethernet) {
            rc = link_decode(LINK_TYPE_ETHERNET, tin.bytes, &lo);
            if (rc) {
                st->decode_errors[rc]++;
                return;
            }
        } else {
            lo.net = tin.bytes;
            lo.ethertype = tin.ethertype;
        }
        if (lo.ethertype != LINK_ETHERTYPE_IPV4 && lo.ethertype != LINK_ETHERTYPE_IPV6) {
            st->non_ip++;
            return;
        }
        rc = ip_decode(lo.ethertype, lo.net, &ip);
        if (rc) {
            st->decode_errors[rc]++;
            return;
        }
    }
    if (pkt->caplen >= pkt->wirelen && cur_left(&ip.l4) < ip.l4_wire_len) {
        /* The frame is whole, so the IP length claiming more is wrong, not
         * cut by a snapshot length: believe the frame. */
        st->ip_length_lies++;
        ip.l4_wire_len = (uint32_t)cur_left(&ip.l4);
    }
    struct cur l3 = lo.net; /* for nDPI; not for a reassembled datagram */
    if (ip.fragment) {
        struct ip_info whole;
        if (!ipfrag_add(pl->frags, &ip, now, &whole))
            return;
        ip = whole;
        l3 = cur_make(NULL, 0);
    }
    if (ip.proto != IP_PROTO_TCP) {
        st->non_tcp++;
        return;
    }
    struct tcp_seg t;
    rc = tcp_decode(ip.l4, ip.l4_wire_len, &t);
    if (rc) {
        st->decode_errors[rc]++;
        return;
    }
    if (ip.tunnels)
        l3 = cur_make(NULL, 0);
    tcp_packet(pl, &ip, &t, l3, now, pkt->ts_us);
}

void pipeline_tick(struct pipeline *pl, uint64_t now_us)
{
    if (now_us > pl->now_us)
        advance(pl, now_us);
}

void pipeline_finish(struct pipeline *pl)
{
    flow_close_all(pl->flows);
    pl->closed_until_us = UINT64_MAX;
}

uint64_t pipeline_closed_until(const struct pipeline *pl)
{
    return pl->closed_until_us;
}

void pipeline_stats_add(struct pipeline_stats *into, const struct pipeline_stats *from)
{
#define COUNTER_ADD(field, key, label, show)                                                       \
    if ((show) != COUNTER_JSON)                                                                    \
        into->field += from->field;                                                                \
    else if (from->field > into->field)                                                            \
        into->field = from->field;
    COUNTER_PIPELINE_LIST(COUNTER_ADD)
#undef COUNTER_ADD
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        into->decode_errors[i] += from->decode_errors[i];
}

const struct pipeline_stats *pipeline_stats(struct pipeline *pl)
{
    const struct flow_stats *fs = flow_table_stats(pl->flows);
    pl->stats.evicted = fs->evicted;
    pl->stats.expired = fs->expired;
    pl->stats.gaps = pl->reasm.gaps;
    pl->stats.gap_bytes = pl->reasm.gap_bytes;
    pl->stats.overlap_conflicts = pl->reasm.conflicts;
    pl->stats.held_peak = pl->reasm.held_peak;
    pl->stats.held_cap_hits = pl->reasm.held_cap_hits;
    pl->stats.out_of_window = pl->reasm.out_of_window;
    pl->stats.tls_buffer_refusals = pl->tls_budget.refused;
    const struct ipfrag_stats *fr = ipfrag_get_stats(pl->frags);
    pl->stats.fragments = fr->fragments;
    pl->stats.frags_reassembled = fr->reassembled;
    pl->stats.frags_dropped = fr->dropped;
    return &pl->stats;
}

uint32_t pipeline_flows_open(const struct pipeline *pl)
{
    return flow_table_active(pl->flows);
}

void pipeline_free(struct pipeline *pl)
{
    if (!pl)
        return;
    flow_table_destroy(pl->flows);
    ipfrag_free(pl->frags);
    x509_cache_free(pl->certs);
    fingerprint_free(pl->fp);
    classify_free(pl->cls);
    free(pl);
}
