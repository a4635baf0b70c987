"""Checks a JSON Schema cannot make on a question bank.

Unique ids, conditions that point at earlier questions and real options, no
cycles, cited sources that exist, scoring rules that fit their questions, and
risks that answers can actually reach. Each problem comes with the file and a
JSON pointer.
"""

from __future__ import annotations

import difflib
from collections import Counter

from . import conditions
from .banks import CHOICE_TYPES, YES_NO
from .problems import Problem, pointer


class _Checker:
    """Every problem in one bank that its schema cannot see."""

    def __init__(self, data: dict, name: str, profile_questions: dict | None):
        self.data = data
        self.name = name
        self.prefix = data["prefix"]
        self.is_profile = profile_questions is None
        self.profile_questions = profile_questions or {}
        self.problems: list[Problem] = []
        self.questions: dict[str, dict] = {}
        self.position: dict[str, int] = {}
        self.question_ptr: dict[str, str] = {}
        for s, section in enumerate(data["sections"]):
            for q, question in enumerate(section["questions"]):
                qid = question["id"]
                if qid not in self.questions:
                    self.questions[qid] = question
                    self.position[qid] = len(self.position)
                    self.question_ptr[qid] = pointer("sections", s, "questions", q)
        self.source_ids = {s["id"] for s in data["sources"]}
        self.risk_ids = {r["id"] for r in data.get("risks", [])}
        self.mitigation_ids = {m["id"] for m in data.get("mitigations", [])}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.name, where, message))

    def lookup(self, qid: str) -> dict | None:
        return self.questions.get(qid) or self.profile_questions.get(qid)

    def run(self) -> list[Problem]:
        self.check_unique_ids()
        self.check_prefixes()
        self.check_sources()
        self.check_questions()
        self.check_cycles()
        if "applies_when" in self.data:
            self.check_condition(self.data["applies_when"], "/applies_when", profile_only=True)
        self.check_risks()
        self.check_mitigations()
        self.check_reachable()
        return self.problems

    def check_unique_ids(self) -> None:
        def dupes(items: list[tuple[str, str]], what: str) -> None:
            counts = Counter(i for i, _ in items)
            first: set[str] = set()
            for item_id, where in items:
                if counts[item_id] > 1:
                    if item_id in first:
                        self.problem(where, f"duplicate {what} id {item_id!r}")
                    first.add(item_id)

        data = self.data
        dupes([(s["id"], pointer("sources", i, "id")) for i, s in enumerate(data["sources"])], "source")
        dupes([(s["id"], pointer("sections", i, "id")) for i, s in enumerate(data["sections"])], "section")
        dupes(
            [
                (q["id"], pointer("sections", s, "questions", i, "id"))
                for s, sec in enumerate(data["sections"])
                for i, q in enumerate(sec["questions"])
            ],
            "question",
        )
        dupes([(r["id"], pointer("risks", i, "id")) for i, r in enumerate(data.get("risks", []))], "risk")
        dupes(
            [(m["id"], pointer("mitigations", i, "id")) for i, m in enumerate(data.get("mitigations", []))],
            "mitigation",
        )
        dupes(
            [
                (f["id"], pointer("risks", i, "red_flags", j, "id"))
                for i, r in enumerate(data.get("risks", []))
                for j, f in enumerate(r.get("red_flags", []))
            ],
            "red flag",
        )
        for qid, question in self.questions.items():
            options = question.get("options", [])
            dupes(
                [(o["value"], self.question_ptr[qid] + pointer("options", i, "value")) for i, o in enumerate(options)],
                "option",
            )
        for qid in self.profile_questions:
            if qid in self.questions:
                self.problem(
                    self.question_ptr[qid] + "/id", f"question id {qid!r} is already used by the project profile"
                )

    def check_prefixes(self) -> None:
        prefix = self.prefix + "-"
        data = self.data
        items = [(qid, self.question_ptr[qid] + "/id") for qid in self.questions]
        items += [(r["id"], pointer("risks", i, "id")) for i, r in enumerate(data.get("risks", []))]
        items += [(m["id"], pointer("mitigations", i, "id")) for i, m in enumerate(data.get("mitigations", []))]
        items += [
            (f["id"], pointer("risks", i, "red_flags", j, "id"))
            for i, r in enumerate(data.get("risks", []))
            for j, f in enumerate(r.get("red_flags", []))
        ]
        for item_id, where in items:
            if not item_id.startswith(prefix):
                self.problem(where, f"id {item_id!r} must start with the bank prefix {prefix!r}")

    def check_sources(self) -> None:
        def cited(refs: list[str], where: str) -> None:
            for i, ref in enumerate(refs):
                if ref not in self.source_ids:
                    self.problem(
                        f"{where}/sources/{i}", f"cites source {ref!r}, which the bank does not list under sources"
                    )

        for qid, question in self.questions.items():
            where = self.question_ptr[qid]
            cited(question.get("sources", []), where)
            if not self.is_profile and not question.get("sources"):
                self.problem(
                    where, f"question {qid} cites no source: every question in a risk bank must cite at least one"
                )
        for i, risk in enumerate(self.data.get("risks", [])):
            cited(risk.get("sources", []), pointer("risks", i))
            for j, flag in enumerate(risk.get("red_flags", [])):
                cited(flag.get("sources", []), pointer("risks", i, "red_flags", j))
        for i, mitigation in enumerate(self.data.get("mitigations", [])):
            cited(mitigation.get("sources", []), pointer("mitigations", i))

    def check_questions(self) -> None:
        for qid, question in self.questions.items():
            where = self.question_ptr[qid]
            if "show_when" in question:
                self.check_condition(question["show_when"], where + "/show_when", before=qid)
            if question["type"] == "number" and "minimum" in question and "maximum" in question:
                if question["minimum"] > question["maximum"]:
                    self.problem(where + "/maximum", "maximum is below minimum")
            if question.get("bidder_question") and self.is_profile:
                self.problem(where + "/bidder_question", "the project profile does not put questions to bidders")

    def check_condition(
        self, condition: dict, where: str, *, before: str | None = None, profile_only: bool = False
    ) -> None:
        for leaf, path in conditions.leaves(condition):
            at = where + pointer(*path)
            qid = leaf["question"]
            question = self.lookup(qid)
            if question is None:
                self.problem(at + "/question", f"refers to question {qid!r}, which does not exist{self._suggest(qid)}")
                continue
            if profile_only and qid not in self.profile_questions:
                self.problem(at + "/question", f"screening can only use project-profile answers, not {qid!r}")
                continue
            if before is not None and qid in self.questions and self.position[qid] >= self.position[before]:
                what = "itself" if qid == before else f"{qid!r}, which comes later"
                self.problem(at + "/question", f"depends on {what}: a question can only depend on earlier answers")
            self.check_test(leaf, question, at)

    def check_test(self, leaf: dict, question: dict, at: str) -> None:
        qtype = question["type"]
        qid = question["id"]
        if "in" in leaf:
            if qtype not in CHOICE_TYPES:
                self.problem(at + "/in", f"'in' tests a choice, but {qid} is a {qtype} question")
                return
            valid = _option_values(question)
            for i, value in enumerate(leaf["in"]):
                if value in conditions.UNKNOWN_VALUES:
                    self.problem(
                        at + f"/in/{i}",
                        'conditions cannot test for "don\'t know" or "not decided": each already counts both ways',
                    )
                elif value not in valid:
                    self.problem(at + f"/in/{i}", f"{qid} has no option {value!r} (its options: {', '.join(valid)})")
        elif "at_least" in leaf or "at_most" in leaf:
            if qtype != "number":
                test = "at_least" if "at_least" in leaf else "at_most"
                self.problem(at + "/" + test, f"'{test}' compares numbers, but {qid} is a {qtype} question")

    def _suggest(self, qid: str) -> str:
        close = difflib.get_close_matches(qid, list(self.questions) + list(self.profile_questions), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def check_cycles(self) -> None:
        graph = {
            qid: sorted({leaf["question"] for leaf, _ in conditions.leaves(q["show_when"])} & set(self.questions))
            for qid, q in self.questions.items()
            if "show_when" in q
        }
        state: dict[str, int] = {}
        reported: set[frozenset] = set()

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for nxt in graph.get(node, []):
                if state.get(nxt) == 1:
                    cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.problem(
                            self.question_ptr[nxt] + "/show_when", "conditions form a cycle: " + " → ".join(cycle)
                        )
                elif state.get(nxt) is None:
                    visit(nxt, trail + [nxt])
            state[node] = 2

        for qid in graph:
            if state.get(qid) is None:
                visit(qid, [qid])

    def check_risks(self) -> None:
        for i, risk in enumerate(self.data.get("risks", [])):
            if "applies_when" in risk:
                self.check_condition(risk["applies_when"], pointer("risks", i, "applies_when"))
            for factor in ("likelihood", "impact"):
                for j, driver in enumerate(risk[factor]["drivers"]):
                    self.check_driver(driver, pointer("risks", i, factor, "drivers", j))
            for j, flag in enumerate(risk.get("red_flags", [])):
                where = pointer("risks", i, "red_flags", j)
                self.check_condition(flag["when"], where + "/when")
                for k, mid in enumerate(flag.get("cleared_by", [])):
                    if mid not in self.mitigation_ids:
                        self.problem(where + f"/cleared_by/{k}", f"mitigation {mid!r} does not exist")

    def check_driver(self, driver: dict, where: str) -> None:
        qid = driver["question"]
        question = self.lookup(qid)
        if question is None:
            self.problem(where + "/question", f"refers to question {qid!r}, which does not exist{self._suggest(qid)}")
            return
        qtype = question["type"]
        if "points" in driver:
            if qtype not in CHOICE_TYPES:
                self.problem(
                    where + "/points",
                    f"points need a choice or yes/no question, but {qid} is a {qtype} question (use bands for numbers)",
                )
            else:
                valid = _option_values(question)
                for value in driver["points"]:
                    if value in conditions.UNKNOWN_VALUES:
                        self.problem(
                            where + "/points/" + value,
                            '"don\'t know" and "not decided" score both ways; they take no points of their own',
                        )
                    elif value not in valid:
                        self.problem(
                            where + "/points/" + value,
                            f"{qid} has no option {value!r} (its options: {', '.join(valid)})",
                        )
        if "bands" in driver:
            if qtype != "number":
                self.problem(where + "/bands", f"bands need a number question, but {qid} is a {qtype} question")
            thresholds = [b["at_least"] for b in driver["bands"]]
            if thresholds != sorted(set(thresholds)):
                self.problem(where + "/bands", "bands must go up: each at_least higher than the one before")
        if "when" in driver:
            self.check_condition(driver["when"], where + "/when")

    def check_mitigations(self) -> None:
        lowered: set[str] = set()
        for i, mitigation in enumerate(self.data.get("mitigations", [])):
            where = pointer("mitigations", i)
            for key in ("applies_when", "in_place_when"):
                if key in mitigation:
                    self.check_condition(mitigation[key], f"{where}/{key}")
            seen: set[str] = set()
            for j, lowering in enumerate(mitigation["lowers"]):
                rid = lowering["risk"]
                if rid not in self.risk_ids:
                    self.problem(where + f"/lowers/{j}/risk", f"risk {rid!r} does not exist")
                if rid in seen:
                    self.problem(where + f"/lowers/{j}/risk", f"lowers risk {rid} twice")
                seen.add(rid)
                if lowering.get("likelihood", 0) == 0 and lowering.get("impact", 0) == 0:
                    self.problem(where + f"/lowers/{j}", "lowers neither likelihood nor impact")
                lowered.add(rid)
        for i, risk in enumerate(self.data.get("risks", [])):
            if risk["id"] not in lowered:
                self.problem(pointer("risks", i), f"risk {risk['id']} has no mitigation: add one whose lowers names it")

    def check_reachable(self) -> None:
        """Every risk must move with some answer that can actually be given."""
        for i, risk in enumerate(self.data.get("risks", [])):
            refs = [d["question"] for f in ("likelihood", "impact") for d in risk[f]["drivers"]]
            refs += [
                leaf["question"] for flag in risk.get("red_flags", []) for leaf, _ in conditions.leaves(flag["when"])
            ]
            if not refs:
                self.problem(
                    pointer("risks", i),
                    f"risk {risk['id']} cannot be reached: no driver or red flag depends on any answer",
                )
            elif not any(self.can_be_shown(q) for q in refs):
                self.problem(
                    pointer("risks", i),
                    f"risk {risk['id']} cannot be reached: every question it depends on is always hidden",
                )

    def can_be_shown(self, qid: str, _seen: frozenset = frozenset()) -> bool:
        question = self.lookup(qid)
        if question is None or qid in _seen:
            return False
        if "show_when" not in question:
            return True
        return self._may_hold(question["show_when"], _seen | {qid})

    def _may_hold(self, condition: dict, seen: frozenset) -> bool:
        if "any" in condition:
            return any(self._may_hold(c, seen) for c in condition["any"])
        if "all" in condition:
            if not all(self._may_hold(c, seen) for c in condition["all"]):
                return False
            # Two single-answer tests on one question with no option in common never both hold.
            allowed: dict[str, set] = {}
            for part in condition["all"]:
                if "in" in part and (self.lookup(part["question"]) or {}).get("type") != "multiple_choice":
                    allowed[part["question"]] = allowed.get(part["question"], set(part["in"])) & set(part["in"])
            return all(allowed.values())
        if "not" in condition:
            return True
        question = self.lookup(condition["question"])
        if question is None or not self.can_be_shown(condition["question"], seen):
            return False
        if "at_least" in condition and "maximum" in question:
            return condition["at_least"] <= question["maximum"]
        if "at_most" in condition and "minimum" in question:
            return condition["at_most"] >= question["minimum"]
        return True


def _option_values(question: dict) -> list[str]:
    if question["type"] == "yes_no":
        return list(YES_NO)
    return [o["value"] for o in question.get("options", [])]


def check_bank(data: dict, name: str, profile_questions: dict | None) -> list[Problem]:
    """What the schema cannot see in a bank that passed it; `profile_questions` is None for the profile itself."""
    return _Checker(data, name, profile_questions).run()
