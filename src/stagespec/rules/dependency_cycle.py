"""`depends_on` has no cycle.

Compose starts services in dependency order; a cycle means none of them can start. The
message shows the whole cycle.

Failing:

    services:
      api:    {image: api:1, depends_on: [worker]}
      worker: {image: worker:1, depends_on: [api]}

Fixed: remove one of the edges, e.g. `worker` no longer depends on `api`.
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
    graph = {n: [d for d in s.depends_on if d in services and d != n] for n, s in services.items()}
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
                        edge = services[node].depends_on.index(nxt)
                        yield Finding(
                            ("services", node, "depends_on", edge), f"dependency cycle: {shown}"
                        )
                elif state.get(nxt) != 2:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
