"""Review: confirm, correct, reject, merge and split incidents, from the pages and the API.

Each action is a ``Decision`` stored over the machine's output (audited by the store);
the incidents it touches are then merged again (incrementally: ``pipeline.merge_all``), and
every later merge applies it too, so a re-run of extraction and merging keeps every decision.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from otkaz.codebook import MAX_LIST_LENGTH, CodebookError, check_correction, check_decision, check_note, shown
from otkaz.merge import (
    DecisionError,
    attach_mention_keys,
    merge_decision,
    split_decision,
)
from otkaz.model import DECISION_KINDS, Decision, Incident
from otkaz.pipeline import merge_all, redact_pending
from otkaz.store import Database
from otkaz.web.access import incident_or_404
from otkaz.web.auth import Principal, check_csrf, requirement
from otkaz.web.corrections import payload_from_form
from otkaz.web.pages import safe_next

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["review"])
Reviewer = Annotated[Principal, Depends(requirement("review"))]
_ID_SEPARATORS = re.compile(r"[\s,;]+")


def decide(request: Request, decision: Decision) -> Decision:
    """Store the decision and re-merge, one decision at a time in this server."""
    db: Database = request.app.state.db
    with request.app.state.decision_lock:
        stored = db.add_decision(decision)
        merge_all(db)
        redact_pending(db)  # a correction may name people: their names leave the public view
    return stored


def _back(form: Any, incident_id: str) -> Response:
    return RedirectResponse(safe_next(form.get("next"), f"/incidents/{incident_id}"), status_code=303)


def _incident(request: Request, principal: Principal, incident_id: str) -> Incident:
    return incident_or_404(request.app.state.db, principal, incident_id)


def _others(db: Database, ids: list[str]) -> list[Incident]:
    ids = list(dict.fromkeys(i for i in ids if i))
    if len(ids) > MAX_LIST_LENGTH:
        raise CodebookError("other_ids", f"{len(ids)} incidents, more than the {MAX_LIST_LENGTH} allowed")
    others = []
    for other_id in ids:
        other = db.get_incident(other_id)
        if other is None:
            raise DecisionError(f"merge: no incident {other_id!r}")
        others.append(other)
    return others


def make_decision(
    db: Database, incident: Incident, user: str, kind: str, payload: dict[str, Any], other_ids: list[str]
) -> Decision:
    """The decision, checked, recording the mention keys it is about (so it survives regrouping).

    ``payload``: the corrected fields (correct) and an optional note; ``other_ids``: the incidents
    joining this one (merge) or the mention keys taken out (split; none: every report apart).
    Every value is checked against the codebook (``CodebookError`` names the field).
    """
    if kind not in DECISION_KINDS:
        raise CodebookError("kind", f"{shown(kind)} is not one of {', '.join(DECISION_KINDS)}")
    if not isinstance(payload, dict):
        raise CodebookError("payload", f"expected an object, got {shown(payload)}")
    note = check_note(payload.get("note"))
    if kind in ("merge", "split"):
        try:
            if kind == "merge":
                decision = merge_decision(incident, _others(db, other_ids), user, note)
            else:
                decision = split_decision(incident, user, other_ids, note)
        except DecisionError as exc:  # about the incidents or mentions named: other_ids
            raise CodebookError("other_ids", str(exc)) from None
    else:
        checked = check_correction(payload) if kind == "correct" else {"note": note} if note else {}
        decision = attach_mention_keys(Decision(kind, incident.id, user, payload=checked), {incident.id: incident}.get)
    return check_decision(decision)


def _form_decision(request: Request, principal: Principal, incident: Incident, kind: str, form: Any) -> Decision:
    """The decision a review form asks for."""
    db: Database = request.app.state.db
    note = {"note": form.get("note")}
    if kind == "correct":
        payload = payload_from_form(form, incident, request.app.state.place_lookup)
        return make_decision(db, incident, principal.name or "", kind, payload, [])
    if kind == "merge":
        ids = _ID_SEPARATORS.split(str(form.get("other") or ""))
        return make_decision(db, incident, principal.name or "", kind, note, ids)
    keys = [str(k) for k in form.getlist("report")] if kind == "split" else []
    return make_decision(db, incident, principal.name or "", kind, note, keys)


async def form_data(request: Request) -> FormData:
    return await request.form()


@router.post("/incidents/{incident_id}/{kind}", dependencies=[Depends(check_csrf)])
def review_form(
    request: Request,
    incident_id: str,
    kind: str,
    principal: Reviewer,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    if kind not in DECISION_KINDS:
        raise HTTPException(404, f"no review action {kind!r}")
    incident = _incident(request, principal, incident_id)
    try:
        decision = _form_decision(request, principal, incident, kind, form)
    except (CodebookError, DecisionError) as exc:
        raise HTTPException(422, str(exc)) from None
    decide(request, decision)
    return _back(form, incident_id)


@api_router.post("/incidents/{incident_id}/decisions", dependencies=[Depends(check_csrf)])
def api_decide(
    request: Request,
    incident_id: str,
    principal: Reviewer,
    kind: Annotated[str, Body()],
    payload: Annotated[dict[str, Any] | None, Body()] = None,
    other_ids: Annotated[list[str] | None, Body()] = None,
) -> dict[str, Any]:
    """Record a review decision: confirm, reject, correct (payload: the corrected fields in
    export form, and an optional note), merge (other_ids: incidents joining this one) or
    split (other_ids: mention keys taken out; none: every report apart). Analysts and admins only."""
    incident = _incident(request, principal, incident_id)
    try:
        decision = make_decision(
            request.app.state.db, incident, principal.name or "", kind, payload or {}, other_ids or []
        )
    except (CodebookError, DecisionError) as exc:
        raise HTTPException(422, str(exc)) from None
    stored = decide(request, decision)
    return {"decision": {"id": stored.id, "kind": stored.kind, "created_at": stored.created_at}}
