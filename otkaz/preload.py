"""The fork server's preload (``otkaz.engines.LocalProcesses``): imported last, after the package
of each language whose documents are to be parsed, before the server forks any worker.

It loads the models of those languages (and whatever the extractor builds on first use: the
gazetteer, the sentence models, the languages' data) by extracting a tiny text in each, so
that the workers forked from this process share those pages copy-on-write. Then it freezes
the garbage collector's generations: a collection in a worker would otherwise write to the
header of every object it scans, and so copy the pages of every object it inherited.
"""
from __future__ import annotations

import gc
import sys

from otkaz.lang import LANGUAGES

# The languages whose models this process loads: those whose package was imported before this
# module (read before importing anything that could import one).
LOADED = tuple(lang for lang, spec in LANGUAGES.items() if spec.split(":")[0] in sys.modules)

from otkaz.engines import extract_batch  # noqa: E402
from otkaz.model import Document  # noqa: E402
from otkaz.preload_start import outlive_the_parent  # noqa: E402

# Any text loads a language's models: a date, which its readers look at, and no incident.
extract_batch([Document(id=f"preload:{lang}", text="24.02.2022", lang=lang) for lang in LOADED])
gc.freeze()
outlive_the_parent()  # loaded: from now on the workers watch the parent (otkaz.preload_start)
