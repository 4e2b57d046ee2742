"""A Bloom filter and a counting Bloom filter, with unittest tests.

Hash positions use double hashing over SHA-256 (Kirsch-Mitzenmacher), so the
filter is stable across processes and Python versions -- unlike ``hash()``,
which is randomised per process.  Filters serialise to bytes with a small
header (not pickle: a filter file from elsewhere must not be able to run
code when loaded).

Run: ``python3 -m unittest -v test_bloom_filter``
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
import unittest
from typing import Iterable

MAGIC = b"BLM1"


class BloomFilter:
    def __init__(self, capacity: int, error_rate: float = 0.01) -> None:
        if capacity <= 0 or not 0 < error_rate < 1:
            raise ValueError("capacity > 0 and 0 < error_rate < 1")
        self.capacity = capacity
        self.error_rate = error_rate
        self.size = max(8, int(-capacity * math.log(error_rate) / math.log(2) ** 2))
        self.hashes = max(1, round(self.size / capacity * math.log(2)))
        self.bits = bytearray((self.size + 7) // 8)
        self.count = 0

    def _positions(self, item: str | bytes) -> Iterable[int]:
        data = item.encode("utf-8") if isinstance(item, str) else item
        digest = hashlib.sha256(data).digest()
        h1, h2 = struct.unpack_from(">QQ", digest)
        for i in range(self.hashes):
            yield (h1 + i * h2 + i * i) % self.size

    def add(self, item: str | bytes) -> bool:
        """Add item; return True when it was (probably) not present before."""
        new = False
        for p in self._positions(item):
            byte, bit = divmod(p, 8)
            if not self.bits[byte] >> bit & 1:
                new = True
                self.bits[byte] |= 1 << bit
        self.count += new
        return new

    def __contains__(self, item: str | bytes) -> bool:
        return all(self.bits[p // 8] >> (p % 8) & 1 for p in self._positions(item))

    def fill_ratio(self) -> float:
        return sum(bin(b).count("1") for b in self.bits) / self.size

    def estimated_error(self) -> float:
        return self.fill_ratio() ** self.hashes

    def union(self, other: "BloomFilter") -> "BloomFilter":
        if (self.size, self.hashes) != (other.size, other.hashes):
            raise ValueError("filters must have the same size and hash count")
        out = BloomFilter(self.capacity, self.error_rate)
        out.bits = bytearray(a | b for a, b in zip(self.bits, other.bits))
        out.count = self.count + other.count
        return out

    def to_bytes(self) -> bytes:
        header = struct.pack(">4sQdIQ", MAGIC, self.capacity, self.error_rate, self.hashes, self.count)
        return header + bytes(self.bits)

    @classmethod
    def from_bytes(cls, data: bytes) -> "BloomFilter":
        head = struct.calcsize(">4sQdIQ")
        magic, capacity, error_rate, hashes, count = struct.unpack_from(">4sQdIQ", data)
        if magic != MAGIC:
            raise ValueError("not a Bloom filter file")
        f = cls(capacity, error_rate)
        if f.hashes != hashes or len(data) - head != len(f.bits):
            raise ValueError("corrupt Bloom filter file")
        f.bits = bytearray(data[head:])
        f.count = count
        return f


class CountingBloomFilter(BloomFilter):
    """Supports removal, with 8-bit counters per position."""

    def __init__(self, capacity: int, error_rate: float = 0.01) -> None:
        super().__init__(capacity, error_rate)
        self.counters = bytearray(self.size)

    def add(self, item: str | bytes) -> bool:
        new = item not in self
        for p in self._positions(item):
            if self.counters[p] < 255:
                self.counters[p] += 1
            self.bits[p // 8] |= 1 << (p % 8)
        self.count += new
        return new

    def remove(self, item: str | bytes) -> None:
        if item not in self:
            raise KeyError(item)
        for p in self._positions(item):
            if 0 < self.counters[p] < 255:
                self.counters[p] -= 1
                if self.counters[p] == 0:
                    self.bits[p // 8] &= ~(1 << (p % 8)) & 0xFF
        self.count -= 1


class BloomFilterTests(unittest.TestCase):
    def test_sizes_follow_the_formula(self):
        f = BloomFilter(1000, 0.01)
        self.assertAlmostEqual(f.size, 9585, delta=2)
        self.assertEqual(f.hashes, 7)

    def test_no_false_negatives(self):
        f = BloomFilter(500)
        words = [f"word-{i}" for i in range(500)]
        for w in words:
            f.add(w)
        self.assertTrue(all(w in f for w in words))

    def test_false_positive_rate_near_target(self):
        f = BloomFilter(2000, 0.02)
        for i in range(2000):
            f.add(f"in-{i}")
        rng = random.Random(7)
        trials = 20000
        fp = sum(f"out-{rng.random()}" in f for _ in range(trials))
        self.assertLess(fp / trials, 0.04)

    def test_add_reports_novelty(self):
        f = BloomFilter(10)
        self.assertTrue(f.add("a"))
        self.assertFalse(f.add("a"))
        self.assertEqual(f.count, 1)

    def test_bytes_and_str_agree(self):
        f = BloomFilter(10)
        f.add("café")
        self.assertIn("café".encode("utf-8"), f)

    def test_round_trip(self):
        f = BloomFilter(100)
        for i in range(50):
            f.add(str(i))
        g = BloomFilter.from_bytes(f.to_bytes())
        self.assertEqual(g.bits, f.bits)
        self.assertIn("42", g)
        self.assertEqual(g.count, 50)

    def test_rejects_foreign_data(self):
        with self.assertRaises(ValueError):
            BloomFilter.from_bytes(b"\x80\x04pickle-looking bytes" + b"\0" * 40)

    def test_union(self):
        a, b = BloomFilter(100), BloomFilter(100)
        a.add("x")
        b.add("y")
        u = a.union(b)
        self.assertIn("x", u)
        self.assertIn("y", u)

    def test_union_requires_same_shape(self):
        with self.assertRaises(ValueError):
            BloomFilter(100).union(BloomFilter(1000))

    def test_estimated_error_grows_with_fill(self):
        f = BloomFilter(100)
        before = f.estimated_error()
        for i in range(100):
            f.add(str(i))
        self.assertGreater(f.estimated_error(), before)

    def test_bad_parameters(self):
        for cap, err in ((0, 0.1), (10, 0), (10, 1.5)):
            with self.subTest(cap=cap, err=err), self.assertRaises(ValueError):
                BloomFilter(cap, err)


class CountingBloomFilterTests(unittest.TestCase):
    def test_remove(self):
        f = CountingBloomFilter(100)
        f.add("keep")
        f.add("drop")
        f.remove("drop")
        self.assertIn("keep", f)
        self.assertNotIn("drop", f)

    def test_remove_missing(self):
        with self.assertRaises(KeyError):
            CountingBloomFilter(10).remove("ghost")

    def test_shared_positions_survive_removal(self):
        f = CountingBloomFilter(50, 0.3)
        items = [str(i) for i in range(50)]
        for it in items:
            f.add(it)
        f.remove(items[0])
        self.assertTrue(all(it in f for it in items[1:]))


if __name__ == "__main__":
    unittest.main()
