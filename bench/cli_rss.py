"""``python -m bench.cli_rss ARGS...``: run ``bot.cli.main(ARGS)``, then print this process's
peak RSS (VmHWM, KiB) to stderr as ``VmHWM <kb>``.

VmHWM is read from /proc because a child's ru_maxrss on Linux also counts the parent's
memory at fork time, so wait4()/RUSAGE_CHILDREN would report the benchmark's own size.
"""

from __future__ import annotations

import sys

from bench.rss_driver import _status_kb
from bot.cli import main

if __name__ == "__main__":
    code = main(sys.argv[1:])
    print(f"VmHWM {_status_kb('VmHWM')}", file=sys.stderr)
    raise SystemExit(code)
