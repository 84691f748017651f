/* The decoding pipeline without I/O: packet -> link -> IP -> TCP -> flow ->
 * reassembly -> session -> finished session records, handed to a sink. Golden
 * tests and the whole-pipeline fuzzer drive this, not main.c. */
#ifndef SMTPTLS_PIPELINE_H
#define SMTPTLS_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "counters.h"
#include "hash.h"
#include "session.h"

/* One captured packet; bytes are borrowed for the call. */
struct packet {
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    int linktype; /* pcap_datalink() value */
    const uint8_t *data;
};

struct pipeline_config {
    uint32_t max_flows;
    uint64_t idle_timeout_us;
    struct hash_key hash_key; /* of the flow table and the certificate cache */
    /* TCP ports whose flows are SMTP sessions whatever they carry; flows on
     * other ports count only once SMTP or TLS shows up. */
    const uint16_t *smtp_ports;
    size_t nsmtp_ports;
    const uint16_t *implicit_ports; /* implicit TLS (465) */
    size_t nimplicit_ports;
    /* Which flows nDPI classifies: none, those off the SMTP ports (where
     * smtptls needs it to find SMTP), or all of them (a per-packet cost
     * larger than all of smtptls's own decoding). */
    enum { PIPELINE_NDPI_OFF, PIPELINE_NDPI_OFF_PORT, PIPELINE_NDPI_ALL } ndpi;
    bool classify_all; /* with every nDPI dissector (any port), not the mail set */
    bool all_flows;    /* every flow with payload is a session (TLS conformance tests) */
    bool no_domains;   /* keep no envelope domains in the records */
};

typedef void (*pipeline_sink)(void *ctx, const struct session_record *rec);

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_config *cfg, pipeline_sink sink, void *ctx);
void pipeline_packet(struct pipeline *pl, const struct packet *pkt);
/* Live, when the link is quiet: the capture clock moves to now_us (the wall
 * clock, the time base of live packet timestamps) without a packet, closing
 * the flows whose close linger or idle timeout has passed. The clock never
 * moves back; offline runs never call this and stay timed by their packets. */
void pipeline_tick(struct pipeline *pl, uint64_t now_us);
/* End of input: close every flow, emitting its record. */
void pipeline_finish(struct pipeline *pl);
/* Every flow due to close at or before this capture-clock time has been
 * closed and its record emitted, and every record still to come has an
 * order_us at least as late (UINT64_MAX after pipeline_finish): what merging
 * the records of several pipelines in order waits for. */
uint64_t pipeline_closed_until(const struct pipeline *pl);
/* The counters so far (decode/counters.h); valid until the next call. */
const struct pipeline_stats *pipeline_stats(struct pipeline *pl);
/* Flows tracked now (a gauge, for the statistics while it runs). */
uint32_t pipeline_flows_open(const struct pipeline *pl);
/* into += from, for pipelines that share one report: events add up, the
 * high-water marks (COUNTER_JSON) keep the larger. */
void pipeline_stats_add(struct pipeline_stats *into, const struct pipeline_stats *from);
void pipeline_free(struct pipeline *pl);

#endif
