"""The commands over their operations: the same source selection as `fetch`, failures as exit codes, and a start
that imports no stage it does not need."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from conftest import GOLDEN_FEED, run_cli, write_config
from newsmirror.cli import app


def test_sources_check_refuses_an_unknown_name_as_fetch_does(server, tmp_path):
    write_config(tmp_path, [{"name": "大纪元", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())}])
    checked = run_cli("sources", "check", "大纪元", "无此源", "-C", str(tmp_path))
    fetched = run_cli("fetch", "-s", "大纪元", "-s", "无此源", "-C", str(tmp_path))
    assert checked.returncode == fetched.returncode == 2
    assert checked.stderr == fetched.stderr == "error no source named 无此源\n"
    assert server.hits == {}


def test_sources_check_without_names_checks_disabled_sources_too(server, tmp_path):
    url = server.add("/g.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "a", "url": url}, {"name": "off", "url": url, "enabled": False}])
    result = CliRunner().invoke(app, ["sources", "check", "-C", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in json.loads(result.stdout)] == ["a", "off"]
    named = CliRunner().invoke(app, ["sources", "check", "off", "-C", str(tmp_path), "--json"])
    assert [c["name"] for c in json.loads(named.stdout)] == ["off"]


def test_sources_export_refuses_an_unknown_format(tmp_path):
    write_config(tmp_path, [{"name": "a", "url": "https://a.example/feed"}])
    result = CliRunner().invoke(app, ["sources", "export", "-C", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 2
    assert result.stderr == "error unknown format 'csv': use opml or subs.json\n"


def test_a_negative_max_runs_is_refused_before_any_run(tmp_path):
    write_config(tmp_path, [])
    result = CliRunner().invoke(app, ["run", "-C", str(tmp_path), "--max-runs", "-1"])
    assert result.exit_code == 2 and result.stderr == "error --max-runs must be 0 or more\n"


def test_starting_the_command_imports_no_stage():
    """Each command imports what it runs when it runs: `status` or `sources list` never pay for httpx or Jinja2."""
    code = (
        "import sys, newsmirror.cli\n"
        "heavy = ['httpx', 'jinja2', 'lxml', 'yaml', 'newsmirror.operations.fetch', 'newsmirror.site.build',"
        " 'newsmirror.ingest.http', 'rich.progress']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_command_module_is_a_command_of_that_name_loaded_only_when_run():
    from importlib import import_module
    from pathlib import Path

    main = import_module("newsmirror.cli.main")  # the module (newsmirror.cli.main is also its function's name)
    folder = Path(main.__file__).parent / "commands"
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    assert set(main.COMMANDS.values()) == modules
    for name in main.COMMANDS:
        command = app.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name
    code = "import sys, newsmirror.cli\nprint(sorted(m for m in sys.modules if m.startswith('newsmirror.cli.commands.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    assert app.get_command(None, "nosuch") is None  # type: ignore[arg-type]
