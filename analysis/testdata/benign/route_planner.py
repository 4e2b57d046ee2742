#!/usr/bin/env python3
"""Plan routes on a road network read from CSV: shortest path (Dijkstra and
A*), k alternative routes (Yen), reachability within a time budget, and a
topological order for one-way dependency graphs.

    route_planner.py roads.csv --from Aarau --to Zug
    route_planner.py roads.csv --from Bern --within 60
    route_planner.py roads.csv --from Basel --to Chur --alternatives 3

roads.csv columns: from,to,minutes[,oneway][,lat_from,lon_from,lat_to,lon_to]
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import sys
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Graph:
    edges: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    coords: dict[str, tuple[float, float]] = field(default_factory=dict)

    def add(self, a: str, b: str, w: float, oneway: bool = False) -> None:
        if w < 0:
            raise ValueError(f"negative travel time {a}->{b}")
        self.edges[a][b] = min(w, self.edges[a].get(b, math.inf))
        self.edges.setdefault(b, {})
        if not oneway:
            self.edges[b][a] = min(w, self.edges[b].get(a, math.inf))

    @property
    def nodes(self) -> list[str]:
        return sorted(self.edges)

    def path_cost(self, path: list[str]) -> float:
        return sum(self.edges[a][b] for a, b in zip(path, path[1:]))


def haversine_km(p: tuple[float, float], q: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*p, *q))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def load(path: Path) -> Graph:
    g = Graph()
    with path.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                a, b, w = row["from"].strip(), row["to"].strip(), float(row["minutes"])
            except (KeyError, ValueError) as exc:
                raise SystemExit(f"{path}:{n}: bad row ({exc})") from None
            g.add(a, b, w, oneway=row.get("oneway", "").strip().lower() in ("1", "yes", "true"))
            if row.get("lat_from") and row.get("lon_from"):
                g.coords[a] = (float(row["lat_from"]), float(row["lon_from"]))
            if row.get("lat_to") and row.get("lon_to"):
                g.coords[b] = (float(row["lat_to"]), float(row["lon_to"]))
    return g


def dijkstra(g: Graph, src: str, dst: str | None = None, banned_edges=frozenset(),
             banned_nodes=frozenset()) -> tuple[dict[str, float], dict[str, str]]:
    dist = {src: 0.0}
    prev: dict[str, str] = {}
    heap = [(0.0, src)]
    done: set[str] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        if u == dst:
            break
        for v, w in g.edges[u].items():
            if v in banned_nodes or (u, v) in banned_edges:
                continue
            nd = d + w
            if nd < dist.get(v, math.inf):
                dist[v] = nd
                prev[v] = u
                heapq.heappush(heap, (nd, v))
    return dist, prev


def astar(g: Graph, src: str, dst: str, kmh: float = 100.0) -> list[str] | None:
    if src not in g.coords or dst not in g.coords:
        return shortest_path(g, src, dst)

    def h(n: str) -> float:
        if n not in g.coords:
            return 0.0
        return haversine_km(g.coords[n], g.coords[dst]) / kmh * 60

    open_heap = [(h(src), 0.0, src)]
    best = {src: 0.0}
    prev: dict[str, str] = {}
    while open_heap:
        _, cost, u = heapq.heappop(open_heap)
        if u == dst:
            return unwind(prev, src, dst)
        if cost > best.get(u, math.inf):
            continue
        for v, w in g.edges[u].items():
            nc = cost + w
            if nc < best.get(v, math.inf):
                best[v] = nc
                prev[v] = u
                heapq.heappush(open_heap, (nc + h(v), nc, v))
    return None


def unwind(prev: dict[str, str], src: str, dst: str) -> list[str] | None:
    if dst != src and dst not in prev:
        return None
    path = [dst]
    while path[-1] != src:
        path.append(prev[path[-1]])
    return path[::-1]


def shortest_path(g: Graph, src: str, dst: str, **bans) -> list[str] | None:
    _, prev = dijkstra(g, src, dst, **bans)
    return unwind(prev, src, dst)


def yen(g: Graph, src: str, dst: str, k: int) -> list[list[str]]:
    first = shortest_path(g, src, dst)
    if not first:
        return []
    paths = [first]
    candidates: list[tuple[float, list[str]]] = []
    for _ in range(1, k):
        last = paths[-1]
        for i in range(len(last) - 1):
            spur, root = last[i], last[: i + 1]
            banned_edges = {(p[i], p[i + 1]) for p in paths if p[: i + 1] == root and len(p) > i + 1}
            banned_nodes = frozenset(root[:-1])
            spur_path = shortest_path(g, spur, dst, banned_edges=frozenset(banned_edges),
                                      banned_nodes=banned_nodes)
            if spur_path:
                total = root[:-1] + spur_path
                if total not in paths and all(total != c for _, c in candidates):
                    heapq.heappush(candidates, (g.path_cost(total), total))
        if not candidates:
            break
        paths.append(heapq.heappop(candidates)[1])
    return paths


def reachable_within(g: Graph, src: str, budget: float) -> list[tuple[str, float]]:
    dist, _ = dijkstra(g, src)
    return sorted(((n, d) for n, d in dist.items() if d <= budget and n != src), key=lambda x: x[1])


def topo_order(g: Graph) -> list[str]:
    indeg = {n: 0 for n in g.edges}
    for u in g.edges:
        for v in g.edges[u]:
            indeg[v] += 1
    queue = deque(sorted(n for n, d in indeg.items() if d == 0))
    order = []
    while queue:
        u = queue.popleft()
        order.append(u)
        for v in sorted(g.edges[u]):
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    if len(order) != len(indeg):
        raise ValueError("the graph has a cycle; no topological order")
    return order


def fmt_path(g: Graph, path: list[str]) -> str:
    return f"{g.path_cost(path):6.1f} min  " + " → ".join(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="road network route planner")
    p.add_argument("csv", type=Path)
    p.add_argument("--from", dest="src")
    p.add_argument("--to", dest="dst")
    p.add_argument("--alternatives", type=int, default=1)
    p.add_argument("--within", type=float, help="list places reachable within N minutes")
    p.add_argument("--astar", action="store_true", help="use A* with coordinates when present")
    p.add_argument("--topo", action="store_true", help="print a topological order (one-way graphs)")
    args = p.parse_args(argv)

    g = load(args.csv)
    if args.topo:
        try:
            print("\n".join(topo_order(g)))
        except ValueError as exc:
            print(f"route_planner: {exc}", file=sys.stderr)
            return 1
        return 0
    if not args.src or args.src not in g.edges:
        p.error(f"--from must be one of: {', '.join(g.nodes[:20])}{' ...' if len(g.nodes) > 20 else ''}")
    if args.within is not None:
        for place, minutes in reachable_within(g, args.src, args.within):
            print(f"{minutes:6.1f} min  {place}")
        return 0
    if not args.dst or args.dst not in g.edges:
        p.error("--to must name a place in the network")
    if args.alternatives > 1:
        routes = yen(g, args.src, args.dst, args.alternatives)
    else:
        route = astar(g, args.src, args.dst) if args.astar else shortest_path(g, args.src, args.dst)
        routes = [route] if route else []
    if not routes:
        print(f"no route from {args.src} to {args.dst}")
        return 1
    for i, r in enumerate(routes, 1):
        print(f"{i}. {fmt_path(g, r)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
