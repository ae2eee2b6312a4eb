"""The fork server's first import (``otkaz.engines.LocalProcesses``), before the models load:
from here on it ignores SIGINT, as Python's fork server itself does once it has loaded them.
Ctrl-C goes to the whole process group; the parent decides what an interrupt stops, and ends
the server and its workers itself (a server stopped halfway through loading a model would
only print a traceback). The workers it forks inherit this, and ignore SIGINT too.
"""
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
