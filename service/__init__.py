"""kgqa service: the Flask app factory.

Nothing happens at import time, and Flask is imported inside `create_app()`: query worker
processes import `service.pool` (and so this package) and should not pay for Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]

_PLACEHOLDER_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgqa</title></head>
<body><h1>kgqa</h1><p>Knowledge-graph question answering over a news article.</p>
<ul><li><a href="/sparql">SPARQL endpoint</a></li><li><a href="/api/queries">canned queries</a></li>
<li><a href="/openapi.json">OpenAPI</a></li><li><a href="/ontology?format=ttl">ontology</a>,
<a href="/graph?format=ttl">graph</a></li></ul></body></html>"""


def _has_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def create_app(config: Mapping[str, Any] | None = None, *, state: Any = None) -> Flask:
    """Build the app: configuration, the store (worker processes start here), the registry, blueprints.

    `config` overrides `service.config.DEFAULTS` and `KGQA_*` environment variables. Pass an
    already-open `state` to share one store between apps (tests); otherwise the app owns its state,
    and `app.extensions["kgqa"].close()` stops its workers (also done at interpreter exit).
    `app.extensions["kgqa"]` is a `service.reload.LiveState`: it reads like the `State` it wraps and
    `reload()` swaps in a freshly loaded one.
    """
    import atexit
    import importlib
    import logging

    from flask import Flask, Response

    from service import api, entities, errors, openapi, sparql
    from service.config import load_config, open_state
    from service.guards import CONTENT_SECURITY_POLICY, RequestGuard, StrictJSONProvider
    from service.reload import LiveState

    app = Flask(__name__)
    settings = load_config(config)
    app.config.update(settings)
    # Werkzeug refuses larger bodies with 413 before reading them; the query limit is checked again
    # on the text itself (a GET has no body).
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None (unlimited)
        app.config["MAX_CONTENT_LENGTH"] = int(settings["KGQA_MAX_QUERY_BYTES"]) + 4096
    app.json = StrictJSONProvider(app)  # refuses lone surrogates in JSON bodies (service/guards.py)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.getLogger("kgqa").setLevel(logging.INFO)

    owned = state is None
    if owned:
        state = open_state(config=settings)
    # The current state behind a proxy that `kgqa serve` can swap on SIGHUP (service/reload.py);
    # each request pins the state it started with.
    live = state if isinstance(state, LiveState) else LiveState(state)
    if owned:
        atexit.register(live.close)
    app.extensions["kgqa"] = live
    live.init_app(app)

    errors.init_app(app)
    # Outside Flask: bad Host headers and non-UTF-8 URLs get a 400 before routing reads them, and
    # every reply gets nosniff (HTML also the Content-Security-Policy) whichever code made it.
    app.wsgi_app = RequestGuard(app.wsgi_app, CONTENT_SECURITY_POLICY)  # type: ignore[method-assign]
    app.register_blueprint(sparql.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(openapi.bp)
    # The Q&A (issue 4) and the web page are written by colleagues: use them once they exist.
    # Until a module defines its blueprint `bp` it is skipped, so work in progress cannot break the app.
    if _has_module("service.ask") and hasattr(ask := importlib.import_module("service.ask"), "bp"):
        app.register_blueprint(ask.bp)
    if _has_module("service.web") and hasattr(web := importlib.import_module("service.web"), "bp"):
        app.register_blueprint(web.bp)
    else:
        app.add_url_rule("/", "index", lambda: Response(_PLACEHOLDER_INDEX, content_type="text/html; charset=utf-8"))

    if settings.get("KGQA_CORS", True):

        @app.after_request
        def _cors(resp: Response) -> Response:
            # Read-only public data: any origin may query, without credentials, so browser-based
            # SPARQL editors (YASGUI on another origin) work.
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            resp.headers["Access-Control-Expose-Headers"] = (
                "X-KGQA-Truncated, X-KGQA-Truncated-Reason, Content-Disposition"
            )
            resp.headers["Access-Control-Max-Age"] = "86400"
            return resp

    return app
