/* waitcap explain: what the library would decide in this environment —
 * which file, which profile and why, the legacy flags, the caps — and, for
 * one destination, which rule matches and the caps it gets.  It runs the
 * library's own policy code, so what it says is what the library does. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "match.h"
#include "tools.h"

static void usage(FILE *out)
{
	fputs("usage: waitcap explain [--dest ADDR:PORT|NAME:PORT] [--config FILE] [--profile NAME]\n"
	      "\n"
	      "Show what libwaitcap.so would do in this environment: which profile file\n"
	      "(and why), which profile (and why), the legacy flags, the caps; with\n"
	      "--dest, which rule matches that destination and the caps it gets.\n"
	      "\n"
	      "  -d, --dest ADDR:PORT  a destination: 127.0.0.1:8000, [::1]:443, or\n"
	      "                        NAME:PORT (db.internal:5432), resolved with getaddrinfo\n"
	      "                        as the program would: each address with its rule\n"
	      "  -c, --config FILE     profile file (as WAITCAP_CONFIG=FILE)\n"
	      "  -p, --profile NAME    profile (as WAITCAP_PROFILE=NAME)\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Selection: WAITCAP_PROFILE, LOCAL_DEVELOPMENT=true, ENVIRONMENT (through\n"
	      "the file's \"environments\"), the file's \"default\".\n"
	      "Exit status: 0, 1 when the policy fails (the library would run uncapped),\n"
	      "2 usage error.\n",
	      out);
}

/* The process environment, with --config and --profile on top. */
static const char *opt_config, *opt_profile;

static const char *explain_getenv(const char *name)
{
	if (opt_config && strcmp(name, "WAITCAP_CONFIG") == 0)
		return opt_config;
	if (opt_profile && strcmp(name, "WAITCAP_PROFILE") == 0)
		return opt_profile;
	return getenv(name);
}

/* Split "HOST:PORT" / "[V6]:PORT" into host (size bytes) and port. */
static int split_dest(const char *text, char *host, size_t size, long *port_out)
{
	const char *colon;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= size)
			return -1;
		snprintf(host, size, "%.*s", (int)(close - text - 1), text + 1);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || colon == text || (size_t)(colon - text) >= size)
			return -1;
		snprintf(host, size, "%.*s", (int)(colon - text), text);
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == 0 || *end || port < 0 || port > 65535)
		return -1;
	*port_out = port;
	return 0;
}

/* A numeric host: its one address.  -1 when host is not an address. */
static int parse_addr(const char *host, long port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof *in;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof *in6;
	} else {
		return -1;
	}
	return 0;
}

static void why_file(const char *path)
{
	if (!path)
		printf("file:     %s (no WAITCAP_CONFIG, no %s)\n", WC_EMBEDDED_NAME,
		       wc_system_file(explain_getenv, false));
	else if (opt_config)
		printf("file:     %s (--config)\n", path);
	else if (strcmp(path, wc_system_file(explain_getenv, false)) == 0 && !getenv("WAITCAP_CONFIG"))
		printf("file:     %s (present, no WAITCAP_CONFIG)\n", path);
	else
		printf("file:     %s (WAITCAP_CONFIG)\n", path);
}

static void print_caps(const char *label, const struct wc_caps *caps)
{
	printf("%s", label);
	for (int op = 0; op < WC_CAP_OPS; op++) {
		char v[32];
		wc_format_ms(caps->ms[op], v, sizeof v);
		printf("%s%s %s", op ? ", " : "", wc_op_name(op), v);
	}
	printf("\n");
}

/* What the resolve cap sets, as the library computes it at start: the
 * RES_OPTIONS value, after the options RES_OPTIONS and /etc/resolv.conf
 * already give (those win). */
