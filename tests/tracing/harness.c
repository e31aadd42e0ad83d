/* The LTTng fixture is compiled into tests/support (lttng.c, linked
 * through support_dep).  This file stays, empty, for build files that
 * still list ../tracing/harness.c; it can go once none does. */
typedef int waitcap_lttng_fixture_moved_to_support;
