"""Find latency: `/innersource find` and `project` answered by `serve` over a 50,000-project catalog.

Signed slash commands go over keep-alive HTTP to `innersource-bot serve` running as a subprocess
(so its RSS is its own), against a fake Slack, on SQLite and on PostgreSQL. Latency is from sending
a request to reading the whole acknowledgement, which carries the answer. A quarter of the projects
have a ledger (change requests, merged contributions), which the `project` card's metrics read.

`serve` is started twice: first with no search snapshot (it builds the index and writes one; given
one request, it then computes the project cards' metrics while idle and writes them beside it), then
again, as a restarted replica does, from those files; the requests go to the second.

Budgets (issue #10): p99 <= 15 ms with one client, <= 40 ms with 4 (or more) concurrent clients;
healthy (index ready) <= 3 s after a start with a snapshot; the server's peak RSS <= 300 MB.

    .venv/bin/python bench/find_latency.py [--projects 50000] [--requests 2000] [--concurrency 1,4]
        [--databases sqlite,postgresql] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from catalog_fixture import populate
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from bot.db.engine import make_engine, normalise_url
from bot.db.models import Project
from bot.sandbox.forge.generated_org import _DOMAINS, _KINDS, _LANGS, _PURPOSES, _TOPICS
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import signed_slash_command

P99_BUDGET_MS = {1: 15.0}  # by concurrent clients; more than one: CONCURRENT_P99_BUDGET_MS
CONCURRENT_P99_BUDGET_MS = 40.0
READY_BUDGET_S = 3.0  # from process start to /healthz 200, with a snapshot of the index on disk
RSS_BUDGET_MB = 300.0
STARTUP_TIMEOUT = 120.0
REQUEST_TIMEOUT = 10.0
SERVER = Path(sys.executable).parent / "innersource-bot"
# Shares of the request mix, by kind of query.
MIX = {"1 word": 25, "2 words": 20, "3 words": 10, "filters": 15, "typo": 10, "no match": 10, "project": 10}
_FILLER = {"for", "the", "by", "all", "used", "(legacy)"}
_WORDS = sorted(
    {*_DOMAINS, *_KINDS, *_TOPICS, *(n.lower() for n, _ in _LANGS)}
    | {w.strip("()").lower() for p in _PURPOSES for w in p.split() if w not in _FILLER}
)
_LANG_FILTERS = ("go", "python", "typescript", "java", "kotlin", "rust", "ts", "golang", "c#", "hcl")
_NONSENSE = ("zorblax", "quuxify", "blorptastic", "frobnicator", "snarfle", "wibbleplex", "grommet")


def queries(names: list[tuple[str, str, str]], count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (kind, slash command text) pairs; `names` are (name, full_name, web_url) of listed projects."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), list(MIX.values()), k=count)
    return [(kind, _query(rng, kind, names)) for kind in kinds]


def _query(rng: random.Random, kind: str, names: list[tuple[str, str, str]]) -> str:
    if kind.endswith(("word", "words")):
        return "find " + " ".join(rng.sample(_WORDS, int(kind[0])))
    if kind == "filters":
        filters = [f"lang:{rng.choice(_LANG_FILTERS)}", f"topic:{rng.choice(_TOPICS)}", "forge:gitlab"]
        chosen = rng.sample(filters, rng.choice((1, 1, 2)))
        words = rng.sample(_WORDS, rng.choice((0, 1, 1, 2)))
        return "find " + " ".join(words + chosen)
    name, full_name, url = rng.choice(names)
    if kind == "typo":
        at = rng.randrange(len(name) - 1)
        typo = (
            name[:at] + name[at + 1] + name[at] + name[at + 2 :]
            if rng.random() < 0.5
            else name[:at] + name[at + 1 :]
        )
        return f"find {typo}"
    if kind == "no match":
        return "find " + " ".join(rng.sample(_NONSENSE, rng.choice((1, 2))))
    return f"project {rng.choice((name, name, full_name, url))}"


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting at q=100
    return ordered[int(rank) - 1]


@dataclass
class Run:
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (kind, seconds)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _answer_problem(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"HTTP {status}: {body[:160]!r}"
    try:
        answer = json.loads(body)
    except ValueError:
        return f"not JSON ({len(body)} bytes): {body[:160]!r}"
    if not (isinstance(answer, dict) and isinstance(answer.get("blocks"), list) and answer["blocks"]):
        return f"no blocks in the acknowledgement: {body[:160]!r}"
    return None


def load(port: int, secret: str, work: list[tuple[str, str, str]], concurrency: int) -> Run:
    """Send every (kind, text, response_url) once, over `concurrency` keep-alive connections."""
    run = Run()

    def worker(share: list[tuple[str, str, str]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        for kind, query, response_url in share:
            request = signed_slash_command(secret, query, response_url)
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                problem = _answer_problem(response.status, body)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()  # reconnects on the next request
                problem = f"{type(exc).__name__}: {exc}"
            # list.append is atomic under the GIL: no lock needed between workers
            if problem:
                run.failures.append(f"{query!r}: {problem}")
            else:
                run.latencies.append((kind, elapsed))
        connection.close()

    threads = [threading.Thread(target=worker, args=(work[n::concurrency],)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    return run


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def p99_budget(concurrency: int) -> float:
    return P99_BUDGET_MS.get(concurrency, CONCURRENT_P99_BUDGET_MS)


def _server_share_within_budget(port: int, budget_ms: float) -> str | None:
    """The server's own histogram: the share of /slack/events it answered within the budget. Set
    against the client's figures, it tells time spent in the app from time spent queueing for it."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        connection.request("GET", "/metrics")
        exposition = connection.getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        return None
    within = total = None
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.labels.get("route") != "/slack/events":
                continue
            if sample.name.endswith("_bucket") and float(sample.labels["le"]) == budget_ms / 1000:
                within = sample.value
            elif sample.name.endswith("_count"):
                total = sample.value
    if not total or within is None:
        return None
    return f"{within / total:.1%} of {total:.0f} requests within {budget_ms:.0f} ms"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_unavailable() -> str | None:
    """Why `innersource-bot serve` cannot be started, or None when it can."""
    if not SERVER.exists():
        return f"{SERVER} not found (run `make bench`, which installs the package)"
    probe = subprocess.run([str(SERVER), "serve", "--help"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return f"`innersource-bot serve` is not available ({said})"
    return None


@contextmanager
def server(
    database_url: str, fake: FakeSlack, log_path: Path, snapshot_dir: Path | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int, float]]:
    """`serve` in a subprocess; yields (process, port, seconds until /healthz said 200)."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GITLAB_", "SLACK_", "INNERSOURCE_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_SIGNING_SECRET=fake.signing_secret,
        SLACK_API_URL=fake.api_url,
    )
    if snapshot_dir is not None:
        env["INNERSOURCE_SEARCH_SNAPSHOT_DIR"] = str(snapshot_dir)
    command = [str(SERVER), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, port, _wait_healthy(process, port, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("  serve ignored SIGTERM for 10 s: killed")
            process.kill()
            process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], port: int, log_path: Path) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode} during start-up:\n{_tail(log_path)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"serve not healthy after {STARTUP_TIMEOUT:.0f} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join("    " + line for line in path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def database(kind: str, postgres_url: str, directory: Path) -> Iterator[str | None]:
    """A fresh SQLite file, or a private PostgreSQL schema dropped afterwards; None when unreachable."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'find_latency.db'}"
        return
    base, schema = normalise_url(postgres_url), f"bench_find_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        print(
            f"{kind:11} skipped: cannot reach {base.split('@')[-1]} ({str(exc.orig).strip().splitlines()[0]})"
        )
        admin.dispose()
        yield None
        return
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _listed_names(database_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Project.name, Project.full_name, Project.web_url).where(Project.listed)
        )
        names = [(row.name, row.full_name, row.web_url) for row in rows]
    engine.dispose()
    return names


