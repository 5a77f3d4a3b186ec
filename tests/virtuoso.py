"""A real Virtuoso (Debian's `virtuoso-opensource`) for the remote-store suite, in a throwaway directory.

`virtuoso-t` runs in the foreground (`-f`) from a virtuoso.ini written here: loopback ports that were
free, the database in the directory given, the SPARQL endpoint on, and the two limits the suite
tests: `ResultSetMaxRows` (Virtuoso cuts longer answers silently but for a header) and
`MaxQueryExecutionTime`. The graph goes in as a user loads it: `kgqa load --endpoint` through the
Graph Store at /sparql-graph-crud-auth, with digest authentication as `dba` (the password of a
fresh database).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import BIN, ROOT, free_port, wait_until_responds
from tests.procs import stop

EXECUTABLE = "virtuoso-t"
# Small on purpose: a test can ask for one row past it without a huge answer.
MAX_ROWS = 10_000
MAX_SECONDS = 30
USER = "dba:dba"

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 8
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 8
ServerThreads = 8
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 400
"""


def executable() -> str | None:
    """The Virtuoso server binary, or None when it is not installed (`scripts/system-deps.sh`)."""
    return shutil.which(EXECUTABLE)


@dataclass(frozen=True)
class Server:
    """A running Virtuoso: its SPARQL endpoint, process, `kgqa load` arguments and SQL (isql) port."""

    endpoint: str
    proc: subprocess.Popen
    load_args: tuple[str, ...]
    sql_port: int


def isql(server: Server, *statements: str) -> str:
    """Run SQL statements with Virtuoso's `isql` as dba (Debian names it isql-vt); their output."""
    exe = shutil.which("isql-vt") or shutil.which("isql")
    assert exe is not None, "Virtuoso's isql is not installed"
    done = subprocess.run(
        [exe, str(server.sql_port), "dba", "dba", "exec=" + " ".join(statements)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


@contextlib.contextmanager
def running(directory: Path, *, load: bool = True) -> Iterator[Server]:
    """A Virtuoso on free loopback ports with its database in `directory` (allowed for its bulk
    loader), loaded with the built graph by `kgqa load --endpoint` unless `load` is False; stopped
    after."""
    exe = executable()
    assert exe is not None
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        INI.format(dir=directory, sql_port=sql_port, http_port=http_port, max_rows=MAX_ROWS, max_seconds=MAX_SECONDS),
        encoding="utf-8",
    )
    log = (directory / "stdout.log").open("wb")
    proc = subprocess.Popen([exe, "-f", "-c", str(ini)], cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    endpoint = f"{base}/sparql"
    try:
        wait_until_responds(endpoint + "?query=ASK%7B%7D", timeout=120, proc=proc)
        load_args = ("--endpoint", endpoint, "--graph-store", f"{base}/sparql-graph-crud-auth", "--user", USER)
        if load:
            subprocess.run(
                [str(BIN / "kgqa"), "load", *load_args], cwd=ROOT, check=True, capture_output=True, env={**os.environ}
            )
        yield Server(endpoint, proc, load_args, sql_port)
    finally:
        stop(proc)
        log.close()
