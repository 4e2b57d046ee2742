#!/usr/bin/env python3
"""Extract keywords from a folder of documents with TF-IDF, and find the
documents most similar to a query by cosine similarity.

Tokenisation lower-cases, strips punctuation, drops stop words and applies a
light suffix-stripping stemmer.  The index is stored as JSON.

    tfidf_keywords.py index docs/ --out index.json
    tfidf_keywords.py keywords --index index.json --top 8
    tfidf_keywords.py search --index index.json "sandbox escape seccomp"
"""

from __future__ import annotations

import unittest
import tempfile
import argparse
import json
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with you your yours yourself yourselves also may might must shall would could
""".split())
WORD_RE = re.compile(r"[a-zA-Z][a-zA-Z'-]{1,}")
SUFFIXES = ("ational", "ization", "fulness", "iveness", "ations", "ation", "ments", "ment",
            "ness", "ings", "ing", "edly", "ies", "ied", "ly", "ed", "es", "s")


def stem(word: str) -> str:
    for suf in SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if suf in ("ies", "ied"):
                base += "y"
            return base
    return word


def tokens(text: str) -> list[str]:
    out = []
    for m in WORD_RE.finditer(text.lower()):
        w = m.group().strip("'-")
        if len(w) > 2 and w not in STOP:
            out.append(stem(w))
    return out


def bigrams(toks: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(toks, toks[1:])]


@dataclass
class Index:
    docs: list[str]
    tf: list[dict[str, float]]
    df: dict[str, int]

    @property
    def n(self) -> int:
        return len(self.docs)

    def idf(self, term: str) -> float:
        return math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1

    def vector(self, i: int) -> dict[str, float]:
        v = {t: f * self.idf(t) for t, f in self.tf[i].items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    def keywords(self, i: int, top: int) -> list[tuple[str, float]]:
        return sorted(self.vector(i).items(), key=lambda kv: kv[1], reverse=True)[:top]

    def search(self, query: str, top: int) -> list[tuple[str, float]]:
        q = Counter(tokens(query))
        q.update(bigrams(tokens(query)))
        qv = {t: c * self.idf(t) for t, c in q.items() if t in self.df}
        qn = math.sqrt(sum(x * x for x in qv.values()))
        if not qn:
            return []
        scores = []
        for i in range(self.n):
            dv = self.vector(i)
            score = sum(w * dv.get(t, 0.0) for t, w in qv.items()) / qn
            if score > 0:
                scores.append((self.docs[i], score))
        return sorted(scores, key=lambda s: s[1], reverse=True)[:top]

    def to_json(self) -> dict:
        return {"docs": self.docs, "tf": self.tf, "df": self.df}

    @classmethod
    def from_json(cls, data: dict) -> "Index":
        return cls(list(data["docs"]), [dict(x) for x in data["tf"]], dict(data["df"]))


def build(folder: Path, patterns: list[str], use_bigrams: bool) -> Index:
    docs, tfs = [], []
    df: Counter = Counter()
    for pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            toks = tokens(text)
            if not toks:
                continue
            counts = Counter(toks)
            if use_bigrams:
                counts.update(b for b, c in Counter(bigrams(toks)).items() if c > 1)
            total = sum(counts.values())
            tfs.append({t: c / total for t, c in counts.items()})
            df.update(counts.keys())
            docs.append(str(path.relative_to(folder)))
    return Index(docs, tfs, dict(df))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="TF-IDF keywords and search")
    sub = p.add_subparsers(dest="cmd", required=True)
    ix = sub.add_parser("index")
    ix.add_argument("folder", type=Path)
    ix.add_argument("--out", type=Path, required=True)
    ix.add_argument("--pattern", action="append", default=None, help="glob, default *.md and *.txt")
    ix.add_argument("--bigrams", action="store_true")
    kw = sub.add_parser("keywords")
    kw.add_argument("--index", type=Path, required=True)
    kw.add_argument("--top", type=int, default=10)
    kw.add_argument("--doc", help="only this document")
    se = sub.add_parser("search")
    se.add_argument("query")
    se.add_argument("--index", type=Path, required=True)
    se.add_argument("--top", type=int, default=5)
    args = p.parse_args(argv)

    if args.cmd == "index":
        index = build(args.folder, args.pattern or ["*.md", "*.txt"], args.bigrams)
        args.out.write_text(json.dumps(index.to_json()), encoding="utf-8")
        print(f"indexed {index.n} documents, {len(index.df)} terms -> {args.out}")
        return 0
    index = Index.from_json(json.loads(args.index.read_text(encoding="utf-8")))
    if args.cmd == "keywords":
        for i, doc in enumerate(index.docs):
            if args.doc and doc != args.doc:
                continue
            words = ", ".join(t for t, _ in index.keywords(i, args.top))
            print(f"{doc}: {words}")
        return 0
    hits = index.search(args.query, args.top)
    if not hits:
        print("no matching documents")
        return 1
    for doc, score in hits:
        print(f"{score:.3f}  {doc}")
    return 0


class IndexTests(unittest.TestCase):
    """python3 -m unittest tfidf_keywords"""

    def build_from(self, docs: dict[str, str]) -> Index:
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in docs.items():
                Path(tmp, name).write_text(text, encoding="utf-8")
            return build(Path(tmp), ["*.txt"], use_bigrams=False)

    def test_stemming(self):
        self.assertEqual(stem("running"), "runn")
        self.assertEqual(stem("policies"), "policy")
        self.assertEqual(stem("cat"), "cat")

    def test_stop_words_are_dropped(self):
        self.assertEqual(tokens("The sandbox and the kernel"), ["sandbox", "kernel"])

    def test_search_ranks_the_relevant_document_first(self):
        idx = self.build_from({
            "a.txt": "seccomp filters system calls in the sandbox",
            "b.txt": "the recipe needs flour sugar and butter",
            "c.txt": "landlock restricts file access for the sandbox",
        })
        hits = idx.search("seccomp system calls", 3)
        self.assertEqual(hits[0][0], "a.txt")
        self.assertNotIn("b.txt", [h[0] for h in hits])

    def test_round_trip(self):
        idx = self.build_from({"a.txt": "alpha beta gamma", "b.txt": "beta delta"})
        again = Index.from_json(idx.to_json())
        self.assertEqual(again.df, idx.df)
        self.assertEqual(again.keywords(0, 2), idx.keywords(0, 2))

    def test_unknown_query(self):
        idx = self.build_from({"a.txt": "alpha beta"})
        self.assertEqual(idx.search("zebra", 3), [])


if __name__ == "__main__":
    sys.exit(main())
