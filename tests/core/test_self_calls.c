/* Inside libwaitcap.so libc is called as libc: through the real_* pointers
 * (src/preload/real.h), never by a plain read(), write(), close() ... that
 * would bind to the library's own wrappers.
 *
 * Read from the built library itself (libelf): a call from inside the
 * library to a function it exports goes through a dynamic relocation
 * against that symbol (exported symbols have default visibility and the
 * library is not linked -Bsymbolic), so any such relocation is a plain
 * call that reaches a wrapper. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

struct library {
	int fd;
	Elf *elf;
};

static struct library open_library(void)
{
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	struct library lib = {.fd = open(lib_path(), O_RDONLY | O_CLOEXEC)};
	cr_assert_geq(lib.fd, 0, "cannot open %s", lib_path());
	lib.elf = elf_begin(lib.fd, ELF_C_READ, NULL);
	cr_assert_not_null(lib.elf, "%s: %s", lib_path(), elf_errmsg(-1));
	return lib;
}

static void close_library(struct library *lib)
{
	elf_end(lib->elf);
	close(lib->fd);
}

struct relocations {
	char self[4096];   /* symbols the library defines, one a line: its own wrappers */
	int libc_calls;    /* relocations against symbols it takes from elsewhere */
	bool symbolic;     /* -Bsymbolic: calls to its own symbols bind directly */
};

static void append_line(char *list, size_t size, const char *name)
{
	size_t used = strlen(list);
	int n = snprintf(list + used, size - used, "%s\n", name);
	cr_assert(n > 0 && (size_t)n < size - used, "list too long");
}

static void dynamic_relocations(struct library *lib, struct relocations *r)
{
	memset(r, 0, sizeof *r);
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(lib->elf, scn))) {
		GElf_Shdr shdr;
		cr_assert_not_null(gelf_getshdr(scn, &shdr));
		Elf_Data *data = elf_getdata(scn, NULL);
		if (shdr.sh_type == SHT_DYNAMIC) {
			for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
				GElf_Dyn dyn;
				cr_assert_not_null(gelf_getdyn(data, (int)i, &dyn));
				if (dyn.d_tag == DT_SYMBOLIC ||
				    (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_SYMBOLIC)))
					r->symbolic = true;
			}
			continue;
		}
		if (shdr.sh_type != SHT_RELA)
			continue;
		Elf_Scn *symscn = elf_getscn(lib->elf, shdr.sh_link);
		GElf_Shdr symshdr;
		cr_assert_not_null(gelf_getshdr(symscn, &symshdr));
		if (symshdr.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *syms = elf_getdata(symscn, NULL);
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Rela rela;
			cr_assert_not_null(gelf_getrela(data, (int)i, &rela));
			size_t index = GELF_R_SYM(rela.r_info);
			if (index == 0)
				continue; /* relative: no symbol */
			GElf_Sym sym;
			cr_assert_not_null(gelf_getsym(syms, (int)index, &sym));
			if (sym.st_shndx == SHN_UNDEF) {
				r->libc_calls++;
				continue;
			}
			if (GELF_ST_TYPE(sym.st_info) == STT_FUNC)
				append_line(r->self, sizeof r->self,
					    elf_strptr(lib->elf, symshdr.sh_link, sym.st_name));
		}
	}
}

Test(self_calls, no_call_inside_the_library_reaches_its_own_wrappers)
{
	struct library lib = open_library();
	struct relocations r;
	dynamic_relocations(&lib, &r);
	close_library(&lib);
	cr_assert(!r.symbolic, "linked -Bsymbolic: calls to exported symbols no longer show "
			       "as relocations, so this test would see none");
	cr_assert_gt(r.libc_calls, 20, "only %d relocations against other libraries' "
				       "symbols: the walk does not see the library's calls",
		     r.libc_calls);
	cr_assert_str_empty(r.self,
			    "libwaitcap.so calls functions it wraps itself; call real_* "
			    "(src/preload/real.h; in src/profile, sys.h) instead:\n%s",
			    r.self);
}
