"""Command line: load the generated runtime module, then serve until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from example_dashboard.app import App, DashboardServer
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
    runtime = environ.get(RUNTIME_VARIABLE)
    parser.add_argument(
        "--runtime",
        required=runtime is None,
        default=runtime,
        help=f"the generated runtime module's file (default: ${RUNTIME_VARIABLE})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument(
        "--api-key-file",
        help=f"file holding the API key (default: the module's API_KEY_SECRET_FILE); "
        f"${API_KEY_VARIABLE}, when set, wins",
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


def read_api_key(path: str | None, environ: Mapping[str, str]) -> str | None:
    """The key that `/metrics` requires: $API_KEY, else the file's text; None: no key."""
    if environ.get(API_KEY_VARIABLE):
        return environ[API_KEY_VARIABLE]
    if path is None:
        return None
    # Prometheus trims the credentials file it sends, so a trailing newline is not the key's.
    key = Path(path).read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"{path} is empty")
    return key


def probe_forever(dependencies: Dependencies, interval: float, stop: threading.Event) -> None:
    """Call every dependency each `interval` seconds until `stop` is set."""
    while not stop.wait(interval):
        dependencies.probe()


def build_app(args: argparse.Namespace, environ: Mapping[str, str]) -> App:
    """The app from the options; raises UsageError when they do not fit."""
    try:
        runtime = load_runtime(Path(args.runtime))
    except RuntimeLoadError as error:
        raise UsageError(str(error)) from error
    try:
        api_key = read_api_key(args.api_key_file or runtime.API_KEY_SECRET_FILE, environ)
    except (OSError, ValueError) as error:
        hint = f"set ${API_KEY_VARIABLE} or --api-key-file"
        raise UsageError(f"no API key: {error} ({hint})") from error
    dependencies = Dependencies(runtime.BREAKERS.values())
    for name in args.fail:
        if name not in dependencies:
            raise UsageError(f"--fail {name}: no such dependency; known: {list(runtime.BREAKERS)}")
        dependencies.set_failing(name, True)
    return App(runtime, dependencies, api_key)


def serve(server: DashboardServer, probe_interval: float) -> None:
    """Serve until SIGINT or SIGTERM, probing the dependencies in the background."""
    app = server.app
    stop = threading.Event()
    if probe_interval > 0:
        threading.Thread(
            target=probe_forever, args=(app.dependencies, probe_interval, stop), daemon=True
        ).start()
    # SIGTERM (docker stop, a test's terminate) ends serve_forever as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    host, port = server.server_address[:2]
    address = f"http://{host!s}:{port}"
    runtime = app.runtime
    print(f"dashboard of {runtime.PROJECT} ({runtime.ENVIRONMENT}) on {address}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard; the exit code."""
    args = parse_args(argv, os.environ)
    try:
        server = DashboardServer((args.host, args.port), build_app(args, os.environ))
    except UsageError as error:
        print(f"dashboard: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"dashboard: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    serve(server, args.probe_interval)
    return 0
