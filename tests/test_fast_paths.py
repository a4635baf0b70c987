"""The shortcuts taken for speed give exactly what the plain code gives.

- a compiled condition agrees with `conditions.evaluate` on any facts;
- `escape.md`, `one_line` and `cell`, with their cheap pre-checks and inside
  `remembering()`, agree with the escaping written out in full, as it was;
- the pre-check that skips the case-blind autolink search holds for every code point.
"""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from forethought import escape
from forethought.conditions import DONT_KNOW, NOT_DECIDED, Fact, compile_condition, evaluate

# --- Conditions ------------------------------------------------------------------

QUESTIONS = ["Q1", "Q2", "Q3"]
TYPES = {"Q1": "single_choice", "Q2": "multiple_choice", "Q3": "number"}
OPTIONS = ["a", "b", "c", DONT_KNOW, NOT_DECIDED]

leaf = st.one_of(
    st.builds(lambda q: {"question": q, "answered": True}, st.sampled_from(QUESTIONS)),
    st.builds(
        lambda q, values: {"question": q, "in": values},
        st.sampled_from(["Q1", "Q2"]),
        st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3),
    ),
    st.builds(lambda n: {"question": "Q3", "at_least": n}, st.integers(0, 10)),
    st.builds(lambda n: {"question": "Q3", "at_most": n}, st.integers(0, 10)),
)
condition = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=6,
)
values = {
    "Q1": st.one_of(st.none(), st.sampled_from(OPTIONS)),
    "Q2": st.one_of(st.none(), st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True)),
    "Q3": st.one_of(st.none(), st.integers(0, 10), st.just(DONT_KNOW)),
}
facts = st.fixed_dictionaries(
    {
        q: st.builds(
            lambda visible, value, q=q: Fact(TYPES[q], visible, value), st.sampled_from([True, False, None]), v
        )
        for q, v in values.items()
    }
)


@settings(max_examples=400, deadline=None)
@given(condition, facts)
def test_compiled_conditions_agree_with_evaluate(cond, known):
    assert compile_condition(cond)(known.__getitem__) == evaluate(cond, known.__getitem__)


def test_a_compiled_condition_raises_as_evaluate_does():
    cond = {"question": "Q1", "between": [1, 2]}  # no such test: the schema rules it out
    known = {"Q1": Fact("number", True, 3)}
    for run in (evaluate, lambda c, f: compile_condition(c)(f)):
        try:
            run(cond, known.__getitem__)
        except ValueError as e:
            assert "not a condition" in str(e)
        else:
            raise AssertionError("expected ValueError")


# --- Escaping --------------------------------------------------------------------


def md_in_full(text: object) -> str:
    """`escape.md` as it was written before its pre-checks: every step, every time."""
    if isinstance(text, escape.Markdown):
        return text
    text = escape._strip_controls("" if text is None else str(text))
    escaped = text.translate(escape._TRANSLATION)
    if "@" in escaped:
        escaped = escaped.replace("@", "&#64;")
    escaped = escape._AUTOLINK.sub(r"\1\\\2", escaped)
    if "\n" in escaped or escaped[:1] in escape._MARKER_STARTS:
        escaped = escape._LINE_START.sub(escape._escape_marker, escaped)
    return escaped


def one_line_in_full(text: object) -> str:
    return " ".join(line.strip() for line in md_in_full(text).splitlines() if line.strip())


def cell_in_full(text: object) -> str:
    escaped = text if isinstance(text, escape.Markdown) else md_in_full(text)
    escaped = escaped.replace("|", "\\|") if isinstance(text, escape.Markdown) else escaped
    lines = [line.strip() for line in escaped.splitlines() if line.strip()]
    return "<br>".join(lines) if lines else " "


# Characters that take every branch: the escaped ones, autolink words in any case
# (with the long s and dotless i that a case-blind match also accepts), block
# markers, line breaks of every kind, controls and bidirectional overrides.
ALPHABET = list("&<>\\`*_[]|~$@:./# -+=1)\t\n\r\x0b\x0c\x1c\x85\u2028\u2029\u202e\u200b\x00 ") + [
    "http",
    "HTTPS",
    "fTp",
    "mailto",
    "MA\u0131LTO",
    "http\u017f",
    "www",
    "wWw",
    "WW",
    "to",
    "\u00df",
    "plain words",
]
texts = st.lists(st.sampled_from(ALPHABET), max_size=12).map("".join)


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_escaping_agrees_with_the_full_steps(text):
    assert escape.md(text) == md_in_full(text)
    assert escape.one_line(text) == one_line_in_full(text)
    assert escape.cell(text) == cell_in_full(text)
    marked = escape.Markdown(text)
    assert escape.cell(marked) == cell_in_full(marked)
    with escape.remembering():
        for _ in range(2):
            assert escape.md(text) == md_in_full(text)
            assert escape.one_line(text) == one_line_in_full(text)
            assert escape.cell(text) == cell_in_full(text)


def test_remembering_holds_nothing_afterwards():
    with escape.remembering():
        escape.md("some *text*")
        assert escape._REMEMBERED.get() == {"some *text*": "some \\*text\\*"}
    assert escape._REMEMBERED.get() is None


def test_the_autolink_pre_check_holds_for_every_code_point():
    """A case-blind match of t, p, s, o or w (and of "." or ":") is a character
    that casefold() turns into that very character, so a folded text holds the
    end of any autolink match."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    for wanted in "tpsow.:":
        for found in re.findall("(?i)" + re.escape(wanted), every):
            assert found.casefold() == wanted, (wanted, hex(ord(found)))


def test_an_autolink_in_mixed_case_is_broken_too():
    for text in ("wWw.evil.example", "see WwW.evil.example/x", "wwW.evil.example"):
        assert escape.md(text) == md_in_full(text)
        assert "\\." in escape.md(text), text
