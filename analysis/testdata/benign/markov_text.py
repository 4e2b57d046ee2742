#!/usr/bin/env python3
"""Generate nonsense text in the style of a corpus with a word-level Markov
chain.  Models are saved as JSON (not pickle) so they can be inspected and
shared safely.

    markov_text.py train books/*.txt --order 2 --model austen.json
    markov_text.py generate --model austen.json --sentences 5 --seed 3
    markov_text.py stats --model austen.json
"""

from __future__ import annotations

import unittest
import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

START = "\x02"
END = "\x03"
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
TOKEN_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|[0-9]+|[.,;:!?\"]")


def sentences(text: str) -> Iterator[list[str]]:
    text = re.sub(r"\s+", " ", text)
    for sent in SENTENCE_RE.split(text):
        tokens = TOKEN_RE.findall(sent)
        if len(tokens) >= 3:
            yield tokens


@dataclass
class Model:
    order: int
    transitions: dict[tuple[str, ...], Counter] = field(default_factory=lambda: defaultdict(Counter))
    sentences_seen: int = 0

    def train(self, sents: Iterable[Sequence[str]]) -> None:
        for sent in sents:
            self.sentences_seen += 1
            padded = [START] * self.order + list(sent) + [END]
            for i in range(len(padded) - self.order):
                state = tuple(padded[i:i + self.order])
                self.transitions[state][padded[i + self.order]] += 1

    def next_word(self, state: tuple[str, ...], rng: random.Random, temperature: float) -> str:
        options = self.transitions.get(state)
        if not options:
            return END
        words = list(options)
        weights = [c ** (1.0 / temperature) for c in options.values()]
        return rng.choices(words, weights=weights, k=1)[0]

    def sentence(self, rng: random.Random, temperature: float = 1.0, max_words: int = 60) -> str:
        state = (START,) * self.order
        out: list[str] = []
        while len(out) < max_words:
            word = self.next_word(state, rng, temperature)
            if word == END:
                break
            out.append(word)
            state = (*state[1:], word)
        return detokenize(out)

    def to_json(self) -> dict:
        return {
            "order": self.order,
            "sentences": self.sentences_seen,
            "transitions": [[list(k), dict(v)] for k, v in self.transitions.items()],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Model":
        m = cls(int(data["order"]))
        m.sentences_seen = int(data.get("sentences", 0))
        for key, counts in data["transitions"]:
            if len(key) != m.order:
                raise ValueError("model file is inconsistent with its order")
            m.transitions[tuple(key)] = Counter({str(w): int(c) for w, c in counts.items()})
        return m

    def stats(self) -> dict:
        branching = [len(c) for c in self.transitions.values()]
        vocab = {w for c in self.transitions.values() for w in c} - {END}
        starts = self.transitions.get((START,) * self.order, Counter())
        return {
            "order": self.order,
            "sentences": self.sentences_seen,
            "states": len(self.transitions),
            "vocabulary": len(vocab),
            "mean_branching": round(sum(branching) / len(branching), 2) if branching else 0,
            "deterministic_states": sum(1 for b in branching if b == 1),
            "top_openers": [w for w, _ in starts.most_common(10)],
        }


def detokenize(tokens: list[str]) -> str:
    text = ""
    quote_open = False
    for tok in tokens:
        if tok == '"':
            if quote_open:
                text += '"'
            else:
                text += ' "' if text else '"'
            quote_open = not quote_open
        elif tok in ".,;:!?":
            text += tok
        elif text.endswith('"') and quote_open:
            text += tok
        else:
            text += (" " if text else "") + tok
    if text and text[-1] not in ".!?\"":
        text += "."
    return text[:1].upper() + text[1:]


def train_files(paths: list[Path], order: int) -> Model:
    model = Model(order)
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        # Drop Project Gutenberg boilerplate when present.
        start = text.find("*** START OF")
        end = text.find("*** END OF")
        if start != -1 and end != -1:
            text = text[text.find("\n", start) + 1:end]
        model.train(sentences(text))
    return model


def novelty(generated: str, corpus_sents: set[str]) -> bool:
    return generated not in corpus_sents


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Markov chain text generator")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("files", nargs="+", type=Path)
    t.add_argument("--order", type=int, choices=(1, 2, 3), default=2)
    t.add_argument("--model", type=Path, required=True)
    g = sub.add_parser("generate")
    g.add_argument("--model", type=Path, required=True)
    g.add_argument("--sentences", type=int, default=3)
    g.add_argument("--seed", type=int)
    g.add_argument("--temperature", type=float, default=1.0)
    g.add_argument("--min-words", type=int, default=6)
    s = sub.add_parser("stats")
    s.add_argument("--model", type=Path, required=True)
    args = p.parse_args(argv)

    if args.cmd == "train":
        model = train_files(args.files, args.order)
        args.model.write_text(json.dumps(model.to_json()), encoding="utf-8")
        st = model.stats()
        print(f"trained on {st['sentences']} sentences: {st['states']} states, "
              f"{st['vocabulary']} words -> {args.model}")
        return 0

    try:
        model = Model.from_json(json.loads(args.model.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        print(f"markov_text: cannot load {args.model}: {exc}", file=sys.stderr)
        return 1
    if args.cmd == "stats":
        for k, v in model.stats().items():
            print(f"{k:>22}: {v}")
        return 0

    if not 0.1 <= args.temperature <= 5:
        p.error("temperature must be between 0.1 and 5")
    rng = random.Random(args.seed)
    produced = 0
    attempts = 0
    while produced < args.sentences and attempts < args.sentences * 50:
        attempts += 1
        sent = model.sentence(rng, args.temperature)
        if len(sent.split()) < args.min_words:
            continue
        print(sent)
        produced += 1
    if produced < args.sentences:
        print(f"(only {produced} sentences of {args.min_words}+ words found)", file=sys.stderr)
    return 0


class ModelTests(unittest.TestCase):
    """python3 -m unittest markov_text"""

    CORPUS = "The cat sat. The cat ran. A dog sat on the mat. The dog ran home."

    def model(self, order: int = 1) -> Model:
        m = Model(order)
        m.train(sentences(self.CORPUS))
        return m

    def test_sentence_split(self):
        self.assertEqual(len(list(sentences(self.CORPUS))), 4)

    def test_generated_words_come_from_the_corpus(self):
        m = self.model()
        vocab = set(re.findall(r"[a-z]+", self.CORPUS.lower()))
        for seed in range(5):
            words = re.findall(r"[a-z]+", m.sentence(random.Random(seed)).lower())
            self.assertTrue(set(words) <= vocab, words)

    def test_json_round_trip(self):
        m = self.model(2)
        again = Model.from_json(json.loads(json.dumps(m.to_json())))
        self.assertEqual(again.stats(), m.stats())

    def test_inconsistent_model_file(self):
        data = self.model(2).to_json()
        data["order"] = 3
        with self.assertRaises(ValueError):
            Model.from_json(data)

    def test_detokenize(self):
        self.assertEqual(detokenize(["hello", ",", "world", "!"]), "Hello, world!")
        self.assertEqual(detokenize(["no", "stop"]), "No stop.")


if __name__ == "__main__":
    sys.exit(main())
