"""A deterministic, valid stagespec spec with N services, for benchmarks.

    python benchmarks/genspec.py N > spec.yaml

Services cycle through four kinds (database, cache, api, worker), all image-based so that
`docker-compose config` needs no build context. Every service publishes one unique host
port, has a healthcheck and a memory limit; databases own a named volume; apis and
workers depend on earlier services only, so `depends_on` never forms a cycle. About N/10
circuit breakers (1 to 50) get weights that add up to exactly 1. The same N always gives
the same bytes.
"""

from __future__ import annotations

import re
import sys
from decimal import ROUND_DOWN, Decimal
from typing import Any

import yaml

FIRST_HOST_PORT = 20000  # clear of monitoring (9090, 3000) and of well-known ports
MAX_SERVICES = 65535 - FIRST_HOST_PORT + 1
MAX_BREAKERS = 50
WEIGHT_STEP = Decimal("0.0001")
KINDS = ("db", "cache", "api", "worker")
FEATURES = [f"feature_{i:02d}" for i in range(1, 13)]

SECRETS = {
    "db_password": {"env": "DB_PASSWORD"},
    "api_key": {"env": "API_KEY_VALUE"},
    "grafana_admin_password": {"env": "GRAFANA_ADMIN_PASSWORD"},
}


class _Dumper(yaml.SafeDumper):
    """Writes Decimal weights as the exact decimal text the spec loader reads back."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # compose-spec and stagespec both ask for HOST:CONTAINER ports as quoted strings
    style = '"' if _PORT.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_PORT = re.compile(r"[0-9]+:[0-9]+")
_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(str, _str)


def service_name(i: int) -> str:
    """The name of the i-th service (0-based): its kind and a zero-padded index."""
    return f"{KINDS[i % len(KINDS)]}-{i:05d}"


def _latest(kind: str, before: int) -> str | None:
    """The last service of `kind` with an index below `before`, if any."""
    index = before - 1 - (before - 1 - KINDS.index(kind)) % len(KINDS)
    return service_name(index) if index >= 0 else None


def _db(i: int) -> dict[str, Any]:
    return {
        "image": "postgres:15-alpine",
        "environment": {
            "POSTGRES_DB": f"app_{i:05d}",
            "POSTGRES_USER": "app",
            "POSTGRES_PASSWORD": {"secret": "db_password"},
        },
        "volumes": [f"data-{i:05d}:/var/lib/postgresql/data"],
        "healthcheck": {
            "test": ["CMD", "pg_isready", "-U", "app", "-d", f"app_{i:05d}"],
            "interval": "10s",
            "timeout": "5s",
            "retries": 5,
        },
        "memory": "256m",
    }


def _cache(i: int) -> dict[str, Any]:
    return {
        "image": "redis:7-alpine",
        "command": ["redis-server", "--maxmemory", "64mb", "--appendonly", "yes"],
        "healthcheck": {"test": ["CMD", "redis-cli", "ping"], "interval": "10s", "retries": 5},
        "memory": "128m",
    }


def _app(i: int, kind: str) -> dict[str, Any]:
    db, cache = _latest("db", i), _latest("cache", i)
    needs = [db, cache] if kind == "api" else [_latest("api", i) or db]
    service: dict[str, Any] = {
        "image": f"ghcr.io/example/{kind}:1.{i % 7}.{i % 3}",
        "depends_on": [name for name in needs if name],
        "environment": {
            "DB_HOST": db,
            "DB_PASSWORD": {"secret": "db_password"},
            "REDIS_URL": f"redis://{cache}:6379/0" if cache else "",
            "WORKERS": 1 + i % 4,
        },
        "healthcheck": {
            "test": ["CMD-SHELL", "wget -qO- http://localhost:8080/health || exit 1"],
            "interval": "15s",
            "timeout": "5s",
            "retries": 3,
            "start_period": "20s",
        },
        "memory": "512m" if kind == "api" else "256m",
    }
    if kind == "api":
        service["environment"]["UPSTREAM_API_KEY"] = {"secret": "api_key"}
        service["metrics"] = {"port": 8080, "path": "/metrics", "api_key": {"secret": "api_key"}}
    return service


def _service(i: int) -> dict[str, Any]:
    kind = KINDS[i % len(KINDS)]
    service = _db(i) if kind == "db" else _cache(i) if kind == "cache" else _app(i, kind)
    container = {"db": 5432, "cache": 6379}.get(kind, 8080)
    ports = [f"{FIRST_HOST_PORT + i}:{container}"]
    return {"image": service.pop("image"), "ports": ports, **service}


def breaker_weights(count: int) -> list[Decimal]:
    """Equal shares rounded down to 0.0001, the remainder on the last: they sum to exactly 1."""
    share = (Decimal(1) / count).quantize(WEIGHT_STEP, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [Decimal(1) - share * (count - 1)]


def _resilience(n: int) -> dict[str, Any]:
    count = max(1, min(MAX_BREAKERS, n // 10))
    breakers: dict[str, Any] = {}
    for k, weight in enumerate(breaker_weights(count)):
        breakers[f"breaker_{k:02d}"] = {
            "weight": weight,
            "failure_threshold": 3 + k % 3,
            "recovery_timeout": f"{15 + 5 * (k % 4)}s",
            "half_open_requests": 1 + k % 2,
            "service": service_name((k * n) // count),
        }
    tiers = [
        {"name": "optimal", "min_score": 90, "features": "all", "cache": "enabled"},
        {"name": "degraded", "min_score": 70, "features": FEATURES[:8], "cache": "fallback"},
        {"name": "minimal", "min_score": 40, "features": FEATURES[:3], "read_only": True},
        {"name": "emergency", "min_score": 0, "features": [], "status_page_only": True},
    ]
    return {"breakers": breakers, "degradation": {"features": FEATURES, "tiers": tiers}}


def _runtime(n: int) -> dict[str, Any]:
    first_api = KINDS.index("api")
    return {
        "service": service_name(first_api if n > first_api else 0),
        "module": "bench_runtime",
        "security": {
            "api_key": {"secret": "api_key"},
            "rate_limit": {"requests": 100, "window": "60s"},
            "csp": "default-src 'self'",
        },
        "logging": {"format": "json", "request_id_header": "X-Request-ID"},
    }


def spec_data(n: int) -> dict[str, Any]:
    """The spec with `n` services, as the plain data its YAML holds."""
    if not 1 <= n <= MAX_SERVICES:
        raise ValueError(f"N must be between 1 and {MAX_SERVICES}, not {n}")
    volumes: dict[str, Any] = {f"data-{i:05d}": {} for i in range(0, n, len(KINDS))}
    volumes |= {"prometheus_data": {}, "grafana_data": {}}
    return {
        "stagespec": 1,
        "project": f"bench-{n}",
        "network": {"name": "bench-network", "driver": "bridge"},
        "secrets": SECRETS,
        "volumes": volumes,
        "services": {service_name(i): _service(i) for i in range(n)},
        "monitoring": {
            "prometheus": {
                "image": "prom/prometheus:v2.54.1",
                "retention": "7d",
                "volume": "prometheus_data",
            },
            "grafana": {
                "image": "grafana/grafana:11.3.0",
                "admin_password": {"secret": "grafana_admin_password"},
                "volume": "grafana_data",
            },
        },
        "resilience": _resilience(n),
        "runtime": _runtime(n),
    }


def generate(n: int) -> str:
    """The YAML text of the spec with `n` services."""
    header = f"# synthetic stagespec spec with {n} services, from benchmarks/genspec.py\n"
    body = yaml.dump(
        spec_data(n),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + body


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit("usage: python benchmarks/genspec.py N > spec.yaml")
    try:
        text = generate(int(argv[0]))
    except ValueError as e:
        sys.exit(str(e))
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
