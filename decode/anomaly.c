#include "anomaly.h"

static const char *const anomaly_names[ANOMALY_COUNT] = {
#define ANOMALY_NAME(id, name) [ANOMALY_##id] = name,
    ANOMALY_LIST(ANOMALY_NAME)
#undef ANOMALY_NAME
};

const char *anomaly_name(enum anomaly a)
{
    return (unsigned)a < ANOMALY_COUNT ? anomaly_names[a] : "unknown";
}
