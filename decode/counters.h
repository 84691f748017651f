/* The counters of a run, each listed once. The stats structs below, the
 * summary's "capture" object and the text report's Capture lines are all
 * generated from these lists, so a counter cannot be counted and never shown.
 * Plain macros and structs only: capture/, decode/ and report/ all read it.
 *
 * X(field, json key, text label, text rule)
 *   field       member of the struct the list generates
 *   json key    in the summary's "capture" object, in list order; the keys are
 *               an interface (README): add new ones at the end of a list
 *   text label  after the number on the report's Capture line
 *   text rule   when the Capture section shows it (enum counter_show) */
#ifndef SMTPTLS_COUNTERS_H
#define SMTPTLS_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"

enum counter_show {
    COUNTER_ALWAYS,    /* what a reader of any capture asks first */
    COUNTER_NONZERO,   /* something happened: worth a line */
    COUNTER_HEADER,    /* already in the report's first line */
    COUNTER_JSON,      /* a high-water mark for sizing, not an event: JSON only */
    COUNTER_LIVE,      /* means something on an interface only: JSON null for files */
    COUNTER_LIVE_ONLY, /* likewise, but no JSON key at all for files: added after the summary
                          of files was fixed, whose output does not change */
};

/* Counted by the pipeline (decode/pipeline.c:pipeline_stats fills them). */
#define COUNTER_PIPELINE_LIST(X)                                                                   \
    X(packets, "packets", "packets read", COUNTER_HEADER)                                          \
    X(bytes, "bytes", "bytes on the wire", COUNTER_HEADER)                                         \
    X(non_ip, "non_ip", "packets not IP", COUNTER_NONZERO)                                         \
    X(non_tcp, "non_tcp", "packets not TCP", COUNTER_NONZERO)                                      \
    X(fragments, "fragments", "IP fragments", COUNTER_NONZERO)                                     \
    X(frags_reassembled, "fragments_reassembled", "IP datagrams reassembled from fragments",       \
      COUNTER_NONZERO)                                                                             \
    X(frags_dropped, "fragments_dropped", "fragmented IP datagrams given up", COUNTER_NONZERO)     \
    X(truncated, "truncated", "packets cut by the snapshot length", COUNTER_ALWAYS)                \
    X(tunneled, "tunneled", "packets taken out of GRE, VXLAN or GTP-U", COUNTER_NONZERO)           \
    X(ip_length_lies, "ip_length_beyond_frame", "whole frames shorter than their IP length",       \
      COUNTER_NONZERO)                                                                             \
    X(flows, "flows", "TCP flows", COUNTER_ALWAYS)                                                 \
    X(flows_without_payload, "flows_without_payload", "flows without payload", COUNTER_NONZERO)    \
    X(flows_not_smtp, "flows_not_smtp", "flows not SMTP", COUNTER_NONZERO)                         \
    X(flows_tail_only, "flows_after_close", "flows of FIN or RST packets only, after the close",   \
      COUNTER_NONZERO)                                                                             \
    X(gaps, "gaps", "stream gaps", COUNTER_ALWAYS)                                                 \
    X(gap_bytes, "gap_bytes", "bytes in stream gaps (not captured)", COUNTER_NONZERO)              \
    X(overlap_conflicts, "overlap_conflicts", "overlapping copies that differed (the first kept)", \
      COUNTER_NONZERO)                                                                             \
    X(evicted, "flows_evicted", "flows evicted (--max-flows reached)", COUNTER_NONZERO)            \
    X(expired, "flows_expired", "flows closed idle (--idle-timeout)", COUNTER_NONZERO)             \
    X(sessions, "flows_reported", "flows reported as SMTP sessions", COUNTER_HEADER)               \
    X(held_peak, "held_bytes_peak", "out-of-order bytes held at the peak", COUNTER_JSON)           \
    X(held_cap_hits, "held_cap_hits", "segments a held-bytes cap refused", COUNTER_NONZERO)        \
    X(out_of_window, "segments_out_of_window", "segments too far ahead to hold (dropped)",         \
      COUNTER_NONZERO)                                                                             \
    X(tls_buffer_refusals, "tls_buffer_refusals",                                                  \
      "TLS handshake messages refused by the shared buffer cap", COUNTER_NONZERO)                  \
    X(session_alloc_failures, "session_alloc_failures", "flows not decoded: out of memory",        \
      COUNTER_NONZERO)                                                                             \
    X(flows_resumed, "flows_resumed_after_eviction",                                               \
      "flows that resumed a connection evicted while open (not a session of their own)",           \
      COUNTER_NONZERO)

/* Counted by the capture (capture/capture.c:capture_get_stats fills them).
 * The packets it delivers are counted once, by the pipeline. */
#define COUNTER_CAPTURE_LIST(X)                                                                    \
    X(kernel_drops, "kernel_drops", "packets dropped by the kernel", COUNTER_LIVE)                 \
    X(interface_drops, "interface_drops", "packets dropped by the interface", COUNTER_LIVE_ONLY)

#define COUNTER_FIELD(field, key, label, show) uint64_t field;

struct pipeline_stats {
    COUNTER_PIPELINE_LIST(COUNTER_FIELD)
    uint64_t decode_errors[ANOMALY_COUNT]; /* packets not decoded, by anomaly */
};

struct capture_stats {
    COUNTER_CAPTURE_LIST(COUNTER_FIELD)
    bool live;
};

#undef COUNTER_FIELD

#endif
