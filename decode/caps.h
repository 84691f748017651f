/* Every cap, default and fixed size of smtptls, in one place (after p0f's
 * config.h). A cap that is hit is counted, never silent. Plain numbers only:
 * capture/, decode/ and report/ all read it, and sizes that must agree
 * between modules (a record field and the summary it is copied from) are
 * both written with the one name below. Not <limits.h>: that is the C
 * library's, which OpenSSL's and nDPI's headers include. */
#ifndef SMTPTLS_CAPS_H
#define SMTPTLS_CAPS_H

/* Live capture (capture/capture.c, app/live.c). Packets come in blocks
 * (TPACKET_V3): the kernel hands a block over when it is full or when the
 * block timeout has passed since its first packet, so a quiet link costs no
 * wake-up per packet and a packet waits at most the block timeout. */
#define LIMIT_SNAPLEN 262144      /* bytes kept of a packet, as tcpdump's default */
#define LIMIT_LIVE_TIMEOUT_MS 200 /* the block timeout (libpcap's read timeout) */
/* -B: the kernel buffer of each worker, in KiB: 128 blocks of 256 KiB, about
 * 270 ms of a saturated 1 Gbit/s link. libpcap takes the size as an int. */
#define LIMIT_LIVE_BUFFER_KIB 32768u
#define LIMIT_LIVE_BUFFER_KIB_MAX 2097151u
#define LIMIT_LIVE_POLL_MS 100 /* the longest wait on an empty ring before a tick */
#define LIMIT_LIVE_BATCH 4096  /* packets read before the clock and counters are looked at */
/* A tick sets the capture clock this far behind the wall clock: no packet
 * still waiting in an open block is older, so the clock never runs ahead of
 * a packet yet to be read (a record's order then depends on packets only). */
#define LIMIT_LIVE_CLOCK_LAG_US ((LIMIT_LIVE_TIMEOUT_MS + 100u) * 1000u)
#define LIMIT_LIVE_PUBLISH_US 100000u     /* a worker shows its clock and counters this often */
#define LIMIT_LIVE_CONTROL_MS 250         /* signals and periodic work are looked at this often */
#define LIMIT_WORKERS_MAX 64u             /* --workers */
#define LIMIT_FILE_BUFFER (64u * 1024u)   /* stdio buffer of a capture file (bench/README.md) */
#define LIMIT_OUTPUT_BUFFER (64u * 1024u) /* offline: records written in blocks of whole lines */

/* Compressed capture files (capture/decompress.c). */
#define LIMIT_DECOMPRESS_INPUT (64u * 1024u) /* compressed bytes read at once */
#define LIMIT_DECOMPRESS_MEMORY (256u << 20) /* xz decoder memory; xz -9 needs 65 MiB */
#define LIMIT_DECOMPRESS_WINDOW_LOG 28       /* zstd window: 256 MiB, above --ultra -22's */

/* Flow table. */
/* --max-flows: 40000 flows with sessions and every shared cap full stay
 * within 256 MB (README "Reassembly, gaps and limits"). */
#define LIMIT_FLOWS_DEFAULT 40000u
#define LIMIT_FLOWS_MIN 16u                                 /* --max-flows: fewer is refused */
#define LIMIT_FLOWS_MAX 100000000u                          /* --max-flows: more is refused */
#define LIMIT_FLOW_CHUNK 1024u                              /* flow entries allocated together */
#define LIMIT_FLOWS_GONE 262144u /* evicted flows remembered to know their rest (12 MB at most) */
#define LIMIT_EVICT_SCAN 32u /* longest-idle flows looked at for a settled one to evict */
#define LIMIT_IDLE_TIMEOUT_US_DEFAULT (300ull * 1000000ull) /* --idle-timeout, 5 min */
#define LIMIT_IDLE_TIMEOUT_S_MAX (365u * 86400u)            /* --idle-timeout: one year */
#define LIMIT_CLOSE_LINGER_US                                                                      \
    (5ull * 1000000ull)              /* after FIN+FIN or RST: late packets still fit               \
                                      */
