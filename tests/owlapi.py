"""Run tests/owlapi/OwlApiCheck.java: load an ontology file the way Protégé does.

Protégé is built on the OWL API, so "opens cleanly in Protégé and is OWL 2 DL" can
only be tested with the OWL API itself; rdflib and owlready2 accept documents that
Protégé rejects or silently truncates. This module finds Java and Debian's OWL API
5.1 jars (package libowlapi-java, installed by scripts/system-deps.sh), compiles the
check once into a cache keyed by the source's hash (source-launch mode would spend
~2 s compiling on every run), runs it and returns its JSON report as a dict.

Not a test module: test_owl_dl.py and the lead's tests import it. It also runs
alone, for a look at a file by hand:

    .venv/bin/python tests/owlapi.py ontology/kgqa.ttl [--merged-out merged.owl]
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ci import skip_or_fail

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE = HERE / "owlapi" / "OwlApiCheck.java"
MAIN_CLASS = "OwlApiCheck"
JAR_DIR = Path(os.environ.get("KGQA_OWLAPI_JAR_DIR", "/usr/share/java"))

# The OWL API 5.1 jar from Debian and what it needs at run time. Debian's jars carry
# no Class-Path, and the Rio parsers are found through ServiceLoader, so every jar
# is listed. slf4j-jdk14 routes the OWL API's log into java.util.logging, where the
# check counts logged parser errors; exactly one SLF4J binding may be present, which
# is why this is an explicit list and not /usr/share/java/*.
JARS = (
    "owlapi-distribution",
    "guava",
    "caffeine",
    "commons-io",
    "commons-codec",
    "commons-rdf-api",
    "hppcrt",
    "jsr305",
    "atinject-jsr330-api",
    "xz",
    "slf4j-api",
    "slf4j-jdk14",
    "jcl-over-slf4j",
    "rdf4j-model-api",
    "rdf4j-model-vocabulary",
    "rdf4j-model",
    "rdf4j-util",
    "rdf4j-rio-api",
    "rdf4j-rio-datatypes",
    "rdf4j-rio-languages",
    "rdf4j-rio-turtle",
    "rdf4j-rio-rdfxml",
    "rdf4j-rio-ntriples",
    "rdf4j-rio-nquads",
    "rdf4j-rio-n3",
    "rdf4j-rio-trig",
    "rdf4j-rio-trix",
    "rdf4j-rio-jsonld",
    "rdf4j-rio-rdfjson",
    "rdf4j-rio-binary",
    "rdf4j-rio-hdt",
    "jsonld-java",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "httpclient",
    "httpclient-cache",
    "httpcore",
)

# C1 only and the serial GC: the check runs for well under a second, so a fast JVM
# start matters more than peak speed.
JAVA_OPTS = os.environ.get("KGQA_OWLAPI_JAVA_OPTS", "-Xmx2g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split()

# Exit codes of OwlApiCheck.java.
EXIT_OK, EXIT_NOT_DL, EXIT_LOAD_ERROR, EXIT_INTERNAL = 0, 1, 2, 3

INSTALL_HINT = "run scripts/system-deps.sh as root (installs openjdk-17-jdk-headless and libowlapi-java)"


class OwlApiCheckError(RuntimeError):
    """The check itself failed (not a verdict on the ontology): bad class path, crash, timeout."""


def _tool(name: str) -> str | None:
    """java/javac from $JAVA_HOME first (what a developer selected), then PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def classpath_jars() -> list[Path]:
    """The jars of JARS in JAR_DIR, in order (missing ones included, see missing())."""
    return [JAR_DIR / f"{name}.jar" for name in JARS]


def missing() -> list[str]:
    """What keeps the check from running here, as readable reasons; empty when it can run."""
    problems = []
    for tool in ("java", "javac"):
        if _tool(tool) is None:
            problems.append(f"no `{tool}` (JDK 17) on PATH or in $JAVA_HOME")
    jars = [p.name for p in classpath_jars() if not p.is_file()]
    if len(jars) == len(JARS) or "owlapi-distribution.jar" in jars:
        problems.append(f"the OWL API is not installed (no {JAR_DIR / 'owlapi-distribution.jar'})")
    elif jars:
        problems.append(f"{len(jars)} jar(s) the OWL API needs are missing from {JAR_DIR}: {', '.join(jars)}")
    return problems


def available() -> bool:
    """Whether Java, javac and every OWL API jar are present."""
    return not missing()


def require() -> None:
    """Skip the calling test when the check cannot run, but fail under CI.

    A CI job that silently skips the OWL API check would report green for an
    ontology Protégé cannot open, so with $CI set a missing dependency is an error.
    """
    problems = missing()
    if problems:
        skip_or_fail(f"OWL API check unavailable: {'; '.join(problems)}; {INSTALL_HINT}")


