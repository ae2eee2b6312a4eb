"""The HTML pages: dashboard, incident, review queue, sign-in and account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from otkaz.model import Incident
from otkaz.publish.redaction import PublicView
from otkaz.store import Database, IncidentQuery
from otkaz.web import present
from otkaz.web.access import audit_reveal, effective_filter, incident_or_404, incident_queries, public_view
from otkaz.web.app import render
from otkaz.web.auth import (
    MIN_PASSWORD_LENGTH,
    LoginThrottle,
    Principal,
    check_csrf,
    client_address,
    end_session,
    hash_password,
    new_api_token,
    principal_of,
    requirement,
    spend_verification_time,
    start_session,
    verify_password,
)
from otkaz.web.queries import (
    DEFAULT_SORT,
    IncidentFilter,
    Totals,
    choose_unit,
    int_param,
    page_of,
    timeline,
)

router = APIRouter(include_in_schema=False)
SignedIn = Annotated[Principal, Depends(requirement("see_unpublished"))]  # any account: viewer and up
PER_PAGE = 50
QUEUE_SIZE = 200
FACETS = ("type", "actor", "consequence", "country", "region", "lang", "outlet", "status")


def _db(request: Request) -> Database:
    return request.app.state.db


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else (//host, scheme:) gives ``default``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@router.get("/")
def dashboard(request: Request) -> Response:
    principal = principal_of(request)
    params = request.query_params
    flt = effective_filter(IncidentFilter.from_params(params), principal)
    db = _db(request)
    if principal.signed_in:
        return _dashboard(request, principal, flt)
    # The public's dashboard holds nothing of the one asking (no account, no form token): the
    # same page for everyone who asks the same, kept as HTML while the store does not change.
    key = ("public dashboard", tuple(flt.params()), params.get("sort"), params.get("page"), params.get("unit"))
    with db.one_revision():
        body = db.kept(key, lambda: _dashboard(request, principal, flt).body)
    return HTMLResponse(body)


def _dashboard(request: Request, principal: Principal, flt: IncidentFilter) -> Response:
    params = request.query_params
    base, chosen = incident_queries(principal, flt)
    db = _db(request)
    sort = params.get("sort") or DEFAULT_SORT
    with db.one_revision():
        page = page_of(db, chosen, sort, int_param(params, "page", 1), PER_PAGE)
        days = db.incident_days(chosen)
        totals = db.incident_totals(chosen)
        by_type = db.incident_facets(chosen, ["type"])["type"]
        facets = db.incident_facets(base, FACETS)
    unit = choose_unit(days, params.get("unit"))
    seen = _seen_marker(db, principal)
    shown = [incident.id for incident in page.items]
    # Rows are marked by what arrived since the filter's time, else since the account's last look.
    marker = flt.since or seen
    arrivals = db.arrivals_since(marker, shown) if marker else {}
    return render(
        request,
        "dashboard.html",
        {
            "flt": flt,
            "sort": sort,
            "unit": unit,
            "page": page,
            "totals": Totals(**totals),
            "by_type": dict(by_type),
            "facets": facets,
            "chart": present.timeline_chart(timeline(days, unit), unit),
            "arrivals": arrivals,
            "since_visit": _since_visit(db, seen, base) if seen else None,
        },
    )


def _seen_marker(db: Database, principal: Principal) -> str | None:
    """Until when the account has seen the arrivals (at first: since it was created); None for the public."""
    if not principal.signed_in:
        return None
    marker = db.seen_marker(principal.name or "")
    if marker is None:
        user = db.get_user(principal.name or "")
        marker = user.created_at if user else None
    return marker


def _since_visit(db: Database, seen: str, visible: IncidentQuery) -> dict[str, object]:
    """The banner's counts: the incidents this account may see that arrived since ``seen``."""
    counts = db.arrival_counts(visible, seen)
    return {
        "since": seen,
        "when": seen[:16].replace("T", " ") + " UTC",
        "new": counts["new"],
        "more_reports": counts["more_reports"],
    }


