#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct module {
	bool tried;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr first_load;   /* p_vaddr of the first PT_LOAD: LTTng's baddr */
	char problem[256];      /* why this binary could not be used */
};

struct wc_symbolizer {
	const struct wc_binaries *bins;
	char *debuginfo_path;
	Dwfl_Callbacks callbacks;
	struct module *modules;  /* by binary id - 1 */
	size_t nmodules;
	struct wc_table cache;   /* struct wc_frame -> struct wc_sym * */
	struct wc_sym unknown;
};

struct wc_symbolizer *wc_symbolizer_new(const struct wc_binaries *bins, const char *debug_dirs)
{
	struct wc_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bins = bins;
	s->nmodules = bins->count;
	s->modules = calloc(s->nmodules + 1, sizeof(*s->modules));
	/* elfutils' search path: each absolute entry is a debug root
	 * (ROOT/.build-id/xx/yyyy.debug, ROOT/<path>/<debuglink>); the
	 * relative ".debug" and "" look next to the binary. */
	if (asprintf(&s->debuginfo_path, "%s%s:.debug:/usr/lib/debug",
		     debug_dirs ? debug_dirs : "", debug_dirs ? ":" : "") < 0)
		s->debuginfo_path = NULL;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	s->unknown.function = "?";
	s->unknown.file = "";
	s->unknown.binary = "?";
	if (!s->modules || !s->debuginfo_path) {
		wc_symbolizer_free(s);
		return NULL;
	}
	return s;
}

static bool same_build_id(Dwfl_Module *mod, const struct wc_binary *b)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);
	return len > 0 && (size_t)len == b->build_id_len && memcmp(bits, b->build_id, len) == 0;
}

static Dwfl_Module *report(struct wc_symbolizer *s, struct module *m, const struct wc_binary *b,
			   const char *file)
{
	if (m->dwfl)
		dwfl_end(m->dwfl);
	m->dwfl = dwfl_begin(&s->callbacks);
	if (!m->dwfl)
		return NULL;
	dwfl_report_begin(m->dwfl);
	/* Placed at its link-time addresses: offsets from LTTng's baddr then
	 * only need the first PT_LOAD's p_vaddr added. */
	Dwfl_Module *mod = dwfl_report_elf(m->dwfl, b->name, file, -1, 0, true);
	dwfl_report_end(m->dwfl, NULL, NULL);
	return mod;
}

/* The binary on disk, or when it changed since the trace was taken, a copy
 * with the recorded build id from the debug directories. */
static void open_module(struct wc_symbolizer *s, struct module *m, const struct wc_binary *b)
{
	m->tried = true;
	if (b->path[0] == '[') {
		snprintf(m->problem, sizeof(m->problem), "%s is not a file", b->path);
		return;
	}
	Dwfl_Module *mod = access(b->path, R_OK) == 0 ? report(s, m, b, b->path) : NULL;
	if (mod && b->build_id_len && !same_build_id(mod, b)) {
		/* Rebuilt since: look for the recorded build in the debug roots. */
		char hex[129];
		for (size_t i = 0; i < b->build_id_len; i++)
			sprintf(hex + 2 * i, "%02x", b->build_id[i]);
		mod = NULL;
		char *dirs = strdup(s->debuginfo_path), *save = NULL;
		for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !mod; d = strtok_r(NULL, ":", &save)) {
			if (d[0] != '/')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", d, hex, hex + 2);
			if (access(path, R_OK) == 0 && (mod = report(s, m, b, path)) && !same_build_id(mod, b))
				mod = NULL;
		}
		free(dirs);
		if (!mod)
			snprintf(m->problem, sizeof(m->problem),
				 "%s changed since the trace was recorded (build id differs); "
				 "its call sites are left unnamed", b->path);
	} else if (!mod) {
		snprintf(m->problem, sizeof(m->problem), "%s: cannot open (%s)", b->path,
			 dwfl_errmsg(-1));
	}
	if (!mod)
		return;
	m->mod = mod;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t n = 0;
	if (elf && elf_getphdrnum(elf, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
				m->first_load = ph.p_vaddr;
				break;
			}
		}
	}
}

/* The name of the innermost function (inlined or not) containing addr,
 * from DWARF; NULL without debug information. */
static const char *scope_name(Dwfl_Module *mod, GElf_Addr addr)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	if (!cu)
		return NULL;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, addr - bias, &scopes);
	const char *name = NULL;
	for (int i = 0; i < n && !name; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			Dwarf_Attribute attr;
			name = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &attr));
		}
	}
	free(scopes);
	return name;
}

static struct wc_sym *lookup(struct wc_symbolizer *s, const struct wc_frame *f)
{
	struct wc_sym *sym = calloc(1, sizeof(*sym));
	if (!sym)
		return NULL;
	const struct wc_binary *b = wc_binaries_get(s->bins, (uint32_t)f->binary);
	struct module *m = b ? &s->modules[b->id - 1] : NULL;
	if (m && !m->tried)
		open_module(s, m, b);
	sym->binary = b ? b->path : "?";
	const char *name = NULL, *file = NULL;
	int line = 0;
	if (m && m->mod) {
		GElf_Addr bias;
		dwfl_module_getelf(m->mod, &bias);
		GElf_Addr addr = m->first_load + f->offset - 1 + bias;
		Dwfl_Line *l = dwfl_module_getsrc(m->mod, addr);
		if (l)
			file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
		name = scope_name(m->mod, addr);
		if (!name)
			name = dwfl_module_addrname(m->mod, addr);
	}
	char buf[64];
	if (!name) {
		snprintf(buf, sizeof(buf), "%s+0x%llx", b ? b->name : "?",
			 (unsigned long long)f->offset);
		name = buf;
	}
	sym->function = strdup(name);
	sym->file = strdup(file ? file : "");
	sym->line = file ? line : 0;
	if (!sym->function || !sym->file) {
		free(sym->function);
		free(sym->file);
		free(sym);
		return NULL;
	}
	return sym;
}

const struct wc_sym *wc_symbolize(struct wc_symbolizer *s, const struct wc_frame *frame)
{
	struct wc_table_entry *e = wc_table_upsert(&s->cache, frame, sizeof(*frame));
	if (!e)
		return &s->unknown;
	if (!e->value)
		e->value = lookup(s, frame);
	return e->value ? e->value : &s->unknown;
}

void wc_symbolizer_warn(struct wc_symbolizer *s, void (*warn)(const char *line))
{
	for (size_t i = 0; i < s->nmodules; i++)
		if (s->modules[i].tried && !s->modules[i].mod && s->modules[i].problem[0] &&
		    s->bins->list[i]->role == WC_BINARY_CODE)
			warn(s->modules[i].problem);
}

void wc_symbolizer_free(struct wc_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->modules && i < s->nmodules; i++)
		if (s->modules[i].dwfl)
			dwfl_end(s->modules[i].dwfl);
	WC_TABLE_FOREACH(&s->cache, e) {
		struct wc_sym *sym = e->value;
		if (sym) {
			free(sym->function);
			free(sym->file);
			free(sym);
		}
	}
	wc_table_free(&s->cache);
	free(s->modules);
	free(s->debuginfo_path);
	free(s);
}
