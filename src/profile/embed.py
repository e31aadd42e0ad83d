#!/usr/bin/env python3
"""Turn a file into a C string constant: embed.py IN OUT SYMBOL.

profiles/default.json is compiled into libwaitcap.so this way, so the file
in the repository is the one source of truth for the embedded default."""
import sys

src, dst, sym = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* generated from %s by embed.py; do not edit */\n' % src.split('/')[-1])
    out.write('const char %s[] =\n' % sym)
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        out.write('\t"' + ''.join('\\x%02x' % b for b in chunk) + '"\n')
    out.write(';\n')
    out.write('const unsigned long %s_len = %d;\n' % (sym, len(data)))