@router.post("/seen", dependencies=[Depends(check_csrf)])
def mark_seen(request: Request, principal: SignedIn, next: Annotated[str, Form()] = "/") -> Response:
    """Everything that arrived until now counts as seen by this account."""
    _db(request).set_seen_marker(principal.name or "")
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: str) -> Response:
    principal = principal_of(request)
    db = _db(request)
    incident = incident_or_404(db, principal, incident_id)
    names = principal.can("see_names")
    view = public_view(db, principal, [incident])
    redact = (lambda text: view.note(incident, text)) if view is not None else None
    full_text = principal.can("read_documents")
    articles = [_article(incident, n, view) if full_text else None for n in range(len(incident.reports))]
    documents = [r.document for r in incident.reports]
    history = present.history(db.audit_log(incident.id), names, redact) if principal.can("see_unpublished") else []
    cited = view.cited(incident) if view is not None else incident.cited
    audit_reveal(db, principal, "incident", incident.id)
    return render(
        request,
        "incident.html",
        {
            "incident": incident,
            "values": {
                name: present.format_value(name, cited if name == "cited" else getattr(incident, name))
                for name in present.FIELDS
            },
            "quotes": present.quotes_by_field(incident, view),
            "articles": articles,
            "titles": [view.title(d) if view is not None else d.title or d.url or d.id for d in documents],
            "urls": [view.url(d) if view is not None else present.web_url(d.url) for d in documents],
            "disagreements": present.disagreements(incident, view),
            "reasons": present.reason_lines(incident.merge_reasons, redact, principal.can("see_unpublished")),
            "history": history,
            "show_names": names,
            "next_id": _next_in_queue(db, incident.id) if principal.can("review") else None,
        },
    )


def _article(incident: Incident, n: int, view: PublicView | None) -> Markup:
    """A report's article with its evidence highlighted: the original, or its public view."""
    report = incident.reports[n]
    if view is None:
        return present.highlight(report.document.text, report.mention.evidence, f"r{n}-e")
    shown = view.report_view(incident, report)
    if shown is None:
        return Markup(escape(present.WITHHELD))
    return present.highlight(shown.text, [shown.evidence(e) for e in report.mention.evidence], f"r{n}-e")


def _next_in_queue(db: Database, after_id: str) -> str | None:
    ids = db.review_order()
    if after_id in ids:
        position = ids.index(after_id)
        rest = ids[position + 1 :] + ids[:position]
        return rest[0] if rest else None
    return ids[0] if ids else None


@router.get("/review", dependencies=[Depends(requirement("review"))])
def review_page(request: Request) -> Response:
    db = _db(request)
    ids = db.review_order()
    queue = db.incidents_by_id(ids[:QUEUE_SIZE])
    return render(
        request,
        "review.html",
        {"queue": queue, "total": len(ids), "focus": request.query_params.get("focus", "")},
    )


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")), "error": None})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    throttle: LoginThrottle = request.app.state.throttle
    account, address = name.casefold(), client_address(request)
    if throttle.blocked(account, address):
        raise HTTPException(429, "too many failed sign-ins: wait a quarter of an hour and try again")
    user = _db(request).get_user(name)
    if user is None:
        spend_verification_time(password)
    if user is None or not verify_password(user.password_hash, password):
        throttle.failed(account, address)
        context = {"next": safe_next(next), "error": "Wrong name or password."}
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(account, address)
    start_session(request, user.name)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account_page(request: Request, principal: SignedIn) -> Response:
    user = _db(request).get_user(principal.name or "")
    return render(request, "account.html", {"user": user, "new_token": None, "message": None})


@router.post("/account/token", dependencies=[Depends(check_csrf)])
def new_token(request: Request, principal: SignedIn) -> Response:
    """A new API token, shown once; it replaces the previous one."""
    token, digest = new_api_token()
    user = _db(request).set_user_token(principal.name or "", digest, by=principal.name or "")
    return render(request, "account.html", {"user": user, "new_token": token, "message": None})


@router.post("/account/password", dependencies=[Depends(check_csrf)])
def change_password(
    request: Request,
    principal: SignedIn,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
) -> Response:
    db = _db(request)
    user = db.get_user(principal.name or "")
    if user is None or not verify_password(user.password_hash, current):
        message, status = "The current password is wrong.", 400
    elif len(new) < MIN_PASSWORD_LENGTH:
        message, status = f"The new password needs at least {MIN_PASSWORD_LENGTH} characters.", 400
    else:
        # Every session of the account ends (a stolen cookie with it); this browser gets a new one.
        user = db.set_user_password(user.name, hash_password(new), by=user.name)
        if not principal.via_token:
            start_session(request, user.name)
        message, status = "Password changed. Every other browser signed in to this account is signed out.", 200
    return render(request, "account.html", {"user": user, "new_token": None, "message": message}, status)
