"""The dashboard's command line: where the runtime module and the API key come from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from example_dashboard import cli
from example_dashboard.runtime import RuntimeLoadError, load_runtime

from stagespec.model.spec import SecretSource

SECRET = "cli-secret-value"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_module_is_imported_by_name_from_the_import_path(
    render_runtime: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = render_runtime()
    monkeypatch.syspath_prepend(str(path.parent))
    module = load_runtime(path.stem)
    assert module.SERVICE == "dashboard"
    assert Path(str(getattr(module, "__file__", ""))) == path


def test_a_module_missing_from_the_import_path_says_where_to_mount_it() -> None:
    with pytest.raises(RuntimeLoadError, match=r"no such module on the import path.*PYTHONPATH"):
        load_runtime("no_such_runtime_module")


def test_a_module_without_the_constants_is_refused_by_name(tmp_path: Path) -> None:
    old = tmp_path / "old_runtime.py"
    old.write_text("PROJECT = 'x'\n")
    with pytest.raises(RuntimeLoadError, match=r"no ENVIRONMENT, .*SCRAPE_AUTH_HEADER.*rebuild"):
        load_runtime(str(old))


@pytest.mark.parametrize("runtime", ["missing.py", "nowhere/at/all.py", "no_such_module_x"])
def test_a_bad_runtime_exits_2_with_one_line(
    runtime: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("API_KEY", raising=False)
    code, output = run(["--runtime", runtime], capsys)
    assert code == 2
    assert output.startswith("dashboard: ") and "Traceback" not in output
    assert len(output.splitlines()) == 1


def test_the_key_comes_from_the_variable_the_module_names(
    render_runtime: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = render_runtime()
    args = cli.parse_args(["--runtime", str(path)], {})
    dashboard = cli.build_dashboard(args, {"API_KEY": SECRET})
    assert dashboard.runtime.API_KEY_ENV == "API_KEY"
    assert dashboard.api_key == SECRET


def test_no_key_where_the_module_names_one_exits_2(
    render_runtime: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("API_KEY", raising=False)
    code, output = run(["--runtime", str(render_runtime())], capsys)
    assert code == 2
    assert "no API key: $API_KEY is not set" in output


def test_a_file_sourced_key_is_read_from_the_file_the_module_names(
    render_runtime: Callable[..., Path], reference: Any, tmp_path: Path
) -> None:
    secret = reference.runtime.security.api_key.secret
    path = render_runtime({f"secrets.{secret}": SecretSource(file="./key")})
    module = load_runtime(str(path))
    assert f"/run/secrets/{secret}" == module.API_KEY_SECRET_FILE
    assert module.API_KEY_ENV is None
    key_file = tmp_path / "key"
    key_file.write_text(SECRET + "\n")  # the trailing newline is not the key's
    args = cli.parse_args(["--runtime", str(path), "--api-key-file", str(key_file)], {})
    assert cli.build_dashboard(args, {}).api_key == SECRET
    args = cli.parse_args(["--runtime", str(path)], {})
    with pytest.raises(cli.UsageError, match=f"/run/secrets/{secret}"):
        cli.build_dashboard(args, {})  # the module's file is absent on this machine


def test_an_empty_key_file_is_refused_without_its_content(
    render_runtime: Callable[..., Path], tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("  \n")
    args = cli.parse_args(["--runtime", str(render_runtime()), "--api-key-file", str(key_file)], {})
    with pytest.raises(cli.UsageError, match="is empty"):
        cli.build_dashboard(args, {})


def test_runtime_from_the_environment(render_runtime: Callable[..., Path]) -> None:
    path = render_runtime()
    assert cli.parse_args([], {"STAGESPEC_RUNTIME": str(path)}).runtime == str(path)
    with pytest.raises(SystemExit):
        cli.parse_args([], {})


def test_an_unknown_dependency_to_fail_is_refused(render_runtime: Callable[..., Path]) -> None:
    args = cli.parse_args(["--runtime", str(render_runtime()), "--fail", "ldap"], {})
    with pytest.raises(cli.UsageError, match=r"--fail ldap: no such dependency"):
        cli.build_dashboard(args, {"API_KEY": SECRET})
    args = cli.parse_args(["--runtime", str(render_runtime()), "--fail", "s3"], {})
    dashboard = cli.build_dashboard(args, {"API_KEY": SECRET})
    with pytest.raises(Exception, match="is failing"):
        dashboard.dependencies.call("s3")
