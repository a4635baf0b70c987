"""Conditions: declarative tests on earlier answers, with three truth values.

A condition is JSON data (see `schemas/question-bank.schema.json`). It is
True, False or unknown (None). An unanswered question or a "don't know" answer
makes a test unknown, and the logic is Kleene's: `all` is False as soon as one
part is False, `any` is True as soon as one part is True, `not` keeps unknown.

Callers resolve unknown to the reading least favourable to the public: a
question that may be shown is treated as shown, a scoring rule that may apply
applies, a red flag that may be raised is raised, and a mitigation that may not
be in place is not in place. Because Kleene logic never flips True to False as
answers become known, replacing "don't know" with a real answer can only
resolve an unknown, which is what keeps the scores monotone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

DONT_KNOW = "dont_know"
# "Not decided yet: ask bidders": a choice still open in the procurement. It is read
# exactly like "don't know", and it puts the question to bidders.
NOT_DECIDED = "not_decided"
UNKNOWN_VALUES = frozenset({DONT_KNOW, NOT_DECIDED})
LEAF_TESTS = ("in", "answered", "at_least", "at_most")


class Fact(NamedTuple):
    """What a condition may know about one question.

    visible: True if the question is shown, False if its conditions hide it,
    None if that rests on an unknown. value: the answer, or None if unanswered.
    (Immutable like a frozen dataclass, and a third of the cost to make: every
    score makes one per question.)
    """

    type: str
    visible: bool | None
    value: Any = None
    hidden_by: tuple[str, ...] = ()  # when visible is None: the unknown answers that decide it


def evaluate(condition: dict, fact_of: Callable[[str], Fact]) -> bool | None:
    if "all" in condition:
        results = [evaluate(part, fact_of) for part in condition["all"]]
        if False in results:
            return False
        return None if None in results else True
    if "any" in condition:
        results = [evaluate(part, fact_of) for part in condition["any"]]
        if True in results:
            return True
        return None if None in results else False
    if "not" in condition:
        result = evaluate(condition["not"], fact_of)
        return None if result is None else not result
    fact = fact_of(condition["question"])
    if fact.visible is False:
        # A hidden question's answer is ignored: the test does not hold.
        return False
    result = _leaf(condition, fact)
    if fact.visible is None and result is not False:
        # Had the question turned out hidden, the test would be False.
        return None
    return result


Test = Callable[[Callable[[str], Fact]], "bool | None"]


def compile_condition(condition: dict) -> Test:
    """The condition as a function of `fact_of` that gives what `evaluate` gives,
    with its keys read and its option sets built once rather than on every call.
    Every part is still evaluated, as `evaluate` does."""
    for key, decided_by in (("all", False), ("any", True)):
        if key in condition:
            return _compile_kleene([compile_condition(part) for part in condition[key]], decided_by)
    if "not" in condition:
        inner = compile_condition(condition["not"])

        def not_(fact_of: Callable[[str], Fact]) -> bool | None:
            result = inner(fact_of)
            return None if result is None else not result

        return not_
    return _compile_leaf(condition)


def _compile_kleene(parts: list[Test], decided_by: bool) -> Test:
    """ "all" (decided by a False) or "any" (decided by a True) in three values: one deciding
    part decides; otherwise unknown if any part is unknown, else the other value."""

    def combined(fact_of: Callable[[str], Fact]) -> bool | None:
        results = [part(fact_of) for part in parts]
        if decided_by in results:
            return decided_by
        return None if None in results else not decided_by

    return combined


def _compile_leaf(condition: dict) -> Test:
    """A leaf test, as `evaluate` reads one: a hidden question's test does not
    hold, and one that may be hidden is unknown unless it already fails."""
    qid = condition["question"]
    test = _leaf_test(condition)

    def leaf(fact_of: Callable[[str], Fact]) -> bool | None:
        fact = fact_of(qid)
        if fact.visible is False:
            return False
        result = test(fact)
        if fact.visible is None and result is not False:
            return None
        return result

    return leaf


def _leaf_test(condition: dict) -> Callable[[Fact], bool | None]:
    """`_leaf` for one condition, its test chosen once. A test `_leaf` does not
    know is left to `_leaf`, so it raises as and when `_leaf` would."""
    if "answered" in condition:
        return lambda fact: None if fact.value is None else True
    if "in" in condition:
        wanted = set(condition["in"])

        def is_in(fact: Fact) -> bool | None:
            return None if fact.value is None else _in(fact, wanted)

        return is_in
    return lambda fact: _leaf(condition, fact)


def _in(fact: Fact, wanted: set) -> bool | None:
    """An answered question's "in" test, in three values."""
    if fact.type == "multiple_choice":
        chosen = set(fact.value)
        if chosen & wanted:
            return True
        # "Don't know" among the choices: others may apply too.
        return None if chosen & UNKNOWN_VALUES else False
    if fact.value in UNKNOWN_VALUES:
        return None
    return fact.value in wanted