def bench(kind: str, url: str, args: argparse.Namespace, directory: Path) -> bool:
    started = time.perf_counter()
    populate(url, args.projects, args.seed, ledger=True)
    seconds = time.perf_counter() - started
    print(
        f"{kind:11} populate {args.projects} projects in {seconds:.1f} s "
        f"({args.projects / seconds:,.0f} rows/s, migrations included)"
    )
    texts = queries(_listed_names(url), args.warmup + args.requests, args.seed)
    fake = FakeSlack().start()
    snapshots = directory / "snapshots"
    ok = True
    try:
        with server(url, fake, directory / f"serve-{kind}-cold.log", snapshots) as (process, port, startup):
            print(f"{kind:11} start    healthy after {startup:.1f} s without a snapshot (builds the index)")
            _wait_for_snapshot(snapshots, process)
            load(port, fake.signing_secret, [("first", "find warm", fake.new_response_url())], 1)
            _wait_for_snapshot(snapshots, process, "*-card-metrics.npz")
        with server(url, fake, directory / f"serve-{kind}.log", snapshots) as (process, port, startup):
            ready_ok = startup <= READY_BUDGET_S
            ok &= ready_ok
            print(
                f"{kind:11} restart  healthy after {startup:.1f} s from the snapshot  "
                f"budget <= {READY_BUDGET_S:.0f} s -> {'OK' if ready_ok else 'OVER BUDGET'}"
            )
            for concurrency in args.concurrency:
                work = [(k, q, fake.new_response_url()) for k, q in texts]
                warm = load(port, fake.signing_secret, work[: args.warmup], concurrency)
                run = load(port, fake.signing_secret, work[args.warmup :], concurrency)
                rss, peak = memory_mb(process.pid)
                via_url = sum(len(fake.responses(u)) for _, _, u in work)
                ok &= _report(kind, concurrency, run, len(warm.failures), rss, peak, via_url)
            server_side = _server_share_within_budget(port, p99_budget(max(args.concurrency)))
    finally:
        fake.stop()
    if server_side:
        print(f"{'':11} server's own histogram (/metrics, all runs): {server_side}")
    return ok


