"""A replica's search index on disk, so a restart loads it in a second instead of re-tokenising 50,000 rows.

The file holds the index, the rows result lines show and the `search_digest` of every project it
was built from. Loading compares those digests with the database's and patches what changed (or
rebuilds when too much did), so a snapshot can be stale but never wrong. It is a cache: NumPy's
`.npz` without pickles (nothing in it is executed), written to a temporary name and renamed, and
ignored when unreadable or written by another format version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.catalog.search_index import FIELD_WEIGHTS, SearchIndex
from bot.catalog.search_rows import README_OPENING, ProjectRows
from bot.catalog.search_text import LANGUAGE_ALIASES, STOPWORDS

log = logging.getLogger(__name__)

# Bump when tokenising or the index's layout changes: an old file is then ignored and rebuilt.
FORMAT = 2
# The index's per-slot words (bot/catalog/search_names.py's SlotWords), as arrays of these types.
_SLOT_WORDS = (
    ("words", np.int32), ("word_bounds", np.int64), ("topics", np.int32), ("topic_bounds", np.int64),
)  # fmt: skip
_TAG = hashlib.sha256(
    json.dumps([FORMAT, FIELD_WEIGHTS, README_OPENING, sorted(STOPWORDS), LANGUAGE_ALIASES]).encode()
).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    index: SearchIndex
    rows: ProjectRows
    digests: dict[int, int]


def snapshot_path(directory: Path, database_url: str) -> Path:
    """One file per database (its URL hashed: the URL may carry a password)."""
    return directory / f"innersource-search-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}.npz"


def save(path: Path, snapshot: Snapshot) -> None:
    state = snapshot.index.state()
    postings: dict[str, Any] = state.pop("postings")
    keys = list(postings)
    bounds = np.cumsum([0, *(len(postings[k][0]) for k in keys)], dtype=np.int64)
    packed = snapshot.rows.packed()
    row_ids = list(packed)
    blobs = [bytes(packed[i]) for i in row_ids]
    slot_words, names = state.pop("slot_words"), state.pop("names")
    # Everything numerous goes in arrays and flat lists of strings: parsing 50,000 small JSON lists
    # and maps took most of a start's second, reading arrays takes milliseconds.
    meta = {
        "tag": _TAG,
        "keys": keys,
        "slot_vocabulary": slot_words["vocabulary"],
        "vocabulary": names["vocabulary"],
        "topics": names["topics"],
        "compact_names": list(names["by_compact"]),
        "full_names": list(names["by_full_name"]),
    }
    arrays = {
        **state,
        "posting_slots": _concat([postings[k][0] for k in keys], np.int32),
        "posting_weights": _concat([postings[k][1] for k in keys], np.float32),
        "posting_bounds": bounds,
        **{f"slot_{name}": np.frombuffer(slot_words[name], dtype=dtype) for name, dtype in _SLOT_WORDS},
        **_slot_lists("compact", names["by_compact"]),
        **_slot_lists("full_name", names["by_full_name"]),
        "row_ids": np.array(row_ids, dtype=np.int64),
        "row_bounds": np.cumsum([0, *(len(b) for b in blobs)], dtype=np.int64),
        "row_blob": np.frombuffer(b"".join(blobs), dtype=np.uint8),
        "digest_ids": np.array(list(snapshot.digests), dtype=np.int64),
        "digest_values": np.array(list(snapshot.digests.values()), dtype=np.int64),
        "meta": np.frombuffer(json.dumps(meta, separators=(",", ":")).encode(), dtype=np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)  # readers see the old file or the new one, never half of one
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> Snapshot | None:
    """The snapshot at `path`, or None when there is none or it cannot be used."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop("meta").tobytes())
        if meta.get("tag") != _TAG:
            log.info("event=search_snapshot_ignored reason=format path=%s", path)
            return None
        return _snapshot(arrays, meta)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:  # truncated, foreign or damaged: rebuild
        log.warning("event=search_snapshot_ignored reason=%s path=%s", type(exc).__name__, path)
        return None


def _snapshot(arrays: dict[str, Any], meta: dict[str, Any]) -> Snapshot:
    slots, weights, bounds = arrays["posting_slots"], arrays["posting_weights"], arrays["posting_bounds"]
    edges = bounds.tolist()
    postings = {
        key: (slots[edges[n] : edges[n + 1]], weights[edges[n] : edges[n + 1]])
        for n, key in enumerate(meta["keys"])
    }
    slot_words = {name: arrays[f"slot_{name}"] for name, _ in _SLOT_WORDS}
    index = SearchIndex.restore(
        {
            "project_ids": arrays["project_ids"],
            "alive": arrays["alive"],
            "quality": arrays["quality"],
            "forge": arrays["forge"],
            "slot_words": {"vocabulary": meta["slot_vocabulary"], **slot_words},
            "postings": postings,
            "names": {
                "by_compact": _slot_map(meta["compact_names"], arrays, "compact"),
                "by_full_name": _slot_map(meta["full_names"], arrays, "full_name"),
                "vocabulary": meta["vocabulary"],
                "topics": meta["topics"],
            },
        }
    )
    places = {project_id: n for n, project_id in enumerate(arrays["row_ids"].tolist())}
    rows = ProjectRows(arrays["row_blob"], arrays["row_bounds"].tolist(), places)
    digests = dict(zip(arrays["digest_ids"].tolist(), arrays["digest_values"].tolist(), strict=True))
    return Snapshot(index, rows, digests)


def _slot_lists(prefix: str, by_key: dict[str, list[int]]) -> dict[str, Any]:
    """A name → slots map as one flat array of slots and where each name's run starts."""
    lists = list(by_key.values())
    return {
        f"{prefix}_slots": _concat([np.array(slots, dtype=np.int32) for slots in lists], np.int32),
        f"{prefix}_bounds": np.cumsum([0, *(len(slots) for slots in lists)], dtype=np.int64),
    }


def _slot_map(keys: list[str], arrays: dict[str, Any], prefix: str) -> dict[str, list[int]]:
    slots, edges = arrays[f"{prefix}_slots"].tolist(), arrays[f"{prefix}_bounds"].tolist()
    if len(edges) != len(keys) + 1:
        raise ValueError(f"{prefix}: {len(keys)} names, {len(edges) - 1} slot lists")
    return {key: slots[edges[n] : edges[n + 1]] for n, key in enumerate(keys)}


def _concat(parts: list[Any], dtype: type[Any]) -> Any:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