def _leaf(condition: dict, fact: Fact) -> bool | None:
    value = fact.value
    if value is None:
        # Not answered yet: whatever the test asks, the answer could still go
        # either way. (An "answered" test is unknown too, not False, or a rule
        # such as "when answered, add a point" would rise once someone answers.)
        return None
    if "answered" in condition:
        return True
    if "in" in condition:
        return _in(fact, set(condition["in"]))
    if value in UNKNOWN_VALUES:
        return None  # a number answered "don't know"
    if "at_least" in condition:
        return value >= condition["at_least"]
    if "at_most" in condition:
        return value <= condition["at_most"]
    raise ValueError(f"not a condition: {condition!r}")  # the schema rules this out


def leaves(condition: dict | None, path: tuple = ()) -> Iterator[tuple[dict, tuple]]:
    """Every leaf test in a condition (none for no condition), with its path inside the condition."""
    if condition is None:
        return
    for key in ("all", "any"):
        if key in condition:
            for i, part in enumerate(condition[key]):
                yield from leaves(part, path + (key, i))
            return
    if "not" in condition:
        yield from leaves(condition["not"], path + ("not",))
        return
    yield condition, path


def describe(
    condition: dict, label_of: Callable[[str], str] | None = None, value_of: Callable[[str, Any], str] | None = None
) -> str:
    """The condition in words, for the register's method statement and docs.
    `label_of(question id)` names a question; `value_of(question id, value)` an answer."""
    label_of = label_of or (lambda qid: qid)
    value_of = value_of or (lambda qid, value: value)
    if "all" in condition:
        return " and ".join(_bracket(part, label_of, value_of) for part in condition["all"])
    if "any" in condition:
        return " or ".join(_bracket(part, label_of, value_of) for part in condition["any"])
    if "not" in condition:
        inner = condition["not"]
        if "in" in inner or "answered" in inner:
            # "PR-17 is not decides" reads better than "not PR-17 is decides".
            return _leaf_text(inner, label_of, value_of, negated=True)
        return "not " + _bracket(inner, label_of, value_of)
    return _leaf_text(condition, label_of, value_of)


def _leaf_text(
    condition: dict, label_of: Callable[[str], str], value_of: Callable[[str, Any], str], negated: bool = False
) -> str:
    qid = condition["question"]
    q = label_of(qid)
    is_ = "is not" if negated else "is"
    if "in" in condition:
        values = [value_of(qid, v) for v in condition["in"]]
        if len(values) == 1:
            return f"{q} {is_} {values[0]}"
        return f"{q} is {'none' if negated else 'one'} of {', '.join(values)}"
    if "answered" in condition:
        return f"{q} {is_} answered"
    if "at_least" in condition:
        return f"{q} is at least {condition['at_least']:g}"
    return f"{q} is at most {condition['at_most']:g}"


def _bracket(condition: dict, label_of: Callable[[str], str], value_of: Callable[[str, Any], str]) -> str:
    text = describe(condition, label_of, value_of)
    return f"({text})" if ("all" in condition or "any" in condition) else text