def _wait_for_snapshot(
    directory: Path, process: subprocess.Popen[bytes], pattern: str = "innersource-search-*[0-9a-f].npz"
) -> None:
    """The first `serve` writes its snapshot in the background once the index is built (and, after a
    request, the cards' metrics once computed)."""
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT and process.poll() is None:
        if any(directory.glob(pattern)):
            return
        time.sleep(0.1)
    print(f"{'':11} no {pattern} written after {time.perf_counter() - started:.0f} s")


def _report(
    kind: str, concurrency: int, run: Run, warm_failures: int, rss: float, peak: float, via_url: int
) -> bool:
    ordered = sorted(seconds * 1000 for _, seconds in run.latencies)
    p50, p90, p99, top = (percentile(ordered, q) for q in (50, 90, 99, 100))
    failures = len(run.failures) + warm_failures
    budget = p99_budget(concurrency)
    latency_ok = bool(ordered) and p99 <= budget and failures == 0
    memory_ok = peak <= RSS_BUDGET_MB
    print(
        f"{kind:11} {concurrency} client{'s' if concurrency > 1 else ' '} p50 {p50:.1f} ms  "
        f"p90 {p90:.1f} ms  p99 {p99:.1f} ms  max {top:.1f} ms  "
        f"{len(ordered) / run.seconds:,.0f} req/s  failures {failures}  "
        f"budget p99 <= {budget:.0f} ms, no failures -> {'OK' if latency_ok else 'OVER BUDGET'}"
    )
    print(
        f"{kind:11} memory   RSS {rss:.0f} MB  peak {peak:.0f} MB  "
        f"budget peak <= {RSS_BUDGET_MB:.0f} MB -> {'OK' if memory_ok else 'OVER BUDGET'}"
    )
    by_kind: dict[str, list[float]] = {}
    for query_kind, seconds in run.latencies:
        by_kind.setdefault(query_kind, []).append(seconds * 1000)
    parts = [
        f"{k} p50 {percentile(sorted(v), 50):.1f}/p99 {percentile(sorted(v), 99):.1f}/max {max(v):.1f}"
        for k, v in by_kind.items()
    ]
    print(f"{'':11} by query (ms): " + ", ".join(sorted(parts)))
    if via_url:
        print(f"{'':11} {via_url} answers also went to response_url (the slow path)")
    for failure in run.failures[:5]:
        print(f"{'':11} failed: {failure}")
    return latency_ok and memory_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--warmup", type=int, default=50, help="requests sent first and not counted")
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 4],
        help="clients sending at once; a list runs one load per entry (default 1,4)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if unknown := set(kinds) - {"sqlite", "postgresql"}:
        parser.error(f"--databases: unknown {', '.join(sorted(unknown))} (sqlite, postgresql)")
    if problem := serve_unavailable():
        print(f"find_latency: cannot run: {problem}")
        return 2
    print(
        f"find_latency: {args.projects} projects, {args.requests} requests (+{args.warmup} warm-up), "
        f"concurrency {','.join(map(str, args.concurrency))}, seed {args.seed}"
    )
    ok = True
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp, database(kind, args.postgres_url, Path(tmp)) as url:
            if url is None:
                continue
            try:
                ok &= bench(kind, url, args, Path(tmp))
            except RuntimeError as exc:
                print(f"{kind:11} FAILED: {exc}")
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