static void print_resolve(const struct wc_policy *policy)
{
	int32_t cap = policy->legacy ? WC_NO_CAP : policy->caps.ms[WC_OP_RESOLVE];
	if (cap == WC_NO_CAP) {
		printf("resolve:  no cap: the resolver's own options (%s, RES_OPTIONS)\n",
		       _PATH_RESCONF);
		return;
	}
	static char conf[16384];
	size_t n = 0;
	FILE *f = fopen(_PATH_RESCONF, "r");
	if (f) {
		n = fread(conf, 1, sizeof conf - 1, f);
		fclose(f);
	}
	conf[n] = 0;
	const char *env = explain_getenv("RES_OPTIONS");
	char value[512], v[32];
	int timeout_s, attempts;
	wc_resolver_knobs(cap, &timeout_s, &attempts);
	wc_format_ms(cap, v, sizeof v);
	int added = wc_resolver_env(cap, env, conf, value, sizeof value);
	printf("resolve:  %s: timeout:%d attempts:%d (one lookup: %d s per name server)\n", v,
	       timeout_s, attempts, timeout_s * attempts);
	if (!added)
		printf("          sets nothing: RES_OPTIONS or %s already give timeout and attempts\n",
		       _PATH_RESCONF);
	else
		printf("          sets RES_OPTIONS=\"%s\"%s\n", value,
		       added == (WC_RESOLVER_SET_TIMEOUT | WC_RESOLVER_SET_ATTEMPTS)
			       ? ""
			       : added & WC_RESOLVER_SET_TIMEOUT ? " (attempts: theirs)" : " (timeout: theirs)");
	if (wc_resolver_has_option(env, conf, "use-vc"))
		printf("          over TCP (use-vc): a lookup still waiting at %s is ended by the library\n", v);
}

/* Where each of the destination's caps comes from; name: the host name
 * the address was resolved from (NULL: given as an address). */