def cache_root() -> Path:
    """Where compiled classes are kept: the repo's pytest cache, or the temp dir if read-only."""
    override = os.environ.get("KGQA_OWLAPI_CACHE")
    if override:
        return Path(override)
    pytest_cache = REPO / ".pytest_cache"
    try:
        pytest_cache.mkdir(exist_ok=True)
        if os.access(pytest_cache, os.W_OK):
            return pytest_cache / "kgqa-owlapi-classes"
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "kgqa-owlapi-classes"


def _classpath() -> str:
    return os.pathsep.join(str(p) for p in classpath_jars())


def compiled_classes() -> Path:
    """Compile OwlApiCheck.java once; return the folder holding its classes.

    The cache key covers the source, the class path and the javac binary, so an
    edit, a different jar set or a JDK upgrade recompiles. Compiling into a temp
    folder and renaming it makes concurrent test processes safe.
    """
    javac = _tool("javac")
    if javac is None:
        raise OwlApiCheckError(f"no javac; {INSTALL_HINT}")
    key = hashlib.sha256()
    key.update(SOURCE.read_bytes())
    key.update(_classpath().encode())
    key.update(os.path.realpath(javac).encode())
    target = cache_root() / key.hexdigest()[:16]
    if (target / f"{MAIN_CLASS}.class").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".tmp", dir=target.parent))
    try:
        proc = subprocess.run(
            [
                javac,
                "-nowarn",
                "-Xlint:none",
                "-encoding",
                "UTF-8",
                "-d",
                str(staging),
                "-cp",
                _classpath(),
                str(SOURCE),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise OwlApiCheckError(f"javac failed on {SOURCE.name}:\n{proc.stdout}{proc.stderr}")
        try:
            staging.rename(target)
        except OSError:
            if not (target / f"{MAIN_CLASS}.class").is_file():  # another process did not win the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def check(
    path: str | os.PathLike[str],
    *,
    catalog: str | os.PathLike[str] | None = None,
    use_catalog: bool = True,
    auto_map: bool = True,
    merged_out: str | os.PathLike[str] | None = None,
    timeout: float = 300,
) -> dict[str, Any]:
    """Load `path` with the OWL API as Protégé would; return the check's JSON report.

    catalog: use this catalog instead of the catalog-v001.xml next to the file.
    use_catalog=False: ignore that catalog (as if it were not there).
    auto_map=False: without a catalog, do not map the folder's RDF/XML files either.
    merged_out: also write the imports closure, merged, as RDF/XML (reasoner input);
    only written when the file loads cleanly.

    Besides the fields OwlApiCheck.java prints (see its header), the dict has
    `exit_code`, `wall_seconds` (JVM start included) and `stderr` (tail).
    Raises OwlApiCheckError when the checker itself fails.
    """
    java = _tool("java")
    if java is None:
        raise OwlApiCheckError(f"no java; {INSTALL_HINT}")
    args: list[str] = []
    if catalog is not None:
        args += ["--catalog", str(catalog)]
    if not use_catalog:
        args.append("--no-catalog")
    if not auto_map:
        args.append("--no-auto-map")
    if merged_out is not None:
        args += ["--merged-out", str(merged_out)]
    classes = compiled_classes()
    cmd = [java, *JAVA_OPTS, "-cp", f"{classes}{os.pathsep}{_classpath()}", MAIN_CLASS, *args, str(path)]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OwlApiCheckError(f"OWL API check of {path} timed out after {timeout} s") from exc
    wall = time.monotonic() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode not in (EXIT_OK, EXIT_NOT_DL, EXIT_LOAD_ERROR, EXIT_INTERNAL) or not lines:
        raise OwlApiCheckError(
            f"OWL API check of {path} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    report: dict[str, Any] = json.loads(lines[-1])
    if report.get("status") == "internal_error":
        raise OwlApiCheckError(
            f"OWL API check of {path} crashed: {report.get('internal_error')}\n{proc.stderr[-3000:]}"
        )
    report["exit_code"] = proc.returncode
    report["wall_seconds"] = round(wall, 3)
    report["stderr"] = proc.stderr[-3000:]
    return report


def describe(report: dict[str, Any]) -> str:
    """The problems of a report, one per line, for assertion messages."""
    lines = [f"{report.get('file')}: status={report.get('status')}"]
    for key in ("load_errors", "unparsed_triples", "dl_violations", "undeclared_entities", "warnings"):
        for item in report.get(key) or []:
            lines.append(f"  {key}: {item}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: print the report of one file; exit with the check's exit code."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--catalog")
    ap.add_argument("--no-catalog", action="store_true")
    ap.add_argument("--merged-out")
    args = ap.parse_args(argv)
    problems = missing()
    if problems:
        print(f"owlapi: cannot run: {'; '.join(problems)}; {INSTALL_HINT}", file=sys.stderr)
        return 69
    report = check(args.file, catalog=args.catalog, use_catalog=not args.no_catalog, merged_out=args.merged_out)
    report.pop("stderr", None)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return int(report["exit_code"])


if __name__ == "__main__":
    sys.exit(main())
