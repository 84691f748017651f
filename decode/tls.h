/* TLS record and handshake decoder for one connection, both directions, fed
 * from byte 0 of TLS. Frames records (5-byte header, SSLv2 2/3-byte headers
 * for a first hello), collects handshake messages across records under a cap,
 * parses the hellos with the cursor, and emits events. Record bodies other
 * than plaintext handshake and alert are skipped, never copied. */
#ifndef SMTPTLS_TLS_H
#define SMTPTLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "cursor.h"
#include "side.h"
#include "tls_names.h"

#define TLS_CT_CHANGE_CIPHER_SPEC 20u
#define TLS_CT_ALERT 21u
#define TLS_CT_HANDSHAKE 22u
#define TLS_CT_APPLICATION_DATA 23u
#define TLS_CT_HEARTBEAT 24u

struct tls_client_hello {
    uint16_t legacy_version;
    bool sslv2_format;        /* an SSLv2-compatible CLIENT-HELLO */
    struct cur suites;        /* 2-byte ids (3-byte for SSLv2 format) */
    struct cur versions;      /* supported_versions list, empty if absent */
    struct cur extensions;    /* the whole extensions block, in order (for JA3) */
    struct cur groups;        /* supported_groups list (2-byte ids) */
    struct cur point_formats; /* ec_point_formats list (1-byte ids) */
    struct cur alpn;          /* ALPN protocol_name_list (8-bit length-prefixed names) */
    const uint8_t *sni;       /* host_name, NULL if absent */
    size_t sni_len;
};

struct tls_server_hello {
    uint16_t legacy_version;
    uint16_t version; /* negotiated: supported_versions if present, else legacy */
    uint16_t cipher;
    uint32_t sslv2_cipher; /* SSLv2 SERVER-HELLO: first cipher kind */
    bool hrr;              /* HelloRetryRequest */
    bool sslv2;
    struct cur extensions;    /* the whole extensions block, in order (for JA3S) */
    uint16_t key_share_group; /* TLS 1.3 key_share (or the HRR's selected group); 0 none */
};

/* The server's Certificate message (TLS 1.2 and older show it in clear). */
struct tls_certificate {
    struct cur leaf; /* DER of the first certificate; empty if none */
    unsigned count;  /* certificates in the chain */
};

/* What a TLS 1.2 ServerKeyExchange says about the key exchange. */
struct tls_server_kx {
    uint16_t group;   /* named curve (ECDHE), 0 otherwise */
    uint16_t dh_bits; /* size of the DH prime (DHE), 0 otherwise */
};

struct tls_events {
    void (*client_hello)(void *ctx, const struct tls_client_hello *ch);
    void (*server_hello)(void *ctx, const struct tls_server_hello *sh);
    void (*alert)(void *ctx, int side, uint8_t level, uint8_t desc);
    /* Every record: type, and whether its body is encrypted (after the sender's
     * ChangeCipherSpec, or application data). */
    void (*record)(void *ctx, int side, uint8_t type, bool encrypted, uint32_t len);
    void (*anomaly)(void *ctx, int side, enum anomaly a);
    /* Optional (may be NULL). */
    void (*certificate)(void *ctx, const struct tls_certificate *c);
    void (*server_kx)(void *ctx, const struct tls_server_kx *kx);
    /* Under a NULL-encryption suite (tls_set_null_cipher): application data
     * as it crossed the wire, the MAC removed. */
    void (*clear_app_data)(void *ctx, int side, const uint8_t *p, size_t n);
};

struct tls_dir {
    uint8_t hdr[5];
    uint8_t hdr_len, hdr_need;
    uint8_t type;       /* of the record being read */
    bool rec_encrypted; /* that record's body, decided at its header */
    uint32_t left;      /* body bytes of that record still to come */
    uint8_t *hs;        /* handshake bytes collected, allocated on demand */
    uint32_t hs_len, hs_cap;
    uint32_t hs_skip; /* bytes of an over-long handshake message to drop */
    uint8_t alert[2];
    uint8_t alert_len;
    bool started, sslv2, ccs, failed;
    bool resync;      /* after a gap: looking for a record header to trust */
    bool skip_record; /* a gap cut into this record: skip the rest of it */
    bool v2_hello;    /* collecting an SSLv2 hello record in hs */
    bool hs_lost;     /* a gap took handshake bytes: message framing is gone */
};

/* Handshake bytes buffered by all connections together, under one cap. */
struct tls_budget {
    uint64_t used, limit, refused;
};

struct tls {
    struct tls_dir d[2];
    uint16_t version;          /* from the ServerHello, 0 until seen */
    struct tls_budget *budget; /* NULL: only the per-message cap applies */
    uint8_t null_mac_len;      /* a NULL-encryption suite: application data is clear */
    bool server_hello_done;    /* a ServerHello (not a retry request) was read */
};

void tls_init(struct tls *t);
/* Share a budget with other connections (optional). */
void tls_set_budget(struct tls *t, struct tls_budget *b);
/* Release buffers; the decoder may go on (it allocates again when needed). */
void tls_free(struct tls *t);
/* Feed bytes of one direction; all are consumed. After a bad record header
 * the direction stops (tls_failed) and later bytes are ignored. */
void tls_feed(struct tls *t, int side, const uint8_t *p, size_t n, const struct tls_events *ev,
              void *ctx);
/* n bytes were lost. Within a record body the framing holds; otherwise the
 * direction resumes at the next record header it can trust: one followed by
 * another plausible header, or ending exactly where the bytes end, or
 * starting them. */
void tls_gap(struct tls *t, int side, uint64_t n);
bool tls_failed(const struct tls *t, int side);

/* The MAC length of a TLS 1.2-and-older suite that encrypts nothing
 * (NULL encryption, IANA TLS Cipher Suites registry), 0 for any other. */
unsigned tls_null_cipher_mac_len(uint16_t cipher);
/* From now on, pass application data to clear_app_data (mac_len from above). */
void tls_set_null_cipher(struct tls *t, unsigned mac_len);
/* The one judgement of whether bytes start a TLS record: what the first n
 * bytes say (tls.c has the rules). Everyone who must tell TLS from other
 * bytes asks this: the session deciding what a side speaks, SMTP handing over
 * after STARTTLS, the record reader, the resynchronisation after a gap. */
enum tls_look {
    TLS_LOOK_NO,    /* not a TLS record */
    TLS_LOOK_MAYBE, /* the bytes so far agree; too few to tell */
    TLS_LOOK_YES,
};
struct tls_header {
    uint8_t type; /* content type; 0 for SSLv2 */
    uint8_t size; /* header bytes: 5, or 2 for SSLv2 */
    bool sslv2;   /* an SSLv2 record */
    bool hello;   /* a handshake record, or an SSLv2 CLIENT- or SERVER-HELLO */
    uint32_t len; /* body length, once the bytes hold it */
};
enum tls_look tls_header_check(const uint8_t *p, size_t n, struct tls_header *h);

#endif
