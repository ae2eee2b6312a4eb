"""A process started by otkaz through multiprocessing ends with the process that started it,
however that one ended: a local worker of ``otkaz run`` (``otkaz.engines``), a web worker of
``otkaz serve --workers N`` (``otkaz.web.serving``).

A parent killed outright (SIGKILL: ``kill -9``, the OOM killer, a container stopped hard) stops
nothing itself: its workers would go on (waiting for tasks, or serving on a port the next server
shares through SO_REUSEPORT), and keep the fork server and the resource tracker alive with them.
multiprocessing gives a process it forked through the fork server or spawned a sentinel of the
process that asked for it (the end of a pipe whose other end only that process holds; a handle on
Windows), ready once that process has ended, however it ended; a daemon thread waits on it.
Unlike prctl(PR_SET_PDEATHSIG), it is portable, and it watches the process that asked for the
worker, not the fork server the worker was forked from.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import threading
from collections.abc import Callable


def when_the_parent_ends(action: Callable[[], object]) -> None:
    """Call ``action`` (in a daemon thread) as soon as the process that started this one has
    ended; nothing in a process that multiprocessing did not start."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait_for_the_parent() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        action()

    threading.Thread(target=wait_for_the_parent, name="otkaz-exit-with-parent", daemon=True).start()
