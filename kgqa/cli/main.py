"""The `kgqa` command: build, serve, load, query, ask.

Exit codes follow pySHACL's habit: 0 success, 1 the task failed (bad query, build report), 2 the
command could not run (missing files, unreachable endpoint, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kgqa.cli.load import load_into_store
from kgqa.cli.push import PushError, default_graph_store, push_to_endpoint
from kgqa.errors import StoreError
from kgqa.settings import Settings, SettingsError, env_name

log = logging.getLogger("kgqa")


# Options of `kgqa serve`, `query` and `ask` that set a setting: option (argparse dest) -> the
# `kgqa.settings.Settings` field. An option given wins over the `KGQA_*` variable.
_OPTION_SETTINGS = {
    "store": "store_dir",
    "endpoint": "endpoint",
    "timeout": "query_timeout",
    "workers": "workers",
    "public_url": "public_url",
    "connection_limit": "connection_limit",
    "idle_timeout": "idle_timeout",
    "header_timeout": "header_timeout",
}


def _settings(args: argparse.Namespace, **defaults: Any) -> Settings:
    """The command's settings: defaults, `KGQA_*` variables, then `defaults` (what the command
    wants unless told otherwise, e.g. one worker for `kgqa query`), then the options given.

    :raise SettingsError: naming the variable with a bad value (`main` makes that exit 2).
    """
    given = {f: getattr(args, opt) for opt, f in _OPTION_SETTINGS.items() if getattr(args, opt, None) is not None}
    return Settings.load({env_name(f): value for f, value in {**defaults, **given}.items()})


# --- build -------------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace, rest: Sequence[str]) -> int:
    from kgqa.kg.build import main as build_main  # kg is only needed (owlready2, Java) to build

    return int(build_main(list(rest)) or 0)


# --- serve -------------------------------------------------------------------------------------


def cmd_serve(
    args: argparse.Namespace, *, sock: Any = None, ready: Any = None, settings: Settings | None = None
) -> int:
    """Serve under waitress (several threads); workers start before the port opens; clean stop.

    With `--processes N` (N > 1) this process only supervises N copies of itself that share one
    listening socket (kgqa/web/prefork.py); each copy comes back here with `sock`, the bound socket
    to serve on, and `ready`, to call once it accepts connections. The settings are read once,
    here, before any process starts.
    """
    settings = settings if settings is not None else _settings(args)
    if sock is None and getattr(args, "processes", 1) > 1:
        from kgqa.web.prefork import serve_forked

        return serve_forked(
            args.host, args.port, args.processes, lambda s, r: cmd_serve(args, sock=s, ready=r, settings=settings)
        )
    from kgqa.state import open_state
    from kgqa.web import create_app
    from kgqa.web.server import make_server

    state = open_state(settings=settings)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    # SIGTERM (systemd, docker, the tests) takes the same path as Ctrl-C: out of the server loop,
    # then the finally below stops the query workers, so no process is left behind.
    signal.signal(signal.SIGTERM, stop)
    live: Any = state
    try:
        app = create_app(state=state)
        live = app.extensions["kgqa"]
        if hasattr(signal, "SIGHUP"):
            # Reload the graph (kgqa/web/reload.py): load and check it aside, then swap; a bad graph
            # is logged and the old one stays. The handler only starts a thread: the server loop
            # runs in this thread and must not wait for a reload.
            signal.signal(signal.SIGHUP, lambda signum, frame: live.reload_in_background())
        # Waitress buffers a whole request body before the app sees it (up to 1 GB by default,
        # spooled to a temporary file). Cap that at 1 MiB (or 4x the app's own limit): bodies the
        # app refuses but waitress still reads get Flask's 413; larger ones get waitress's 413, also
        # JSON (kgqa/web/server.py), without being read.
        server = make_server(
            app,
            settings,
            sock=sock,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="kgqa",
            max_request_body_size=max(4 * int(app.config["MAX_CONTENT_LENGTH"]), 1 << 20),
        )
        port = sock.getsockname()[1] if sock is not None else server.effective_port
        log.info(
            "kgqa serving on http://%s:%s/ (%d triples; %s; %d threads; query time limit %g s; worker network: %s)",
            args.host,
            port,
            state.triples,
            settings.endpoint or f"{settings.workers} query workers + {settings.reserved_workers} reserved",
            args.threads,
            settings.query_timeout,
            getattr(state.store, "worker_network", "host"),
        )
        if ready is not None:
            ready()  # the supervisor says "serving" once every process is ready
        else:
            print(f"kgqa serving on http://{args.host}:{port}/", flush=True)
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("stopping")
        live.close()  # the current state, which a reload may have replaced
    return 0


# --- load --------------------------------------------------------------------------------------


def _files_to_load(args: argparse.Namespace, settings: Settings) -> list[tuple[Path, str | None]]:
    """(file, graph) pairs: given files (triple formats go to --graph, or the asserted graph; the
    configured ontology file to the ontology graph), or by default the built graph + ontology."""
    from kgqa.vocab import ASSERTED_GRAPH, ONTOLOGY_GRAPH

    ontology = Path(settings.ontology).resolve() if settings.ontology else None
    if args.files:
        pairs = []
        for f in args.files:
            p = Path(f)
            graph = args.graph or (ONTOLOGY_GRAPH if p.resolve() == ontology else ASSERTED_GRAPH)
            pairs.append((p, graph))
    else:
        pairs = [(Path(f), ASSERTED_GRAPH) for f in settings.data_files]
        if ontology is not None:
            pairs.append((ontology, ONTOLOGY_GRAPH))
    for p, _ in pairs:
        if not p.is_file():
            raise FileNotFoundError(f"{p} not found (run `kgqa build` first?)")
    return pairs


def cmd_load(args: argparse.Namespace) -> int:
    from kgqa.canned.registry import Registry
    from kgqa.qa.names import INDEX_QUERY

    if bool(args.store) == bool(args.endpoint):
        print("kgqa load: give exactly one of --store DIR or --endpoint URL", file=sys.stderr)
        return 2
    settings = Settings.load()  # --store and --endpoint here say where to load to, not what to serve
    try:
        pairs = _files_to_load(args, settings)
        if args.store:
            registry = Registry.from_directory(settings.queries_dir)
            load_into_store(
                pairs,
                args.store,
                ontology=None if args.no_materialize else settings.ontology,
                names_query=registry.get(INDEX_QUERY).sparql if INDEX_QUERY in registry else None,
            )
        else:
            push_to_endpoint(pairs, args.graph_store or default_graph_store(args.endpoint), user=args.user)
    except (FileNotFoundError, PushError) as exc:
        print(f"kgqa load: {exc}", file=sys.stderr)
        return 2
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"kgqa load: {exc}", file=sys.stderr)
        return 1
    return 0


# --- query -------------------------------------------------------------------------------------


def _short(term: dict | None) -> str:
    from kgqa.vocab import PREFIXES

    if term is None:
        return ""
    value = str(term.get("value"))
    if term.get("type") == "iri":
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns):
                value = f"{prefix}:{value[len(ns) :]}"
                break
        if term.get("label"):
            value = f"{term['label']} ({value})"
    return value


def format_table(body: dict) -> str:
    """Aligned plain-text columns of a canned-query JSON reply."""
    if "boolean" in body:
        return "yes" if body["boolean"] else "no"
    columns = body["columns"]
    rows = [[_short(r.get(c)) for c in columns] for r in body["rows"]]
    widths = [min(60, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), "  ".join("-" * w for w in widths)]
    for r in rows:
        lines.append("  ".join(v[:w].ljust(w) for v, w in zip(r, widths, strict=True)))
    if body.get("truncated"):
        lines.append("(truncated at the row limit)")
    return "\n".join(line.rstrip() for line in lines)


class _Usage(Exception):
    """A command-line mistake: the message goes to stderr and the exit status is 2."""


def _query_params(args: argparse.Namespace) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in args.param or []:
        if "=" not in item:
            raise _Usage(f"--param wants NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        params[key] = value
    return params


def _run_canned(state: Any, canned: Any, params: dict[str, str], args: argparse.Namespace, fmt: Any) -> dict | None:
    """Run a canned query; CSV/TSV and graphs are written out here (None), else the JSON body."""
    from kgqa.canned.results import result_json, run
    from kgqa.sparql import formats

    result, bindings = run(state, canned, params, results_format=fmt)
    if result.form == "graph":
        sys.stdout.write(result.serialize(formats.TURTLE).decode())
        return None
    if args.format in {"csv", "tsv"}:
        sys.stdout.write(result.serialize(fmt).decode())
        return None
    return result_json(state, canned, result, bindings)


def _run_text(state: Any, text: str, args: argparse.Namespace, fmt: Any) -> dict | None:
    """Run a plain query file as a client's query; the engine's own bytes for graphs, CSV, TSV, JSON."""
    from kgqa.canned.results import cell
    from kgqa.sparql import formats
    from kgqa.sparql.runner import run_user_query

    _, result = run_user_query(state, text, results_format=fmt, graph_format=formats.TURTLE)
    if result.form == "graph" or args.format in {"csv", "tsv", "json"}:
        sys.stdout.write(result.data.decode() + ("\n" if args.format == "json" else ""))
        return None
    if result.form != "solutions":
        return {"boolean": result.boolean}
    rows = [{k: cell(v, {}) for k, v in row.items()} for row in result.rows()]
    return {"columns": list(result.variables), "truncated": result.truncated, "rows": rows}


def _canned_for(state: Any, args: argparse.Namespace) -> Any:
    """The canned query named, or the file's if it has a header; None for a plain .rq file."""
    from kgqa.canned.registry import QueryFileError, parse_file

    if args.name:
        return state.registry.get(args.name)
    try:
        return parse_file(args.file)
    except QueryFileError:
        return None  # a plain .rq without a header: run it as is


