/* The LTTng fixture lives in tests/support/lttng.h (support_dep); this
 * name stays for the tests that include it. */
#include "lttng.h"
