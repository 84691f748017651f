/* Named anomalies shared by the decoders: counted per session and globally,
 * never fatal (after Suricata's decoder events and Zeek's weirds). */
#ifndef SMTPTLS_ANOMALY_H
#define SMTPTLS_ANOMALY_H

/* NONE is 0: the decoders return 0 for success and an anomaly otherwise. */
#define ANOMALY_LIST(X)                                                                            \
    X(NONE, "none")                                                                                \
    X(LINK_TRUNCATED, "link-truncated")                                                            \
    X(LINK_UNSUPPORTED, "link-unsupported")                                                        \
    X(VLAN_TOO_DEEP, "vlan-too-deep")                                                              \
    X(IP_TRUNCATED, "ip-truncated")                                                                \
    X(IP_BAD_VERSION, "ip-bad-version")                                                            \
    X(IP_BAD_HEADER_LEN, "ip-bad-header-length")                                                   \
    X(IP_BAD_TOTAL_LEN, "ip-bad-total-length")                                                     \
    X(IP_TOO_DEEP, "ip-tunnel-too-deep")                                                           \
    X(IP6_BAD_EXT, "ipv6-bad-extension-header")                                                    \
    X(TCP_TRUNCATED, "tcp-truncated")                                                              \
    X(TCP_BAD_OFFSET, "tcp-bad-data-offset")                                                       \
    X(TCP_BAD_FLAGS, "tcp-bad-flags")                                                              \
    X(SNAPLEN_CUT, "payload-cut-by-snaplen")                                                       \
    X(REASM_GAP, "stream-gap")                                                                     \
    X(REASM_OVERLAP_CONFLICT, "overlap-conflict")                                                  \
    X(REASM_HELD_CAP, "held-bytes-cap")                                                            \
    X(REASM_OUT_OF_WINDOW, "segment-out-of-window")                                                \
    X(SMTP_LINE_TOO_LONG, "smtp-line-too-long")                                                    \
    X(SMTP_BAD_REPLY, "smtp-bad-reply")                                                            \
    X(SMTP_REPLY_WITHOUT_COMMAND, "smtp-reply-without-command")                                    \
    X(SMTP_UNKNOWN_COMMAND, "smtp-unknown-command")                                                \
    X(SMTP_PIPELINE_CAP, "smtp-pipeline-cap")                                                      \
    X(SMTP_CMD_AFTER_STARTTLS, "smtp-command-after-starttls")                                      \
    X(SMTP_REPLY_AFTER_STARTTLS, "smtp-reply-after-starttls")                                      \
    X(SMTP_PLAINTEXT_AFTER_STARTTLS, "smtp-plaintext-after-starttls")                              \
    X(TLS_BAD_RECORD, "tls-bad-record")                                                            \
    X(TLS_RECORD_TOO_LONG, "tls-record-too-long")                                                  \
    X(TLS_BAD_HANDSHAKE, "tls-bad-handshake")                                                      \
    X(TLS_HS_TOO_LONG, "tls-handshake-too-long")                                                   \
    X(TLS_BUFFER_CAP, "tls-handshake-buffers-full")                                                \
    X(TLS_TRAILING_BYTES, "tls-trailing-bytes")                                                    \
    X(TLS_DUP_EXTENSION, "tls-duplicate-extension")                                                \
    X(TLS_BAD_EXTENSION, "tls-bad-extension")                                                      \
    X(TLS_BAD_CERTIFICATE, "tls-bad-certificate")                                                  \
    X(TLS_UNEXPECTED_MESSAGE, "tls-unexpected-message")                                            \
    X(TLS_NOT_TLS, "tls-expected-but-not-tls")

enum anomaly {
#define ANOMALY_ENUM(id, name) ANOMALY_##id,
    ANOMALY_LIST(ANOMALY_ENUM)
#undef ANOMALY_ENUM
        ANOMALY_COUNT
};

const char *anomaly_name(enum anomaly a);

#endif