static void print_dest(const struct wc_policy *policy, const struct wc_config *cfg,
		       const char *name, const struct sockaddr_storage *ss, socklen_t len)
{
	struct wc_caps caps;
	int rule;
	wc_policy_caps_for_dest(policy, (const struct sockaddr *)ss, len, name, &caps, &rule);
	char addr[INET6_ADDRSTRLEN] = "?";
	int port;
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, addr, sizeof addr);
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
		printf("\ndest:     %s%s%s:%d%s\n", name ? name : "", name ? " (" : "", addr, port,
		       name ? ")" : "");
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, addr, sizeof addr);
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
		printf("\ndest:     %s%s[%s]:%d%s\n", name ? name : "", name ? " (" : "", addr, port,
		       name ? ")" : "");
	}
	if (name)
		printf("name:     %s (resolved with getaddrinfo: rules by name and by host apply)\n",
		       name);
	if (rule < 0) {
		printf("rule:     none matches; the profile's caps apply\n");
	} else {
		char m[WC_HOSTNAME_MAX + 64];
		wc_match_format(&policy->rules[rule].match, m, sizeof m);
		printf("rule:     %s (%s)\n", policy->rules[rule].name, m);
	}
	int prof = wc_config_find_profile(cfg, policy->profile);
	const int32_t *file_caps = cfg->profiles[prof < 0 ? 0 : prof].caps;
	printf("applied: ");
	for (int op = 0; op < WC_SOCKET_OPS; op++) {
		char v[32];
		const char *from = "profile";
		char src[96];
		wc_format_ms(caps.ms[op], v, sizeof v);
		if (policy->legacy) {
			snprintf(src, sizeof src, "%s", policy->legacy_flag);
			from = src;
		} else if (rule >= 0 && policy->rules[rule].caps.ms[op] != WC_NO_CAP) {
			const struct wc_config_rule *cr = &cfg->rules[rule];
			if (cr->env_applied[op])
				snprintf(src, sizeof src, "rule, %s=%s", cr->env[op], cr->env_value[op]);
			else
				snprintf(src, sizeof src, "rule");
			from = src;
		} else if (policy->caps_overridden && caps.ms[op] != file_caps[op]) {
			from = "WAITCAP_CAPS";
		}
		printf("%s %s %s (%s)", op ? "," : "", wc_op_name(op), v, from);
	}
	printf("\n");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option options[] = {
		{"dest", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},
		{"profile", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *dest = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:p:h", options, NULL)) != -1) {
		switch (c) {
		case 'd': dest = optarg; break;
		case 'c': opt_config = optarg; break;
		case 'p': opt_profile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* The destination's addresses: the one given, or every address
	 * getaddrinfo gives for the name (as a program would see them). */
	enum { MAX_ADDRS = 16 };
	static struct sockaddr_storage ss[MAX_ADDRS];
	socklen_t sslen[MAX_ADDRS];
	int naddrs = 0;
	char host[WC_HOSTNAME_MAX];
	const char *dest_name = NULL;
	long port = 0;
	if (dest) {
		if (split_dest(dest, host, sizeof host, &port) != 0) {
			fprintf(stderr, "waitcap explain: --dest %s: expected ADDR:PORT or NAME:PORT "
				"(127.0.0.1:8000, [::1]:443, db.internal:5432)\n", dest);
			return 2;
		}
		if (parse_addr(host, port, &ss[0], &sslen[0]) == 0) {
			naddrs = 1;
		} else {
			struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
			int grc = getaddrinfo(host, NULL, &hints, &res);
			if (grc != 0) {
				fprintf(stderr, "waitcap explain: --dest %s: cannot resolve %s: %s\n",
					dest, host, gai_strerror(grc));
				return 1;
			}
			for (ai = res; ai && naddrs < MAX_ADDRS; ai = ai->ai_next) {
				char a[INET6_ADDRSTRLEN];
				const void *bytes = ai->ai_family == AF_INET
					? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
					: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
				if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
				    !inet_ntop(ai->ai_family, bytes, a, sizeof a) ||
				    parse_addr(a, port, &ss[naddrs], &sslen[naddrs]) != 0)
					continue;
				naddrs++;
			}
			freeaddrinfo(res);
			dest_name = host;
		}
	}

	/* The library's steps (wc_policy_load), keeping the model for sources. */
	struct wc_policy *policy = calloc(1, sizeof *policy);
	char err[512];
	if (!policy) {
		fprintf(stderr, "waitcap explain: out of memory\n");
		return 1;
	}
	const char *path = wc_config_pick_path(explain_getenv, false);
	why_file(path);
	struct wc_config *cfg = wc_config_load_default(explain_getenv, false, err, sizeof err);
	int rc = -1;
	if (cfg) {
		rc = wc_policy_from_config(policy, cfg, explain_getenv);
		snprintf(err, sizeof err, "%s", policy->error);
	}
	if (rc != 0) {
		printf("error:    %s\n", err);
		printf("result:   the library would run with no caps at all (tracing on)\n");
		fprintf(stderr, "waitcap explain: %s\n", err);
		wc_config_free(cfg);
		free(policy);
		return 1;
	}

	printf("profile:  %s (%s)\n", policy->profile,
	       opt_profile && policy->reason == WC_REASON_WAITCAP_PROFILE ? "--profile"
									 : policy->reason_text);
	if (policy->legacy)
		printf("legacy:   %s=%s: no cap at all (tracing unchanged)\n", policy->legacy_flag,
		       explain_getenv(policy->legacy_flag));
	else if (cfg->nlegacy) {
		printf("legacy:   off (");
		for (int i = 0; i < cfg->nlegacy; i++)
			printf("%s%s", i ? ", " : "", cfg->legacy_flags[i]);
		printf(" not true)\n");
	} else {
		printf("legacy:   off (the file names no legacy flags)\n");
	}
	if (policy->observe)
		printf("mode:     observe (%s): deadlines tracked and counted (would_cap), nothing cut\n",
		       policy->observe_why);
	else if (!policy->legacy)
		printf("mode:     capping\n");
	print_caps(policy->caps_overridden ? "caps:     (WAITCAP_CAPS) " : "caps:     ", &policy->caps);
	print_resolve(policy);
	char rollback[160];
	wc_rollback_text(&policy->rollback, rollback, sizeof rollback);
	printf("rollback: %s\n", policy->rollback.on ? rollback
						      : "no automatic rollback (waitcap rollback by hand)");
	if (policy->nrules) {
		printf("rules:    %d, first match wins\n", policy->nrules);
		for (int r = 0; r < policy->nrules; r++) {
			char m[WC_HOSTNAME_MAX + 64];
			wc_match_format(&policy->rules[r].match, m, sizeof m);
			printf("  %-22s %-32s", policy->rules[r].name, m);
			for (int op = 0, n = 0; op < WC_CAP_OPS; op++) {
				if (policy->rules[r].caps.ms[op] == WC_NO_CAP)
					continue;
				char v[32];
				wc_format_ms(policy->rules[r].caps.ms[op], v, sizeof v);
				printf("%s %s %s", n++ ? "," : "", wc_op_name(op), v);
			}
			printf("\n");
			if (policy->rules[r].rollback.on) {
				wc_rollback_text(&policy->rules[r].rollback, rollback, sizeof rollback);
				printf("  %-22s rollback: %s\n", "", rollback);
			}
		}
	}
	for (int i = 0; i < naddrs; i++)
		print_dest(policy, cfg, dest_name, &ss[i], sslen[i]);
	wc_config_free(cfg);
	free(policy);
	return 0;
}
