"""What bench/observe.py and bench/stats.py share: bench/run's functions
(the script loaded as a module, `br`), the pingpong contenders' set-up and
their callgrind measure.

Both compare libwaitcap.so builds and settings on `pingpong tcp` (send,
poll, recv on a capped socket) with tracing off and the live counters in a
temporary directory; --small (as bench/run's) runs tiny sizes, to check
that a script still works: its numbers mean nothing."""
import importlib.machinery
import importlib.util
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_bench_run():
    loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


br = _load_bench_run()

SMALL_CG_ITERS = "200,600"


def add_common_args(ap):
    """--build, --base-lib, --cg-iters and --small, the same in every script."""
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--base-lib", help="another libwaitcap.so to compare, run as this one "
                    "(e.g. one built from the commit before the feature measured)")
    ap.add_argument("--cg-iters", default="2000,6000", help="the two callgrind lengths")
    ap.add_argument("--small", action="store_true",
                    help="tiny sizes (seconds), to check the script runs; numbers mean nothing")


def cg_lengths(args):
    text = SMALL_CG_ITERS if args.small else args.cg_iters
    small, large = (int(x) for x in text.split(","))
    return small, large


class Pingpong:
    """The build's pingpong and library, the environments of the contenders
    (bare: the caller's without what waitcap reads; the others add
    WAITCAP_TRACE=0) and a private directory for counters and callgrind
    output, removed by close()."""

    def __init__(self, args, prefix, stats_parent=None):
        build = os.path.abspath(args.build)
        self.program = os.path.join(build, "bench", "pingpong")
        self.lib = os.path.join(build, "src", "preload", "libwaitcap.so")
        self.base_lib = os.path.abspath(args.base_lib) if args.base_lib else None
        self.dir = tempfile.mkdtemp(prefix=prefix, dir=stats_parent)
        os.chmod(self.dir, 0o700)
        self.bare = br.clean_env()
        self.base = dict(self.bare, WAITCAP_TRACE="0")
        self.user = br.User(False)

    def preloaded(self, lib=None, **env):
        """The untraced environment with lib (default: this build's) preloaded."""
        return dict(self.base, LD_PRELOAD=lib or self.lib, **env)

    def callgrind(self, name, env, lengths):
        """(instructions, in libwaitcap.so, clock_gettime calls) per round trip."""
        tag = name.replace(" ", "_")
        r = br.callgrind_per_iteration(
            lambda n: ([self.program, "tcp", str(n)], env), self.user,
            lambda n: os.path.join(self.dir, f"cg-{tag}-{n}.out"), lengths,
            lambda *run: br.bench_value(*run, f"callgrind {name}"))
        return r["instructions"], r["library"], r["clock_calls"]

    def close(self):
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        os.rmdir(self.dir)
