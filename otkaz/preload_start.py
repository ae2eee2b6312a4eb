"""The fork server's first import (``otkaz.engines.LocalProcesses``), before the models load:
from here on it ignores SIGINT, as Python's fork server itself does once it has loaded them.
Ctrl-C goes to the whole process group; the parent decides what an interrupt stops, and ends
the server and its workers itself (a server stopped halfway through loading a model would
only print a traceback). The workers it forks inherit this, and ignore SIGINT too.

And while it loads the models, the server dies with its parent (on Linux): a parent killed
(SIGKILL, the OOM killer) stops nothing itself, and the server would otherwise load them all
before it noticed. Once loaded (``otkaz.preload`` calls ``outlive_the_parent``), Python's fork
server ends by itself when the parent and every worker have (each worker ends with the
parent: ``otkaz.engines._exit_with_parent``).
"""
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _signal_on_the_parents_death(signal_number: int) -> None:
    # The parent is the thread that started this process: here the one asking for the first
    # worker, which waits for it until the models are loaded, so it outlives the loading. A
    # prctl refused (a seccomp filter) leaves the server as Python makes it: ending once loaded.
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal_number, 0, 0, 0)


def outlive_the_parent() -> None:
    """Cancel the death with the parent, before the server forks workers: a thread that started
    it may end while the engine runs."""
    _signal_on_the_parents_death(0)


signal.signal(signal.SIGINT, signal.SIG_IGN)
_signal_on_the_parents_death(signal.SIGKILL)
# A parent that died before the line above sent no signal, and this process has another by now.
_parent = os.environ.get("OTKAZ_FORK_SERVER_PARENT")  # otkaz.engines.FORK_SERVER_PARENT
if _parent is not None and int(_parent) != os.getppid():
    os._exit(1)
