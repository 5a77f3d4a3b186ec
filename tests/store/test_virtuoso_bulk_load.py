"""The bulk-load path the README shows for a large graph on Virtuoso ("When one machine is not
enough"), run as written: `ld_dir` on the built TriG (graph names from the file), `ld_add` for the
ontology, `rdf_loader_run()`, `checkpoint`. The service on it then holds what the embedded store
holds and answers alike.
"""

from __future__ import annotations

import shutil

import pytest

from kgqa.canned.results import run
from tests.ci import skip_or_fail
from tests.conftest import ROOT
from tests.store.test_remote_store import normalise, sample_params

pytestmark = pytest.mark.server

ASSERTED = "https://w3id.org/kgqa/graph/asserted"
ONTOLOGY = "https://w3id.org/kgqa/graph/ontology"


def test_the_readme_bulk_load_gives_the_same_service(built_state, tmp_path):
    from kgqa.state import open_state
    from tests import virtuoso

    if virtuoso.executable() is None:
        skip_or_fail(f"Virtuoso ({virtuoso.EXECUTABLE}) is not installed; as root: scripts/system-deps.sh")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "kg" / "dist" / "kgqa-kg.trig", data)
    shutil.copy(ROOT / "ontology" / "kgqa.ttl", data)
    with virtuoso.running(tmp_path, load=False) as server:
        out = virtuoso.isql(
            server,
            f"ld_dir('{data}', '*.trig', '{ASSERTED}');",
            f"ld_add('{data}/kgqa.ttl', '{ONTOLOGY}');",
            "rdf_loader_run();",
            "checkpoint;",
            "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;",
        )
        assert "0 Rows." in out, out
        state = open_state({"KGQA_ENDPOINT": server.endpoint})
        try:
            assert state.known_graphs == built_state.known_graphs
            assert state.triples == built_state.triples
            for name in ("round-lead", "did-lead", "valued-above", "product-comparisons"):
                canned = built_state.registry.get(name)
                params = sample_params(built_state, canned)
                assert normalise(run(state, canned, params)[0]) == normalise(run(built_state, canned, params)[0]), name
        finally:
            state.close()
