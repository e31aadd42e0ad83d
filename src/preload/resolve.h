/* Name resolution (wrap_resolve.c): the resolve cap, applied through the
 * resolver's own options. */
#ifndef WAITCAP_RESOLVE_H
#define WAITCAP_RESOLVE_H

#include "policy.h"

/* At start, before any lookup: set RES_OPTIONS for the policy's resolve
 * cap (nothing with no cap or a legacy flag). */
void wc_resolve_init(const struct wc_policy *policy);

#endif
