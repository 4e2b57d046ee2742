"""pytest suite for a small text-utilities module (defined inline here so the
file is self-contained).

Run with ``pytest -q test_text_utils.py``.  The tests cover slugify,
wrapping, a tokenizer and a tiny template renderer.  The template renderer is
deliberately *not* built on eval() or str.format on user input: placeholders
are looked up in a plain dict.
"""

from __future__ import annotations

import re
import string
import textwrap
import unicodedata

import pytest


# --- the code under test -------------------------------------------------------

def slugify(text: str, sep: str = "-", max_len: int = 60) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", norm.lower())
    slug = sep.join(words)
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit(sep, 1)[0]
    return slug


def wrap_paragraphs(text: str, width: int = 72) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paragraphs)


TOKEN_RE = re.compile(r"""
    (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_']*)
  | (?P<punct>[^\sA-Za-z0-9_])
""", re.VERBOSE)


def tokenize(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in TOKEN_RE.finditer(text)]


class TemplateError(KeyError):
    pass


def render(template: str, values: dict[str, object]) -> str:
    """Replace ``{{ name }}`` with values[name]; no expressions, no attribute access."""

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise TemplateError(key)
        return str(values[key])

    return re.sub(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", sub, template)


def count_words(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, tok in tokenize(text):
        if kind == "word":
            key = tok.lower().strip("'")
            counts[key] = counts.get(key, 0) + 1
    return counts


def title_case(text: str, small=frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "to"})) -> str:
    words = text.split()
    out = []
    for i, w in enumerate(words):
        if 0 < i < len(words) - 1 and w.lower() in small:
            out.append(w.lower())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def strip_punctuation(text: str) -> str:
    return text.translate(str.maketrans("", "", string.punctuation))


# --- tests --------------------------------------------------------------------

class TestSlugify:
    @pytest.mark.parametrize("text, expected", [
        ("Hello, World!", "hello-world"),
        ("  spaces   everywhere ", "spaces-everywhere"),
        ("Crème brûlée", "creme-brulee"),
        ("already-a-slug", "already-a-slug"),
        ("", ""),
        ("123 Numbers 456", "123-numbers-456"),
    ])
    def test_examples(self, text, expected):
        assert slugify(text) == expected

    def test_custom_separator(self):
        assert slugify("a b c", sep="_") == "a_b_c"

    def test_truncates_on_word_boundary(self):
        slug = slugify("word " * 30, max_len=20)
        assert len(slug) <= 20
        assert not slug.endswith("-")
        assert slug.split("-") == ["word"] * len(slug.split("-"))

    def test_prose_about_dangerous_calls_is_just_text(self):
        # Titles of blog posts we slugify in production.
        assert slugify("Why eval() is dangerous") == "why-eval-is-dangerous"
        assert slugify("os.system vs subprocess.run") == "os-system-vs-subprocess-run"


class TestWrap:
    def test_paragraphs_are_kept(self):
        text = "one two three\n\nfour five"
        assert wrap_paragraphs(text, width=8) == "one two\nthree\n\nfour\nfive"

    def test_whitespace_collapsed(self):
        assert wrap_paragraphs("a   b\n c") == "a b c"

    @pytest.mark.parametrize("width", [10, 20, 40, 80])
    def test_lines_fit(self, width):
        text = "lorem ipsum dolor sit amet " * 20
        for line in wrap_paragraphs(text, width).splitlines():
            assert len(line) <= width


class TestTokenize:
    def test_kinds(self):
        assert tokenize("x = 3.14;") == [
            ("word", "x"), ("punct", "="), ("number", "3.14"), ("punct", ";"),
        ]

    def test_apostrophes_stay_in_words(self):
        assert ("word", "don't") in tokenize("I don't know")

    def test_empty(self):
        assert tokenize("") == []

    def test_code_like_input_is_only_tokenized(self):
        toks = tokenize("__import__('os').system('ls')")
        assert ("word", "__import__") in toks
        assert ("word", "system") in toks


class TestRender:
    def test_substitutes(self):
        assert render("Hi {{ name }}!", {"name": "Ada"}) == "Hi Ada!"

    def test_repeated(self):
        assert render("{{a}}{{a}}{{ b }}", {"a": 1, "b": 2}) == "112"

    def test_missing_key(self):
        with pytest.raises(TemplateError) as info:
            render("{{ nope }}", {})
        assert info.value.args == ("nope",)

    def test_no_expressions(self):
        # Something that would be an expression elsewhere stays literal.
        src = "{{ 1 + 1 }} {{ name.upper() }}"
        assert render(src, {"name": "x"}) == src

    def test_values_are_not_reinterpreted(self):
        out = render("{{ v }}", {"v": "{{ secret }}"})
        assert out == "{{ secret }}"


class TestCounting:
    def test_count_words(self):
        assert count_words("The cat and the hat.") == {"the": 2, "cat": 1, "and": 1, "hat": 1}

    def test_numbers_ignored(self):
        assert count_words("1 2 3 go") == {"go": 1}

    def test_title_case(self):
        assert title_case("the lord of the rings") == "The Lord of the Rings"
        assert title_case("a tale") == "A Tale"

    def test_strip_punctuation(self):
        assert strip_punctuation("Hello, world! (yes)") == "Hello world yes"


@pytest.fixture
def sample_text(tmp_path):
    path = tmp_path / "sample.txt"
    path.write_text("alpha beta\n\ngamma delta epsilon\n", encoding="utf-8")
    return path


def test_file_roundtrip(sample_text):
    wrapped = wrap_paragraphs(sample_text.read_text(encoding="utf-8"), width=11)
    out = sample_text.with_suffix(".wrapped")
    out.write_text(wrapped, encoding="utf-8")
    assert out.read_text(encoding="utf-8").splitlines() == [
        "alpha beta", "", "gamma delta", "epsilon",
    ]


def test_word_counts_from_file(sample_text):
    counts = count_words(sample_text.read_text(encoding="utf-8"))
    assert sum(counts.values()) == 5
    assert max(counts, key=len) == "epsilon"


@pytest.mark.parametrize("n", range(1, 6))
def test_slug_idempotent(n):
    text = " ".join(["Mixed CASE words"] * n)
    once = slugify(text)
    assert slugify(once) == once
