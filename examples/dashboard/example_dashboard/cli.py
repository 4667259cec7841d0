"""Command line: load the generated runtime module, then serve it with uvicorn until stopped."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import uvicorn

from example_dashboard.app import Dashboard, create_app
from example_dashboard.dependencies import Dependencies
from example_dashboard.runtime import RuntimeLoadError, load_runtime

RUNTIME_VARIABLE = "STAGESPEC_RUNTIME"
API_KEY_VARIABLE = "API_KEY"
"""The variable the generated compose file gives the dashboard its key in."""


class UsageError(Exception):
    """The options do not fit the runtime module or the machine."""


def parse_args(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="dashboard", description="Example dashboard on a stagespec runtime module."
    )
    runtime = environ.get(RUNTIME_VARIABLE) or None
    parser.add_argument(
        "--runtime",
        required=runtime is None,
        default=runtime,
        metavar="FILE_OR_MODULE",
        help="the generated runtime module: its file, or its name on the import path"
        f" (default: ${RUNTIME_VARIABLE})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument(
        "--api-key-file",
        help="file holding the API key (default: the module's API_KEY_SECRET_FILE); the"
        f" variable the module's API_KEY_ENV names, or ${API_KEY_VARIABLE}, wins when set",
    )
    parser.add_argument(
        "--fail", action="append", default=[], metavar="NAME", help="start with NAME failing"
    )
    parser.add_argument(
        "--probe-interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="call every dependency this often (0: never; calls then come only from requests)",
    )
    return parser.parse_args(argv)


def read_api_key(path: str | None, variable: str | None, environ: Mapping[str, str]) -> str | None:
    """The key that the keyed routes require: the variable's value, else the file's text.

    None (no key, every route open) only when neither a variable nor a file is named.
    """
    for name in dict.fromkeys((variable, API_KEY_VARIABLE)):
        if name and environ.get(name):
            return environ[name]
    if path is None:
        if variable is not None:
            raise ValueError(f"${variable} is not set")
        return None
    # Prometheus trims the credentials file it sends, so a trailing newline is not the key's.
    key = Path(path).read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"{path} is empty")
    return key


def build_dashboard(args: argparse.Namespace, environ: Mapping[str, str]) -> Dashboard:
    """The dashboard from the options; raises UsageError when they do not fit."""
    try:
        runtime = load_runtime(args.runtime)
    except RuntimeLoadError as error:
        raise UsageError(str(error)) from error
    try:
        path = args.api_key_file or runtime.API_KEY_SECRET_FILE
        api_key = read_api_key(path, runtime.API_KEY_ENV, environ)
    except (OSError, ValueError) as error:
        hint = f"set ${API_KEY_VARIABLE} or --api-key-file"
        # the error names the file and why it cannot be read, never its content
        raise UsageError(f"no API key: {error} ({hint})") from error
    dependencies = Dependencies(runtime.BREAKERS.values())
    for name in args.fail:
        if name not in dependencies:
            raise UsageError(f"--fail {name}: no such dependency; known: {list(runtime.BREAKERS)}")
        dependencies.set_failing(name, True)
    return Dashboard(runtime, dependencies, api_key, probe_interval=args.probe_interval)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard; the exit code."""
    args = parse_args(argv, os.environ)
    try:
        dashboard = build_dashboard(args, os.environ)
    except UsageError as error:
        print(f"dashboard: {error}", file=sys.stderr)
        return 2
    runtime = dashboard.runtime
    address = f"http://{args.host}:{args.port}"
    print(f"dashboard of {runtime.PROJECT} ({runtime.ENVIRONMENT}) on {address}", file=sys.stderr)
    config = uvicorn.Config(
        create_app(dashboard),
        host=args.host,
        port=args.port,
        # the app writes its own access log, one JSON line per request with the request id
        access_log=False,
        log_level=runtime.LOG_LEVEL,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    server.run()
    # uvicorn returns, rather than raising, when it cannot listen or start
    return 0 if server.started else 1
