"""The web page: ask a question, browse canned queries, edit SPARQL, see the graph (issue 5).

The pages are server-rendered shells; the small scripts in ``static/js/`` talk to the
service only through its public HTTP interfaces (``/api/ask``, ``/api/queries``,
``/sparql``), the same ones documented in the README. That keeps this blueprint free of
any knowledge of the store or the query registry: a page shows exactly what a client
of the API would get, and the browser tests exercise the API as a side effect.

Everything the page loads comes from this service (``static/vendor/`` holds YASGUI
and cytoscape.js, see its README), so it works with no internet, and a
Content-Security-Policy without ``'unsafe-inline'`` for scripts keeps it that way: no
inline scripts or event handlers, data reaches scripts through ``data-`` attributes.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from kgqa.qa.ask import answer_question, asker_for
from kgqa.qa.names import INDEX_QUERY
from kgqa.sparql import formats
from kgqa.vocab import ONTOLOGY_NS, RESOURCE_NS
from kgqa.web.apidoc import PAGE, documented
from kgqa.web.guards import CONTENT_SECURITY_POLICY

bp = Blueprint(
    "web",
    __name__,
    # Own folders, so the pages render whatever template/static folders the app uses;
    # the static URL is distinct from the app's own ``/static`` to avoid a clash.
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


# What the download menus offer: each route, with each format the registry offers for download.
DOWNLOAD_ROUTES: tuple[tuple[str, str], ...] = (("/graph", "Graph"), ("/ontology", "Ontology"))
# (href, label, media type) for the download menus; served by the graph/ontology routes.
DOWNLOADS: tuple[tuple[str, str, str], ...] = tuple(
    (f"{route}?format={fmt.name}", f"{what} ({fmt.download})", fmt.media_type)
    for route, what in DOWNLOAD_ROUTES
    for fmt in formats.GRAPH_FORMATS
    if fmt.download
)

# Questions offered as one-click chips on the ask page; each is answered by the graph.
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "who led MiniMax's round?",
    "which companies has Alibaba invested in?",
    "is Moonshot AI a unicorn?",
    "who backs OpenAI?",
    "which is valued higher, MiniMax or Moonshot AI?",
    "who owns Alibaba Cloud?",
)


@bp.app_context_processor
def _layout_context() -> dict[str, object]:
    """What ``base.html`` needs on every page, including pages of other blueprints
    (``/entity/<id>`` from ``kgqa/web/entities.py``) that extend the same layout."""
    return {"ontology_ns": ONTOLOGY_NS, "resource_ns": RESOURCE_NS, "downloads": DOWNLOADS}


def _page(template: str, active: str, **context: object) -> str:
    """Render a page of the shared layout; ``active`` marks its entry in the navigation."""
    return render_template(template, active=active, **context)


@bp.after_request
def _security_headers(response: Response) -> Response:
    """Send the page policy with every page of this blueprint (static files included)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def answer_sentence(reply: dict) -> str:
    """The answer as a sentence: the reader's own `text` when the reply has one, else one built from
    the answers ("Yes — ...", names joined, amounts as printed), never `name = value`."""
    if reply.get("text"):
        return str(reply["text"])
    answers = reply.get("answers") or []
    if reply.get("status") != "answered" or not answers:
        return str(reply.get("explanation") or "The graph does not answer this.")
    explanation = str(reply.get("explanation") or "").rstrip(".")
    if isinstance(answers[0].get("value"), bool):
        return ("Yes" if answers[0]["value"] else "No") + (f" — {explanation}." if explanation else ".")
    names = [str(a.get("label") or a.get("value") or "") for a in answers]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed}." if not explanation else f"{listed} — {explanation}."


def _server_answer(question: str) -> tuple[dict | None, str | None]:
    """The reply to `question` for the page rendered on the server (no JavaScript needed), or the
    reason it cannot be asked (too long, control characters)."""
    state = current_app.extensions["kgqa"]
    if INDEX_QUERY not in state.registry:
        return None, "this service has no question reader (its query set has no names query)"
    try:
        return answer_question(question, asker_for(state)), None
    except ValueError as exc:
        return None, str(exc)


@bp.get("/")
@documented(get={**PAGE, "summary": "The web page", "operationId": "index"})
def index() -> str:
    """The question box; with `?q=` the answer rendered on the server, its evidence and SPARQL."""
    question = request.args.get("q", "").strip()
    reply, problem = _server_answer(question) if question else (None, None)
    return _page(
        "index.html",
        "ask",
        examples=EXAMPLE_QUESTIONS,
        question=question,
        reply=reply,
        problem=problem,
        sentence=answer_sentence(reply) if reply else None,
    )


@bp.get("/queries")
@documented(get=PAGE)  # summary: the docstring's first line
def queries() -> str:
    """The canned-query gallery: one form per query of ``/api/queries``."""
    return _page("queries.html", "queries")


@bp.get("/editor")
@documented(get=PAGE)  # summary: the docstring's first line
def editor() -> str:
    """The SPARQL editor (YASGUI) on this service's ``/sparql``.

    A query to open arrives in the URL fragment (``/editor#query=...``) rather than
    the query string, so it is never sent to the server or written to its logs.
    """
    return _page("editor.html", "editor")


@bp.get("/overview")
@documented(get=PAGE)  # summary: the docstring's first line
def overview() -> str:
    """The whole investment network and the article with its recorded facts marked."""
    return _page("overview.html", "overview")
