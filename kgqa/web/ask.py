"""`/api/ask`: a question in, the answer with its evidence and SPARQL out (the reply of kgqa.qa.ask)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from kgqa.errors import BadQuery
from kgqa.qa.ask import answer_question, asker_for
from kgqa.qa.names import INDEX_QUERY
from kgqa.web.apidoc import STORE_ERRORS, documented, error_responses

bp = Blueprint("ask", __name__)
# Build the entity index when the app is made, not on the first question: it also gives
# /api/queries its fuzzy name resolver from the start.
# (A registry without the `names` query — a test's reduced set — gets no question answering.)
bp.record_once(
    lambda setup: INDEX_QUERY in setup.app.extensions["kgqa"].registry and asker_for(setup.app.extensions["kgqa"])
)


# --- what /openapi.json says of this route (kgqa/web/apidoc.py) ---
_ANSWER = {
    "description": "the answer",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
}
_QUESTION = {"schema": {"type": "object", "required": ["question"], "properties": {"question": {"type": "string"}}}}
ASK_GET = {
    "summary": "Answer a question in English",
    "operationId": "askGet",
    "tags": ["Q&A"],
    "parameters": [
        {
            "name": "q",
            "in": "query",
            "required": True,
            "description": "the question, at most 500 characters, no control characters",
            "schema": {"type": "string"},
        }
    ],
    "responses": {"200": _ANSWER, **error_responses(400, *STORE_ERRORS)},
}
ASK_POST = {
    "summary": "Answer a question in English",
    "operationId": "askPost",
    "tags": ["Q&A"],
    "requestBody": {
        "required": True,
        "content": {"application/json": _QUESTION, "application/x-www-form-urlencoded": _QUESTION},
    },
    "responses": {"200": _ANSWER, **error_responses(400, 413, *STORE_ERRORS)},
}
ANSWER_SCHEMA = {
    "type": "object",
    "required": ["question", "status", "answers"],
    "properties": {
        "question": {"type": "string"},
        "status": {"enum": ["answered", "unknown"]},
        "answers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "iri": {"type": ["string", "null"]},
                    "altLabels": {"type": "array", "items": {"type": "string"}},
                    "value": {"type": ["number", "boolean", "string", "null"]},
                },
            },
        },
        "sparql": {"type": ["string", "null"]},
        "query": {"type": ["string", "null"]},
        "bindings": {"type": "object"},
        "evidence": {
            "type": "array",
            "items": {"type": "object", "properties": {"text": {"type": "string"}, "source": {"type": "string"}}},
        },
        "explanation": {"type": "string"},
    },
}


@bp.route("/api/ask", methods=["GET", "POST"])
@documented(get=ASK_GET, post=ASK_POST, schemas={"Answer": ANSWER_SCHEMA})
def ask():
    """Answer a question: `?q=` by GET, or `{"question": ...}` (JSON or form) by POST.

    :raise BadQuery 400: no question, a question that is not text, or one too long.
    """
    if request.method == "POST":
        payload = request.get_json(silent=True) if request.is_json else None
        if request.is_json and not isinstance(payload, dict):
            raise BadQuery('the body must be a JSON object such as {"question": "who led MiniMax\'s round?"}')
        question = (payload or {}).get("question", request.form.get("question"))
    else:
        question = request.args.get("q", request.args.get("question"))
    if question is None:
        raise BadQuery('missing question: use ?q=... (GET) or {"question": ...} (POST)', param="q")
    if not isinstance(question, str):
        raise BadQuery("the question must be a string", param="question")
    try:
        reply = answer_question(question, asker_for(current_app.extensions["kgqa"]))
    except ValueError as exc:
        raise BadQuery(str(exc), param="q") from None
    return jsonify(reply)
