#include "tls_names.h"

#include <stdio.h>

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