#define LIMIT_EXPIRY_TICK_US 100000u /* timeouts are seconds: look ten times a second */

/* TCP reassembly. */
#define LIMIT_REASM_HELD_PER_DIR (256u * 1024u) /* out-of-order bytes held per direction */
#define LIMIT_REASM_HELD_SEGS_PER_DIR 1024u
#define LIMIT_REASM_HELD_TOTAL (32u * 1024u * 1024u) /* all flows together */
#define LIMIT_REASM_WINDOW (16u * 1024u * 1024u)     /* farther ahead than this is not held */
#define LIMIT_REASM_WAIT_PACKETS 64u /* packets a hole may stay open before it is a gap */
#define LIMIT_REASM_TAIL 64u         /* bytes delivered kept for overlap checks */

/* IP fragments. */
#define LIMIT_FRAG_BYTES_TOTAL (16u * 1024u * 1024u)
#define LIMIT_FRAG_DATAGRAMS 4096u
#define LIMIT_FRAG_TIMEOUT_US (30ull * 1000000ull)
#define LIMIT_IP_NESTING 4u /* tunnels: IP in IP, VLAN stacks */
#define LIMIT_VLAN_TAGS 8u
#define LIMIT_IP6_EXT_HEADERS 16u

/* nDPI. */
#define LIMIT_NDPI_PACKETS 12u  /* packets with payload nDPI sees per flow at most */
#define LIMIT_NDPI_PROTOCOL 32u /* protocol name, with its NUL */
#define LIMIT_NDPI_RISKS 200u   /* risk names joined by "; ", with the NUL (may be cut) */

/* SMTP. */
#define LIMIT_SMTP_LINE 512u         /* bytes kept of a line (RFC 5321 4.5.3.1); the rest skipped */
#define LIMIT_SMTP_PENDING_CMDS 128u /* pipelined commands awaiting a reply */
#define LIMIT_SMTP_HOSTNAME 255u
#define LIMIT_SMTP_REPLY_TEXT 120u
#define LIMIT_SMTP_VERBS 24u         /* distinct cleartext verbs kept per session */
#define LIMIT_SMTP_CAPS 24u          /* EHLO keywords kept per session */
#define LIMIT_SMTP_CAP_NAME 24u      /* one EHLO keyword, with its NUL */
#define LIMIT_SMTP_WORD 64u          /* greeting host, AUTH mechanisms offered, with the NUL */
#define LIMIT_SMTP_AUTH_MECH 24u     /* the mechanism the client asked for, with the NUL */
#define LIMIT_STARTTLS_ATTEMPTS 8u   /* STARTTLS replies kept per session */
#define LIMIT_DOMAIN 255u            /* an envelope domain kept (RFC 5321 4.5.3.1.2) */
#define LIMIT_RCPT_DOMAIN_BYTES 512u /* distinct recipient domains of a session, packed */

/* TLS. */
#define LIMIT_TLS_RECORD (16384u + 2048u)        /* RFC 8446 5.2 ciphertext limit */
#define LIMIT_TLS_HS_MSG (64u * 1024u)           /* one handshake message, collected */
#define LIMIT_TLS_HS_TOTAL (32u * 1024u * 1024u) /* all connections' handshake buffers */
#define LIMIT_TLS_SNI 255u
#define LIMIT_TLS_SUITES_KEPT 64u /* offered suites kept in the record */
#define LIMIT_TLS_VERSIONS_KEPT 8u
#define LIMIT_TLS_GROUPS_KEPT 16u
#define LIMIT_TLS_ALPN 64u /* offered protocols, comma separated, with the NUL */
#define LIMIT_TLS_EXTENSIONS 128u

/* Certificates. */
#define LIMIT_X509_NAME 160u    /* subject and issuer in RFC 2253, with the NUL (cut to fit) */
#define LIMIT_X509_KEY_TYPE 12u /* "RSA", "EC", "Ed25519"..., with the NUL */
#define LIMIT_X509_CACHE_SLOTS 256u
#define LIMIT_X509_CACHE_DER (16u * 1024u) /* larger certificates are parsed every time */

