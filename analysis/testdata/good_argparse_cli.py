"""Command line tool that counts words in files."""
import argparse
import sys
from collections import Counter
from pathlib import Path


def count_words(path: Path) -> Counter:
    words = Counter()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            words.update(w.lower() for w in line.split())
    return words


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("-n", "--top", type=int, default=10)
    args = parser.parse_args(argv)
    total = Counter()
    for f in args.files:
        if not f.exists():
            print(f"{f}: no such file", file=sys.stderr)
            return 1
        total += count_words(f)
    for word, n in total.most_common(args.top):
        print(f"{n:6d} {word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
