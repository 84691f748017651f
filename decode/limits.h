/* Every cap and default of the decoders, in one place (after p0f's config.h).
 * A cap that is hit is counted as an anomaly, never silent. */
#ifndef SMTPTLS_LIMITS_H
#define SMTPTLS_LIMITS_H

/* Flow table. */
/* --max-flows: 40000 flows with sessions and every shared cap full stay
 * within 256 MB (README "Reassembly, gaps and limits"). */
#define LIMIT_FLOWS_DEFAULT 40000u
#define LIMIT_FLOWS_MIN 16u
#define LIMIT_IDLE_TIMEOUT_US_DEFAULT (300ull * 1000000ull) /* --idle-timeout, 5 min */
#define LIMIT_CLOSE_LINGER_US                                                                      \
    (5ull * 1000000ull) /* after FIN+FIN or RST: late packets still fit                            \
                         */

/* TCP reassembly. */
#define LIMIT_REASM_HELD_PER_DIR (256u * 1024u) /* out-of-order bytes held per direction */
#define LIMIT_REASM_HELD_SEGS_PER_DIR 1024u
#define LIMIT_REASM_HELD_TOTAL (32u * 1024u * 1024u) /* all flows together */
#define LIMIT_REASM_WINDOW (16u * 1024u * 1024u)     /* farther ahead than this is not held */
#define LIMIT_REASM_WAIT_PACKETS 64u /* packets a hole may stay open before it is a gap */

/* IP fragments. */
#define LIMIT_FRAG_BYTES_TOTAL (16u * 1024u * 1024u)
#define LIMIT_FRAG_DATAGRAMS 4096u
#define LIMIT_FRAG_TIMEOUT_US (30ull * 1000000ull)
#define LIMIT_IP_NESTING 4u /* tunnels: IP in IP, VLAN stacks */
#define LIMIT_VLAN_TAGS 8u
#define LIMIT_IP6_EXT_HEADERS 16u

/* SMTP. */
#define LIMIT_SMTP_LINE 512u         /* bytes kept of a line (RFC 5321 4.5.3.1); the rest skipped */
#define LIMIT_SMTP_PENDING_CMDS 128u /* pipelined commands awaiting a reply */
#define LIMIT_SMTP_HOSTNAME 255u
#define LIMIT_SMTP_REPLY_TEXT 120u
#define LIMIT_SMTP_VERBS 24u /* distinct cleartext verbs kept per session */
#define LIMIT_SMTP_CAPS 24u  /* EHLO keywords kept per session */

/* TLS. */
#define LIMIT_TLS_RECORD (16384u + 2048u)        /* RFC 8446 5.2 ciphertext limit */
#define LIMIT_TLS_HS_MSG (64u * 1024u)           /* one handshake message, collected */
#define LIMIT_TLS_HS_TOTAL (32u * 1024u * 1024u) /* all connections' handshake buffers */
#define LIMIT_TLS_SNI 255u
#define LIMIT_TLS_SUITES_KEPT 64u /* offered suites kept in the record */
#define LIMIT_TLS_EXTENSIONS 128u

#endif
