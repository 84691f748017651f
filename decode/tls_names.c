/* Names and numbers of IANA's TLS registries. */
#include "tls_names.h"

#include <stdio.h>

bool tls_is_13(uint16_t v)
{
    /* TLS 1.3, its drafts (0x7fNN) and Facebook's fizz drafts (0xfbNN, 0x7eNN) */
    return v == TLS_VERSION_TLS13 || (v >> 8) == 0x7F || (v >> 8) == 0xFB || (v >> 8) == 0x7E;
}

const char *tls_version_name(uint16_t v, char *buf, size_t len)
{
    switch (v) {
    case TLS_VERSION_SSL2:
        return "SSLv2";
    case TLS_VERSION_SSL3:
        return "SSLv3";
    case TLS_VERSION_TLS10:
        return "TLSv1";
    case TLS_VERSION_TLS11:
        return "TLSv1.1";
    case TLS_VERSION_TLS12:
        return "TLSv1.2";
    case TLS_VERSION_TLS13:
        return "TLSv1.3";
    default:
        break;
    }
    if ((v >> 8) == 0x7F) {
        snprintf(buf, len, "TLSv1.3-draft%u", v & 0xFFu);
        return buf;
    }
    if ((v >> 8) == 0xFB || (v >> 8) == 0x7E) { /* Facebook's fizz drafts */
        snprintf(buf, len, "TLSv1.3-fb%u", v & 0xFFu);
        return buf;
    }
    if (v == 0)
        return NULL;
    snprintf(buf, len, "0x%04X", v);
    return buf;
}

const char *tls_alert_name(uint8_t desc)
{
    /* RFC 8446 6 and the IANA TLS Alerts registry. */
    switch (desc) {
    case 0:
        return "close_notify";
    case 10:
        return "unexpected_message";
    case 20:
        return "bad_record_mac";
    case 21:
        return "decryption_failed";
    case 22:
        return "record_overflow";
    case 30:
        return "decompression_failure";
    case 40:
        return "handshake_failure";
    case 41:
        return "no_certificate";
    case 42:
        return "bad_certificate";
    case 43:
        return "unsupported_certificate";
    case 44:
        return "certificate_revoked";
    case 45:
        return "certificate_expired";
    case 46:
        return "certificate_unknown";
    case 47:
        return "illegal_parameter";
    case 48:
        return "unknown_ca";
    case 49:
        return "access_denied";
    case 50:
        return "decode_error";
    case 51:
        return "decrypt_error";
    case 60:
        return "export_restriction";
    case 70:
        return "protocol_version";
    case 71:
        return "insufficient_security";
    case 80:
        return "internal_error";
    case 86:
        return "inappropriate_fallback";
    case 90:
        return "user_canceled";
    case 100:
        return "no_renegotiation";
    case 109:
        return "missing_extension";
    case 110:
        return "unsupported_extension";
    case 111:
        return "certificate_unobtainable";
    case 112:
        return "unrecognized_name";
    case 113:
        return "bad_certificate_status_response";
    case 114:
        return "bad_certificate_hash_value";
    case 115:
        return "unknown_psk_identity";
    case 116:
        return "certificate_required";
    case 120:
        return "no_application_protocol";
    default:
        return "unknown";
    }
}

const char *tls_group_name(uint16_t group, char *buf, size_t len)
{
    switch (group) {
    case 19:
        return "secp192r1";
    case 21:
        return "secp224r1";
    case 23:
        return "secp256r1";
    case 24:
        return "secp384r1";
    case 25:
        return "secp521r1";
    case 26:
        return "brainpoolP256r1";
    case 27:
        return "brainpoolP384r1";
    case 28:
        return "brainpoolP512r1";
    case 29:
        return "x25519";
    case 30:
        return "x448";
    case 256:
        return "ffdhe2048";
    case 257:
        return "ffdhe3072";
    case 258:
        return "ffdhe4096";
    case 259:
        return "ffdhe6144";
    case 260:
        return "ffdhe8192";
    case 0x11EB:
        return "SecP256r1MLKEM768";
    case 0x11EC:
        return "X25519MLKEM768";
    case 0x11ED:
        return "SecP384r1MLKEM1024";
    case 0x6399:
        return "X25519Kyber768Draft00";
    default:
        snprintf(buf, len, "0x%04X", group);
        return buf;
    }
}

bool tls_version_obsolete(uint16_t v)
{
    return v == TLS_VERSION_SSL2 || v == TLS_VERSION_SSL3 || v == TLS_VERSION_TLS10 ||
           v == TLS_VERSION_TLS11;
}
