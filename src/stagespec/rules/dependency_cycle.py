"""`depends_on` has no cycle.

Compose starts services in dependency order; a cycle means none of them can start. The
message shows the whole cycle.

Failing:

    services:
      api:    {image: api:1, depends_on: [worker]}
      worker: {image: worker:1, depends_on: [api]}

Fixed: remove one of the edges, e.g. `worker` no longer depends on `api`.

Every dependency is an edge, whatever its condition (`started`, `healthy` or
`completed`): compose orders the start by all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS102"
NAME = "dependency-cycle"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services",)


def check(ctx: Context) -> Iterator[Finding]:
    services = ctx.spec.services
    # each edge with its key or index under `depends_on`, for the finding's position
    edges = {
        n: [(d, key) for key, d, _ in s.dependencies() if d in services and d != n]
        for n, s in services.items()
    }
    graph = {n: [d for d, _ in found] for n, found in edges.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[frozenset[str]] = set()
    for start in graph:
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                if state.get(node) == 2:
                    continue
                state[node] = 1
                path.append(node)
            if index < len(graph[node]):
                stack.append((node, index + 1))
                nxt = graph[node][index]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        shown = " → ".join([*cycle, nxt])
                        edge = edges[node][index][1]
                        yield Finding(
                            ("services", node, "depends_on", edge),
                            f"dependency cycle: {shown}",
                            on_key=isinstance(edge, str),
                        )
                elif state.get(nxt) != 2:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
