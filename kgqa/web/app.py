"""The Flask app factory: settings, the state (store, registry), error handlers, blueprints.

Nothing happens at import time (Flask tutorial's `create_app`): each call builds an independent app
with its own state, so tests and a reload can hold several at once.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from kgqa.settings import ENV_PREFIX, Settings
from kgqa.state import open_state
from kgqa.web import api, ask, compress, entities, openapi, pages, sparql
from kgqa.web import errors as web_errors
from kgqa.web.guards import CONTENT_SECURITY_POLICY, RequestGuard, StrictJSONProvider
from kgqa.web.reload import LiveState

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None, *, state: Any = None) -> Flask:
    """Build the app: settings, the store (worker processes start here), the registry, blueprints.

    `config` holds `KGQA_*` settings (`kgqa.settings.Settings`, over the environment's) and Flask's
    own keys (`TESTING`, `MAX_CONTENT_LENGTH`); only the latter go to `app.config`. Pass an
    already-open `state` to share one store between apps (tests): its settings apply, with the
    `KGQA_*` keys of `config` on top for this app. Otherwise the app owns its state, and
    `app.extensions["kgqa"].close()` stops its workers (also done at interpreter exit).
    `app.extensions["kgqa"]` is a `kgqa.web.reload.LiveState`: it reads like the `State` it wraps
    (`.settings`, `.store`) and `reload()` swaps in a freshly loaded one.

    :raise SettingsError: for a bad or unknown `KGQA_*` setting.
    """
    config = dict(config or {})
    overrides = {key: config.pop(key) for key in list(config) if key.startswith(ENV_PREFIX)}
    owned = state is None
    if owned:
        state = open_state(overrides)
    elif overrides:
        if isinstance(state, LiveState):
            raise ValueError("create_app: a shared LiveState keeps its own settings; pass the State instead")
        state = state.with_settings(state.settings.merged(overrides))
    settings: Settings = state.settings

    app = Flask(__name__)
    app.config.update(config)
    # Werkzeug refuses larger bodies with 413 before reading them; the query limit is checked again
    # on the text itself (a GET has no body).
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None (unlimited)
        app.config["MAX_CONTENT_LENGTH"] = settings.max_query_bytes + 4096
    app.json = StrictJSONProvider(app)  # refuses lone surrogates in JSON bodies (kgqa/web/guards.py)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    logging.getLogger("kgqa").setLevel(logging.INFO)

    # The current state behind a proxy that `kgqa serve` can swap on SIGHUP (kgqa/web/reload.py);
    # each request pins the state it started with.
    live = state if isinstance(state, LiveState) else LiveState(state)
    if owned:
        atexit.register(live.close)
    app.extensions["kgqa"] = live
    live.init_app(app)

    web_errors.init_app(app)
    # Outside Flask: bad Host headers and non-UTF-8 URLs get a 400 before routing reads them, and
    # every reply gets nosniff (HTML also the Content-Security-Policy) whichever code made it.
    app.wsgi_app = RequestGuard(app.wsgi_app, CONTENT_SECURITY_POLICY)  # type: ignore[method-assign]
    app.register_blueprint(sparql.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(ask.bp)
    app.register_blueprint(pages.bp)
    compress.init_app(app)

    if settings.cors:

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
