"""Analyst decisions over the machine's merging, applied on every run.

A decision names incidents by id, but ids are made from mention keys, and a
re-run may regroup the mentions.  So a decision records, when it is made, the
mention keys of every incident it names (``payload["mention_keys"]``:
{incident id: [keys]}; ``attach_mention_keys`` does it), and is resolved through
them on every run:

- merge (incident_id + other_ids): every recorded mention is kept together,
  whatever the signals say;
- split (incident_id; other_ids: the mention keys taken out, none = all): the
  mentions taken out are kept apart from the rest of the incident (with none
  listed, every report is kept apart from every other);
- correct (payload: {field: value in export form}), confirm, reject: applied to
  the incident now holding most of the recorded mentions.

Without recorded keys (a decision made elsewhere) the incident id is resolved
against the incidents as merged so far, else through the mention key the id was
made from.  A decision whose mentions are all gone is ignored.  When two
decisions disagree about a pair of mentions, the later one wins.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, product
from typing import Any

from otkaz.codebook import MENTION_KEYS
from otkaz.merge.reconcile import mention_key_of
from otkaz.model import Count, DateRange, Decision, Incident, Place

STATUS_BY_DECISION = {"confirm": "confirmed", "reject": "rejected"}


class DecisionError(ValueError):
    """A decision that cannot be made; the message is one line naming the incident or mention."""


def _labels(value: Any) -> list[str]:
    return list(value or [])


# How a "correct" payload value becomes an incident field value.
FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "type": str,
    "actors": _labels,
    "count": Count.from_dict,
    "location": Place.from_dict,
    "origin": Place.from_dict,
    "date": DateRange.from_dict,
    "consequences": _labels,
    "cited": _labels,
    "people": _labels,
    "confidence": float,
}

Lookup = Callable[[str], Incident | None]


# --------------------------------------------------------------------------- making decisions


def attach_mention_keys(decision: Decision, lookup: Lookup) -> Decision:
    """A copy of ``decision`` recording the mention keys of each incident it names (for ``lookup``, e.g.
    ``Database.get_incident``), so that it still finds them after a re-run regroups them."""
    names = [decision.incident_id] + (list(decision.other_ids) if decision.kind == "merge" else [])
    recorded: dict[str, list[str]] = {}
    for incident_id in names:
        incident = lookup(incident_id)
        if incident is None:
            raise DecisionError(f"incident {incident_id}: not found")
        recorded[incident_id] = [report.mention.key for report in incident.reports]
    return replace(decision, payload={**decision.payload, MENTION_KEYS: recorded})


def merge_decision(target: Incident, others: Sequence[Incident], user: str, note: str | None = None) -> Decision:
    """"These incidents are one": ``others`` join ``target``."""
    other_ids = list(dict.fromkeys(other.id for other in others))
    if not other_ids:
        raise DecisionError(f"merge {target.id}: name at least one other incident to merge with it")
    if target.id in other_ids:
        raise DecisionError(f"merge {target.id}: an incident cannot be merged with itself")
    decision = Decision("merge", target.id, user, other_ids=other_ids, payload=_note(note))
    by_id = {incident.id: incident for incident in [target, *others]}
    return attach_mention_keys(decision, by_id.get)


def split_decision(incident: Incident, user: str, mention_keys: Sequence[str] = (), note: str | None = None) -> Decision:
    """Take the reports of ``mention_keys`` out of ``incident`` (none given: every report apart)."""
    own = [report.mention.key for report in incident.reports]
    if len(own) < 2:
        raise DecisionError(f"split {incident.id}: it has a single report, nothing to split")
    taken = list(dict.fromkeys(mention_keys))
    stray = [key for key in taken if key not in own]
    if stray:
        raise DecisionError(f"split {incident.id}: mention {stray[0]} is not one of its reports ({', '.join(own)})")
    if len(taken) == len(own):
        taken = []  # taking every report out is splitting it completely
    decision = Decision("split", incident.id, user, other_ids=taken, payload=_note(note))
    return attach_mention_keys(decision, {incident.id: incident}.get)


def _note(note: str | None) -> dict[str, str]:
    return {"note": note} if note else {}


# --------------------------------------------------------------------------- merge and split


@dataclass
class Constraints:
    """Pairs of mentions analysts keep together or apart; the latest decision on a pair wins."""

    pairs: dict[tuple[str, str], tuple[bool, int]] = field(default_factory=dict)  # -> (together, decision number)

    def keep_together(self, keys: Collection[str], number: int) -> None:
        for a, b in combinations(sorted(set(keys)), 2):
            self.pairs[(a, b)] = (True, number)

    def keep_apart(self, left: Collection[str], right: Collection[str], number: int) -> None:
        for a, b in product(set(left), set(right)):
            if a != b:
                self.pairs[_pair(a, b)] = (False, number)

    def together(self) -> list[tuple[str, str]]:
        """The pairs kept together, the latest decision's first."""
        kept = [(number, pair) for pair, (together, number) in self.pairs.items() if together]
        return [pair for _, pair in sorted(kept, key=lambda item: (-item[0], item[1]))]

    def apart(self, a: str, b: str) -> bool:
        found = self.pairs.get(_pair(a, b))
        return found is not None and not found[0]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


