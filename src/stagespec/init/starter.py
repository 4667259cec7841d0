"""The commented starter `stack.yaml` that `stagespec init` writes.

The starter must validate with no diagnostics at all: a new user's first `validate` is
clean, and every section shows the shape of a working example rather than a placeholder.
"""

from __future__ import annotations

import re

from stagespec.errors import UsageError
from stagespec.model.schema import SCHEMA_ID

# The model's ProjectName pattern: the name becomes a compose project, a database name
# and part of a Python module name, so it is checked before it enters the text.
_PROJECT = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_MODULE_SUFFIX = "_runtime"
_NETWORK_SUFFIX = "-network"

_TEMPLATE = """\
# yaml-language-server: $schema={schema_id}
# The {project} stack, in one file: `stagespec validate` checks it and
# `stagespec build` writes docker-compose.yml, .env, the Prometheus and Grafana
# configuration and a typed Python runtime module from it.
stagespec: 1
project: {project}

network:
  name: {network}
  driver: bridge

# Secrets are declared once, by where their value comes from at deploy time
# (`{{env: VAR}}` or `{{file: path}}`); the spec refers to them by name only.
secrets:
  db_password: {{env: DB_PASSWORD}}

volumes:
  db_data: {{}}

services:
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_DB: {database}
      POSTGRES_USER: {database}
      POSTGRES_PASSWORD: {{secret: db_password}}
    volumes: ["db_data:/var/lib/postgresql/data"]
    healthcheck:
      test: [CMD, pg_isready, -U, {database}]
      interval: 10s
      timeout: 5s
      retries: 5
    memory: 256m

  app:
    build: ./app
    ports: ["8000:8000"]
    environment:
      DB_HOST: db
      DB_NAME: {database}
      DB_USER: {database}
      DB_PASSWORD: {{secret: db_password}}
    healthcheck:
      test: [CMD, curl, -f, "http://localhost:8000/health"]
      interval: 15s
      timeout: 5s
      retries: 3
    depends_on: [db]        # starts once db's healthcheck passes
    memory: 512m
    metrics: {{port: 8000, path: /metrics}}   # what Prometheus scrapes, when monitoring is on

# Monitoring is optional: uncomment to run Prometheus and Grafana beside the stack
# (Grafana also needs its admin password declared under `secrets:`).
# monitoring:
#   prometheus:
#     image: prom/prometheus:v2.54.1
#     retention: 7d
#   grafana:
#     image: grafana/grafana:11.3.0
#     port: 3000
#     admin_password: {{secret: grafana_admin_password}}

# Circuit breakers guard the app's dependencies; their weights add up to exactly 1.
# Degradation tiers go from best to worst: each needs a health score of at least
# min_score (0-100) and keeps a subset of the features of the tier above it.
resilience:
  breakers:
    database: {{weight: 1, failure_threshold: 3, recovery_timeout: 20s, service: db}}
  degradation:
    features: [browse, edit]
    tiers:
      - name: optimal
        min_score: 50
        features: all
      - name: read_only
        min_score: 0
        read_only: true
        features: [browse]

# Settings for the service that imports the generated Python runtime module.
runtime:
  service: app
  module: {module}

# Environments: each lists only what differs from the stack above.
environments:
  staging: {{}}
  production:
    services:
      app: {{ports: null}}     # reached through a proxy, not the host port
    runtime:
      security: {{force_https: true}}
"""


def starter_spec(project: str) -> str:
    """A commented starter stack.yaml for `project` that validates with no diagnostics."""
    if not _PROJECT.match(project):
        raise UsageError(
            f"project name {project!r} is not valid: use lower-case letters, digits, "
            "'-' and '_', starting with a letter (at most 63 characters)"
        )
    database = project.replace("-", "_")
    return _TEMPLATE.format(
        schema_id=SCHEMA_ID,
        project=project,
        network=project[: 63 - len(_NETWORK_SUFFIX)] + _NETWORK_SUFFIX,
        database=database,
        module=database[: 63 - len(_MODULE_SUFFIX)] + _MODULE_SUFFIX,
    )
