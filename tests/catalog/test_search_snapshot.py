"""The search snapshot: used when fresh, patched or rebuilt when stale, ignored when unusable, and
never changing an answer."""

from __future__ import annotations

from pathlib import Path

from bot.app import Core
from bot.catalog import search_snapshot
from bot.catalog.search_catalog import CatalogSearch
from bot.services.discovery import Discovery
from bot.services.results import FindResult
from tests.catalog.search_support import (
    add_issue,
    add_project,
    join_background_refresh,
    set_description,
    statements,
)

QUERIES = ("ledger", "ledger topic:search", "ledgr", "stream warehouse", "sdk forge:gitlab", "qq")


def catalog(core: Core, count: int = 12) -> list[int]:
    ids = [
        add_project(core, f"team{n % 3}/ledger-{n}", f"Ledger {n} for the stream warehouse")
        for n in range(count)
    ]
    ids.append(add_project(core, "identity/sdk", "Identity SDK", forge="gitlab"))
    add_issue(core, ids[0], 1)
    return ids


def started(core: Core, path: Path | None) -> CatalogSearch:
    """A replica starting: a new CatalogSearch, loaded as `serve` loads it, its snapshot written."""
    search = CatalogSearch(core.sessions, snapshot=path)
    search.refresh()
    join_background_refresh()
    return search


def answers(core: Core, search: CatalogSearch) -> list[FindResult]:
    discovery = Discovery(core.sessions, search)
    return [discovery.find(query) for query in QUERIES]


def test_a_fresh_snapshot_is_used_and_answers_as_a_built_index_does(core: Core, tmp_path: Path) -> None:
    catalog(core)
    path = tmp_path / "search.npz"
    first = started(core, path)
    assert not first.loaded_from_snapshot and path.exists()
    with statements(core.engine) as seen:
        second = started(core, path)
    assert second.loaded_from_snapshot
    # Fresh: the start asks for counts and sums, and reads no project's searched columns, nor even
    # each project's digest (the snapshot's add up to what the database says).
    assert not any("readme_excerpt" in statement for statement in seen)
    assert not any("projects.id, projects.search_digest" in statement for statement in seen)
    assert answers(core, second) == answers(core, started(core, None)) == answers(core, first)


def test_a_stale_snapshot_is_patched_with_what_changed(core: Core, tmp_path: Path) -> None:
    ids = catalog(core, count=30)
    path = tmp_path / "search.npz"
    started(core, path)
    set_description(core, ids[1], "Ledger 1, now about glaciers")
    add_project(core, "ice/glacier-map", "Glacier maps")
    replica = started(core, path)
    assert replica.loaded_from_snapshot
    found = {hit.project.full_name for hit in Discovery(core.sessions, replica).find("glacier").hits}
    assert found == {"team1/ledger-1", "ice/glacier-map"}
    assert answers(core, replica) == answers(core, started(core, None))


def test_a_snapshot_with_too_much_changed_is_rebuilt_and_rewritten(core: Core, tmp_path: Path) -> None:
    ids = catalog(core)
    path = tmp_path / "search.npz"
    started(core, path)
    before = path.stat().st_mtime_ns
    for project_id in ids[:6]:  # half the catalog: beyond REBUILD_SHARE
        set_description(core, project_id, "Rewritten for the moon base")
    replica = started(core, path)
    assert Discovery(core.sessions, replica).find("moon").total == 6
    assert path.stat().st_mtime_ns != before
    rewritten = search_snapshot.load(path)
    assert rewritten is not None and len(rewritten.digests) == len(ids)
    assert answers(core, started(core, path)) == answers(core, started(core, None))


def test_an_unusable_snapshot_is_ignored(core: Core, tmp_path: Path) -> None:
    catalog(core)
    path = tmp_path / "search.npz"
    path.write_bytes(b"not a snapshot")
    replica = started(core, path)
    assert not replica.loaded_from_snapshot
    assert answers(core, replica) == answers(core, started(core, None))
    assert search_snapshot.load(path) is not None  # rebuilt over the damaged file


def test_one_file_per_database_without_the_url_in_its_name(tmp_path: Path) -> None:
    secret = "postgresql+psycopg://bot:s3cret@db/innersource"
    path = search_snapshot.snapshot_path(tmp_path, secret)
    assert "s3cret" not in str(path) and path.parent == tmp_path
    assert path != search_snapshot.snapshot_path(tmp_path, "sqlite:///other.db")


def test_a_snapshot_holds_the_index_as_it_was(core: Core, tmp_path: Path) -> None:
    catalog(core)
    path = tmp_path / "search.npz"
    built = started(core, path).index.state()
    loaded = search_snapshot.load(path)
    assert loaded is not None
    state = loaded.index.state()
    assert state["names"] == built["names"]
    assert state["slot_words"] == built["slot_words"]
    assert {k: (v[0].tolist(), v[1].tolist()) for k, v in state["postings"].items()} == {
        k: (v[0].tolist(), v[1].tolist()) for k, v in built["postings"].items()
    }
    for name in ("project_ids", "alive", "quality", "forge"):
        assert state[name].tolist() == built[name].tolist()