# Incidents as merged under some constraints: incident id -> its mention keys.
Current = Callable[[Constraints], Mapping[str, list[str]]]


def constraints_from(decisions: Sequence[Decision], known: Collection[str], current: Current) -> Constraints:
    """The merge and split decisions, in order, as constraints on the ``known`` mention keys."""
    constraints = Constraints()
    for number, decision in enumerate(decisions):
        if decision.kind == "merge":
            names = [decision.incident_id, *decision.other_ids]
            groups = [_keys_of(decision, name, known, constraints, current) for name in names]
            keys = [key for group in groups for key in group]
            if sum(bool(group) for group in groups) > 1:
                constraints.keep_together(keys, number)
        elif decision.kind == "split":
            members = _keys_of(decision, decision.incident_id, known, constraints, current)
            if decision.other_ids:
                taken = [key for key in decision.other_ids if key in known]
                constraints.keep_apart(taken, [key for key in members if key not in taken], number)
            else:
                for a, b in combinations(members, 2):
                    constraints.keep_apart([a], [b], number)
    return constraints


def _keys_of(
    decision: Decision, incident_id: str, known: Collection[str], constraints: Constraints, current: Current
) -> list[str]:
    """The mention keys an incident named by ``decision`` stands for now."""
    recorded = [key for key in recorded_keys(decision).get(incident_id, []) if key in known]
    if recorded:
        return recorded
    incidents = current(constraints)
    if incident_id in incidents:
        return list(incidents[incident_id])
    key = mention_key_of(incident_id)
    return next((list(keys) for keys in incidents.values() if key in keys), [])


def recorded_keys(decision: Decision) -> dict[str, list[str]]:
    recorded = decision.payload.get(MENTION_KEYS)
    return recorded if isinstance(recorded, dict) else {}


# --------------------------------------------------------------------------- reviews


def apply_reviews(incidents: list[Incident], decisions: Sequence[Decision]) -> None:
    """Statuses and corrections, in order, onto the incidents they resolve to; and every decision's reason."""
    by_id = {incident.id: incident for incident in incidents}
    by_key = {report.mention.key: incident for incident in incidents for report in incident.reports}
    for decision in decisions:
        targets = _targets(decision, by_id, by_key)
        if not targets:
            continue  # its mentions are gone
        main = targets[0]
        if decision.kind in STATUS_BY_DECISION:
            main.status = STATUS_BY_DECISION[decision.kind]
        elif decision.kind == "correct":
            for name, value in decision.payload.items():
                parse = FIELD_PARSERS.get(name)  # other keys ("note", "mention_keys") are not fields
                if parse is not None:
                    setattr(main, name, parse(value))
        for incident in targets if decision.kind in ("merge", "split") else [main]:
            incident.merge_reasons.append(_reason(decision))


def _targets(decision: Decision, by_id: dict[str, Incident], by_key: dict[str, Incident]) -> list[Incident]:
    """The incidents a decision is about now, the one it mainly acts on first."""
    keys = [key for key in recorded_keys(decision).get(decision.incident_id, []) if key in by_key]
    if decision.kind == "split":
        keys += [key for key in decision.other_ids if key in by_key]
    if keys:
        held = [by_key[key].id for key in keys]
        # The one holding most of them; on a tie, the one holding the first (sorted is stable).
        return [by_id[i] for i in sorted(dict.fromkeys(held), key=lambda i: -held.count(i))]
    found = by_id.get(decision.incident_id) or by_key.get(mention_key_of(decision.incident_id) or "")
    return [found] if found else []


def _reason(decision: Decision) -> dict[str, Any]:
    reason: dict[str, Any] = {"rule": f"analyst {decision.kind}", "decision": decision.id, "user": decision.user}
    if decision.kind == "correct":
        reason["fields"] = sorted(name for name in decision.payload if name in FIELD_PARSERS)
    if decision.payload.get("note"):
        reason["note"] = str(decision.payload["note"])
    return reason
