"""The settings (`kgqa.settings.Settings`): types from the annotations, precedence, bad values, docs."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from kgqa.settings import Settings, SettingsError, env_names
from tests.conftest import MINI, ROOT


def test_each_field_has_its_variable_and_a_doc() -> None:
    names = env_names()
    assert names["KGQA_QUERY_TIMEOUT"] == "query_timeout" and names["KGQA_RESERVED_WORKERS"] == "reserved_workers"
    assert len(names) == len(dataclasses.fields(Settings))
    for f in dataclasses.fields(Settings):
        assert f.metadata["doc"].strip(), f.name


def test_environment_strings_are_read_as_the_annotation_says() -> None:
    environ = {
        "KGQA_DATA_FILES": os.pathsep.join(["a.trig", "b.trig"]),
        "KGQA_QUERY_TIMEOUT": "2.5",
        "KGQA_WORKERS": "3",
        "KGQA_CORS": "off",
        "KGQA_ENDPOINT": "",
        "KGQA_TEST_BASE_URL": "http://elsewhere",  # not a setting: left alone
    }
    settings = Settings.load(environ=environ)
    assert settings.data_files == ("a.trig", "b.trig")
    assert settings.query_timeout == 2.5 and settings.workers == 3
    assert settings.cors is False and settings.endpoint is None
    assert Settings.load(environ={"KGQA_CORS": "Yes"}).cors is True


def test_defaults_then_environment_then_options() -> None:
    assert Settings.load(environ={}).query_timeout == 10.0
    assert Settings.load(environ={"KGQA_QUERY_TIMEOUT": "3"}).query_timeout == 3.0
    settings = Settings.load({"KGQA_QUERY_TIMEOUT": 4, "KGQA_MAX_ROWS": "9"}, environ={"KGQA_QUERY_TIMEOUT": "3"})
    assert settings.query_timeout == 4.0 and settings.max_rows == 9


def test_settings_are_frozen_and_checked_when_replaced() -> None:
    settings = Settings.load(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.workers = 5  # type: ignore[misc]
    with pytest.raises(SettingsError, match="KGQA_WORKERS"):
        dataclasses.replace(settings, workers=0)


@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("KGQA_QUERY_TIMEOUT", "abc", "must be a number, got 'abc'"),
        ("KGQA_QUERY_TIMEOUT", "nan", "finite"),
        ("KGQA_QUERY_TIMEOUT", "0", "more than 0"),
        ("KGQA_WORKERS", "-1", "more than 0"),
        ("KGQA_WORKERS", "2.5", "whole number"),
        ("KGQA_RESERVED_WORKERS", "-1", "0 or more"),
        ("KGQA_MAX_ROWS", "many", "whole number"),
        ("KGQA_CORS", "maybe", "yes or no"),
    ],
)
def test_a_bad_environment_value_names_its_variable(var: str, value: str, says: str) -> None:
    with pytest.raises(ValueError, match=var) as caught:
        Settings.load(environ={var: value})
    assert isinstance(caught.value, SettingsError) and says in str(caught.value)


def test_a_bad_option_value_and_an_unknown_key_are_refused() -> None:
    with pytest.raises(SettingsError, match="KGQA_WORKERS"):
        Settings.load({"KGQA_WORKERS": True}, environ={})
    with pytest.raises(SettingsError, match="KGQA_MAX_ROWS"):
        Settings.load({"KGQA_MAX_ROWS": None}, environ={})
    with pytest.raises(SettingsError, match="unknown setting KGQA_QUERY_TIMEOUTS"):
        Settings.load({"KGQA_QUERY_TIMEOUTS": 3}, environ={})


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "--name", "anything"],
        ["ask", "who?"],
        ["serve", "--port", "0"],
        ["serve", "--port", "0", "--processes", "2"],  # refused before any process is forked
        ["load", "--store", "unused"],
    ],
)
def test_the_command_exits_2_on_a_bad_environment_value(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kgqa.cli.main import main

    monkeypatch.setenv("KGQA_QUERY_TIMEOUT", "abc")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"kgqa {argv[0]}: KGQA_QUERY_TIMEOUT must be a number, got 'abc'" in err


def test_an_option_replaces_its_variable_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    from kgqa.cli.main import _settings, build_parser

    monkeypatch.setenv("KGQA_QUERY_TIMEOUT", "abc")
    monkeypatch.setenv("KGQA_WORKERS", "4")
    settings = _settings(build_parser().parse_args(["query", "--name", "x", "--timeout", "3"]), workers=1)
    assert settings.query_timeout == 3.0 and settings.workers == 1  # `kgqa query` runs one worker


def test_a_bad_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli.main import main

    assert main(["serve", "--port", "0", "--workers", "-1"]) == 2
    assert "KGQA_WORKERS must be more than 0" in capsys.readouterr().err


def test_flask_config_holds_only_flask_keys(mini_state) -> None:
    from kgqa.web import create_app

    app = create_app({"TESTING": True, **MINI, "KGQA_MAX_QUERY_BYTES": 1000}, state=mini_state)
    assert not [key for key in app.config if key.startswith("KGQA_")]
    assert app.config["TESTING"] is True and app.config["MAX_CONTENT_LENGTH"] == 1000 + 4096
    # The app's own setting on top of the shared state's; the shared state is unchanged.
    assert app.extensions["kgqa"].settings.max_query_bytes == 1000
    assert app.extensions["kgqa"].store is mini_state.store
    assert mini_state.settings.max_query_bytes == 64 * 1024
    with pytest.raises(SettingsError, match="unknown setting KGQA_NOPE"):
        create_app({"KGQA_NOPE": 1}, state=mini_state)


def _readme_settings() -> dict[str, str]:
    """The README's settings table: each row's `KGQA_*` variable, to the row."""
    rows: dict[str, str] = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `(KGQA_[A-Z_]+)`", line)
        if found:
            rows[found.group(1)] = line
    return rows


def test_every_setting_is_in_the_readme_table_and_nothing_else() -> None:
    """Datasette's test_docs.py habit: the table and the code cannot drift apart."""
    documented = _readme_settings()
    assert sorted(documented) == sorted(env_names())


def test_the_readme_names_the_options_that_set_a_setting() -> None:
    """A `kgqa` option that sets a setting appears in its row: `KGQA_QUERY_TIMEOUT` (`--timeout`)."""
    from kgqa.cli.main import _OPTION_SETTINGS
    from kgqa.settings import env_name

    documented = _readme_settings()
    for option, name in _OPTION_SETTINGS.items():
        flag = "--" + option.replace("_", "-")
        assert f"`{env_name(name)}` (`{flag}`)" in documented[env_name(name)], flag


def test_the_default_paths_are_in_the_checkout() -> None:
    defaults = Settings()
    assert [Path(p).relative_to(ROOT) for p in defaults.data_files] == [Path("kg/dist/kgqa-kg.trig")]
    assert Path(defaults.queries_dir) == ROOT / "queries"