/* Report. */
#define LIMIT_SERVERS 65536u        /* server rows; the rest share one "other" row */
#define LIMIT_SERVER_CIPHERS 6u     /* ciphers listed per server */
#define LIMIT_SERVER_CHUNK 1024u    /* server rows allocated together */
#define LIMIT_FALLBACK_PAIRS 65536u /* client-server pairs remembered for the fallback finding */
#define LIMIT_REPORT_VERSIONS 64u   /* distinct negotiated versions counted */
#define LIMIT_REPORT_SSLV2 32u      /* distinct SSLv2 cipher kinds counted */
#define LIMIT_REPORT_EXAMPLES 3u    /* example sessions per finding */
#define LIMIT_REPORT_ROWS 50u       /* servers, clients, domains listed, in the text and the JSON */
#define LIMIT_HOME_NETS 64u         /* --home-net prefixes */
#define LIMIT_SENSOR_NAME 64u       /* --sensor, bytes */
#define LIMIT_PEERS 16384u          /* server rows, client rows; the rest share one "other" row */
#define LIMIT_PEER_CHUNK 1024u      /* peer and domain rows allocated together */
#define LIMIT_PEER_NAME 256u        /* a peer's name with its NUL: a HELO name fits */
#define LIMIT_PEER_ADDRS 8u         /* addresses kept per peer */
#define LIMIT_DOMAINS 16384u        /* domain rows; the rest share one "other" row */
#define LIMIT_TIMELINE_AUTO 48u     /* bins of the timeline whose bin is chosen from the span */
#define LIMIT_TIMELINE_BINS 4096u   /* bins with --bin: past it the bin doubles */
#define LIMIT_BIN_S_MAX (366u * 86400u) /* --bin: a year */

/* --from-sessions (app/fold.c, app/filter.c). */
#define LIMIT_FILTER_VALUES 64u /* --sensor, --server values of a fold */
#define LIMIT_FOLD_TOLD 10u     /* bad records told one per line; the rest counted */
#define LIMIT_FOLD_SENSORS 8u   /* sensors named in a fold's summary; the rest "+N more" */
#define LIMIT_PROGRESS_MS 250u  /* the progress line is redrawn at most this often */

/* Text report. */
#define LIMIT_TEXT_WIDTH 100u      /* columns, unless $COLUMNS on a terminal says otherwise */
#define LIMIT_TEXT_WIDTH_MIN 80u   /* $COLUMNS below it is read as this */
#define LIMIT_TEXT_WIDTH_MAX 1000u /* and above it as this */

/* Numbers while it runs (app/stats.h, app/metrics.h). */
#define LIMIT_STATS_INTERVAL_S_DEFAULT 60u /* --stats-interval */
#define LIMIT_STATS_INTERVAL_S_MAX 86400u  /* a day */
#define LIMIT_STATS_LINE (64u << 10)       /* one --stats line; about 1.5 KB is used */
/* Series of smtptls_cipher_sessions_total with a cipher and version of their
 * own: the first pairs seen keep theirs, later ones share cipher="other" (a
 * counter cannot move to another series without seeming to reset). */
#define LIMIT_METRICS_CIPHER_SERIES 32u

/* HTML report (report/htmlb.h): the whole page, built in memory and written
 * with one call. The tables list LIMIT_REPORT_ROWS rows and the timeline at
 * most LIMIT_TIMELINE_BINS bins, about 2 KB each: a few MB at most. */
#define LIMIT_HTML_REPORT (64u << 20)

/* JSON output (report/jsonb.h). */
#define LIMIT_JSON_RECORD (1u << 20)   /* one session record; the largest is ~16 KB (test_json) */
#define LIMIT_JSON_SUMMARY (32u << 20) /* the summary: 65,536 cipher rows fit several times */
#define LIMIT_JSON_DEPTH 8u            /* objects and arrays open at once (the output uses 3) */

#endif