def cmd_query(args: argparse.Namespace) -> int:
    from kgqa.errors import ApiError
    from kgqa.sparql import formats
    from kgqa.state import open_state

    try:
        params = _query_params(args)
        state = open_state(settings=_settings(args, workers=1))
    except _Usage as exc:
        print(f"kgqa query: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"kgqa query: {exc}", file=sys.stderr)
        return 2
    try:
        canned = _canned_for(state, args)
        fmt = {"csv": formats.CSV, "tsv": formats.TSV}.get(args.format, formats.SPARQL_JSON)
        if canned is None and params:
            raise _Usage("--param needs a canned query (a file with a `# param:` header)")
        if canned is not None:
            body = _run_canned(state, canned, params, args, fmt)
        else:
            body = _run_text(state, Path(args.file).read_text(encoding="utf-8"), args, fmt)
        if body is not None:
            print(json.dumps(body, ensure_ascii=False, indent=2) if args.format == "json" else format_table(body))
        return 0
    except _Usage as exc:
        print(f"kgqa query: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"kgqa query: {exc.message}", file=sys.stderr)
        return 1
    finally:
        state.close()


# --- ask ---------------------------------------------------------------------------------------


def _open_for_questions(args: argparse.Namespace, command: str) -> Any:
    """The state the question answerer needs, or None after saying why it cannot have one."""
    from kgqa.qa.names import INDEX_QUERY
    from kgqa.state import open_state

    state = open_state(settings=_settings(args, workers=1))
    if INDEX_QUERY not in state.registry:
        print(
            f"kgqa {command}: the canned queries in {state.settings.queries_dir} have no "
            f"`{INDEX_QUERY}` query, which the question answerer reads its entity index from",
            file=sys.stderr,
        )
        state.close()
        return None
    return state


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question like `/api/ask` does (the Q&A itself lives in `kgqa.qa.ask`, issue 4)."""
    from kgqa.qa.ask import answer_question, asker_for

    state = _open_for_questions(args, "ask")
    if state is None:
        return 2
    try:
        try:
            reply = answer_question(args.question, asker_for(state))
        except ValueError as exc:
            print(f"kgqa ask: {exc}", file=sys.stderr)
            return 1
    finally:
        state.close()
    if args.json:
        print(json.dumps(reply, ensure_ascii=False, indent=2))
    else:
        answers = reply.get("answers") or []
        if reply.get("status") == "answered" and answers:
            print("; ".join(str(a.get("label") or a.get("value")) for a in answers))
        else:
            print("I don't know: " + str(reply.get("explanation", "")))
        for ev in reply.get("evidence") or []:
            print(f"  evidence: “{ev.get('text')}”")
        if reply.get("query"):
            bindings = ", ".join(f"{k} = {v}" for k, v in (reply.get("bindings") or {}).items())
            print(f"  query: {reply['query']}" + (f" ({bindings})" if bindings else ""))
    return 0


# --- eval --------------------------------------------------------------------------------------


def _http_asker(base: str) -> Callable[[str], dict]:
    """Ask a running service (`--base URL`), as a user's client would."""

    def ask(question: str) -> dict:
        url = base.rstrip("/") + "/api/ask?" + urllib.parse.urlencode({"q": question})
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as exc:
            return {"status": "error", "answers": [], "explanation": f"HTTP {exc.code}"}

    return ask


def _local_asker(state: Any) -> Callable[[str], dict]:
    from kgqa.qa.ask import answer_question, asker_for

    asker = asker_for(state)

    def ask(question: str) -> dict:
        try:
            return answer_question(question, asker)
        except ValueError as exc:  # what /api/ask answers with a 400
            return {"status": "error", "answers": [], "explanation": str(exc)}

    return ask


def _print_eval(name: str, outcomes: Sequence[Any], verbose: bool) -> None:
    from kgqa.qa.evaluate import table

    print(f"{name}: {len(outcomes)} questions")
    if verbose:
        for o in outcomes:
            if o.verdict != "right":
                print(f"  {o.verdict.upper():6} [{o.question.family}] {o.question.text} -- {o.why}")
    print(table(outcomes))
    print()


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the question answerer on question files: accuracy, answer rate, precision, latency."""
    from kgqa.qa.evaluate import load, run, tallies

    try:
        files = [(path, *load(path)) for path in args.files]
    except ValueError as exc:
        print(f"kgqa eval: {exc}", file=sys.stderr)
        return 2
    state = None if args.base else _open_for_questions(args, "eval")
    if state is None and not args.base:
        return 2
    try:
        ask = _http_asker(args.base) if args.base else _local_asker(state)
        results = {str(path): run(questions, ask, aliases) for path, questions, aliases in files}
    except OSError as exc:  # the service at --base cannot be reached
        print(f"kgqa eval: cannot reach {args.base}: {exc}", file=sys.stderr)
        return 2
    finally:
        if state is not None:
            state.close()
    if args.json:
        report = {name: {family: t.metrics() for family, t in tallies(outs).items()} for name, outs in results.items()}
        print(json.dumps(report, indent=2))
    else:
        for name, outcomes in results.items():
            _print_eval(name, outcomes, args.verbose)
    worst = min(tallies(outs)["all"].metrics()["accuracy"] for outs in results.values())
    return 1 if args.min_accuracy is not None and worst < args.min_accuracy else 0


# --- main --------------------------------------------------------------------------------------


def _add_store_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--store", metavar="DIR", help="a persistent store made by `kgqa load --store DIR`")
    group.add_argument("--endpoint", metavar="URL", help="a remote SPARQL 1.1 query endpoint")
    p.add_argument("--timeout", type=float, metavar="S", help="query time limit in seconds (default 10)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgqa", description="Knowledge-graph question answering over a news article.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("build", help="build kg/dist/ from the ontology, the article and the facts", add_help=False)
    sub.add_parser(
        "generate", help="write a synthetic investment graph (kgqa generate --orgs N --seed S OUT)", add_help=False
    )
    sub.add_parser("materialize", help="materialise the inferences the queries need in a large graph", add_help=False)

    serve = sub.add_parser("serve", help="serve the SPARQL endpoint, API and web page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8, help="waitress threads (default 8)")
    serve.add_argument("--workers", type=int, help="query worker processes (default 2; per server process)")
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port, each with its own query workers (default 1; "
        "more uses more cores for the Python side of each request, and more memory)",
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL clients reach the service at, e.g. behind a proxy (KGQA_PUBLIC_URL; default: the bound address)",
    )
    serve.add_argument(
        "--connection-limit", type=int, metavar="N", help="open connections at most (KGQA_CONNECTION_LIMIT; 1000)"
    )
    serve.add_argument(
        "--idle-timeout", type=float, metavar="S", help="close idle connections after S seconds (KGQA_IDLE_TIMEOUT; 15)"
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        metavar="S",
        help="close a connection whose request headers take longer than S seconds (KGQA_HEADER_TIMEOUT; 10)",
    )
    _add_store_options(serve)

    load = sub.add_parser("load", help="load the built graph into a persistent store or a remote endpoint")
    load.add_argument("files", nargs="*", metavar="FILE", help="RDF files (default: kg/dist graph + ontology)")
    load.add_argument("--store", metavar="DIR")
    load.add_argument("--endpoint", metavar="URL", help="a SPARQL endpoint; graphs go to its Graph Store")
    load.add_argument(
        "--graph-store",
        metavar="URL",
        help="Graph Store Protocol URL (default: ENDPOINT/../store; Virtuoso: http://HOST:8890/sparql-graph-crud-auth)",
    )
    load.add_argument(
        "--user",
        metavar="USER[:PASSWORD]",
        help="log in to the Graph Store (basic or digest); the password otherwise from KGQA_GRAPH_STORE_PASSWORD",
    )
    load.add_argument("--graph", metavar="IRI", help="graph for triple-format files")
    load.add_argument(
        "--no-materialize",
        action="store_true",
        help="with --store: do not add the rule entailments (kgqa.kg.materialize) to the inferred graph",
    )

    query = sub.add_parser("query", help="run a .rq file or a canned query")
    what = query.add_mutually_exclusive_group(required=True)
    what.add_argument("file", nargs="?", metavar="FILE.rq")
    what.add_argument("--name", metavar="CANNED")
    query.add_argument("--param", action="append", metavar="NAME=VALUE")
    query.add_argument("--format", choices=["json", "csv", "tsv", "table"], default="table")
    _add_store_options(query)

    evaluate = sub.add_parser("eval", help="score the question answerer on question files (per family)")
    evaluate.add_argument("files", nargs="+", metavar="FILE.json", help="question files (tests/data/questions.json)")
    evaluate.add_argument("--base", metavar="URL", help="ask a running service instead of answering in process")
    evaluate.add_argument("--verbose", "-v", action="store_true", help="list every question not answered right")
    evaluate.add_argument("--json", action="store_true", help="the table as JSON")
    evaluate.add_argument("--min-accuracy", type=float, metavar="X", help="exit 1 when a file scores below X")
    _add_store_options(evaluate)
    ask = sub.add_parser("ask", help="answer a question in English")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    _add_store_options(ask)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if argv[:1] == ["build"]:
        # `kgqa build` passes everything after it to kgqa.kg.build untouched.
        return cmd_build(argparse.Namespace(), argv[1:])
    if argv[:1] in (["generate"], ["materialize"]):
        # The scale tools live in kg (they write graphs); their own parsers handle the options.
        import importlib

        module = importlib.import_module(f"kgqa.kg.{'generate' if argv[0] == 'generate' else 'materialize'}")
        return int(module.main(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    commands = {"serve": cmd_serve, "load": cmd_load, "query": cmd_query, "ask": cmd_ask, "eval": cmd_eval}
    try:
        return commands[args.command](args)
    except (SettingsError, StoreError) as exc:  # the command could not run: exit 2, like a bad argument
        print(f"kgqa {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
