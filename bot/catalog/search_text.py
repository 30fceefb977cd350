"""How text becomes search terms: one tokenizer for projects and queries, so both sides agree.

Case- and accent-insensitive, splits at `-`, `_`, `.`, `/`, drops a handful of English stopwords and
folds simple plurals ("templates" finds "template"). camelCase is split only in project names
(`featureStore` → feature, store, featurestore): in prose, "JavaScript" and "GraphQL" are words of
their own, and splitting them would make `find java` match every JavaScript project.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_COMPACT = re.compile(r"[\W_]+", re.UNICODE)

STOPWORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "how", "i",
        "in", "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "them", "this",
        "to", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
    )
)  # fmt: skip

# What people type for a language → how forges name it (lower case).
LANGUAGE_ALIASES = {
    "js": "javascript",
    "ts": "typescript",
    "golang": "go",
    "py": "python",
    "csharp": "c#",
    "cs": "c#",
    "cpp": "c++",
    "tf": "hcl",
    "terraform": "hcl",
    "sh": "shell",
    "bash": "shell",
    "rb": "ruby",
    "kt": "kotlin",
}


def fold(text: str) -> str:
    """Lower case without accents: "Zürich" and "zurich" are the same word to a searcher."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Plural → singular for the common English endings; enough for project vocabulary."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Search terms: folded, stemmed, without stopwords; repeated terms kept (term frequency)."""
    found = (_term(w) for w in _WORD.findall(text))
    return [t for t in found if t]


def name_terms(name: str) -> list[str]:
    """A project name's terms: its words, plus the parts of camelCase words."""
    whole = terms(name)
    parts = terms(_CAMEL.sub(" ", name))
    return whole + [t for t in parts if t not in whole]


@lru_cache(maxsize=200_000)  # project vocabularies are small; indexing 50,000 READMEs repeats words
def _term(word: str) -> str:
    folded = fold(word)
    return "" if folded in STOPWORDS else stem(folded)


def compact(text: str) -> str:
    """A name reduced to letters and digits: "Aurora Design-System" → "auroradesignsystem"."""
    return _COMPACT.sub("", fold(text))


def language_key(name: str) -> str:
    folded = fold(name).strip()
    return LANGUAGE_ALIASES.get(folded, folded)


def topic_key(name: str) -> str:
    return fold(name).strip().replace(" ", "-")
