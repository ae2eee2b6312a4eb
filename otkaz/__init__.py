"""otkaz: news reports of refusal to fight, desertion and draft evasion -> an incident dataset."""

__version__ = "0.1.0"
