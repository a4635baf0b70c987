"""The scoring method: the 5 x 5 matrix and the bands that turn a score into a rating.

It is data (`scoring/default.json`), so an organisation can use its own bands
without touching code, and every register names the method and its hash."""

from __future__ import annotations

from dataclasses import dataclass

from .canonical import digest, without_schema_key
from .problems import Problem, pointer


@dataclass(frozen=True)
class Level:
    level: int
    label: str
    description: str


@dataclass(frozen=True)
class Rating:
    id: str
    label: str
    min: int
    max: int
    action: str
    review_months: int


@dataclass(frozen=True)
class ScoringMethod:
    id: str
    title: str
    version: str
    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    ratings: tuple[Rating, ...]
    red_flag_rating: str
    lowering: dict  # {"claimed": {"likelihood": n, "impact": n}, "evidenced": {...}}
    sources: tuple[str, ...]
    path: str
    content_hash: str
    data: dict
    format: int = 1

    MAX_LEVEL = 5

    @property
    def max_lowering(self) -> dict:
        """The most mitigations may lower, with evidence behind them."""
        return self.lowering["evidenced"]

    @property
    def answers_always_count(self) -> bool:
        """Format 2 on: an answer given counts even where an unknown elsewhere
        leaves open whether its question would be asked. Format 1 methods, carried
        by older publications, keep the rule they were scored with."""
        return self.format >= 2

    @classmethod
    def from_data(cls, data: dict, path: str) -> ScoringMethod:
        return cls(
            id=data["id"],
            title=data["title"],
            version=data["version"],
            likelihood=tuple(Level(**x) for x in sorted(data["likelihood"], key=lambda x: x["level"])),
            impact=tuple(Level(**x) for x in sorted(data["impact"], key=lambda x: x["level"])),
            ratings=tuple(Rating(**x) for x in sorted(data["ratings"], key=lambda x: x["min"])),
            red_flag_rating=data["red_flag_rating"],
            # Format 1 had one limit for every mitigation, evidenced or not.
            lowering=(
                {"claimed": dict(data["max_lowering"]), "evidenced": dict(data["max_lowering"])}
                if "max_lowering" in data
                else {k: dict(data["lowering"][k]) for k in ("claimed", "evidenced")}
            ),
            sources=tuple(data.get("sources", [])),
            path=path,
            content_hash=digest(without_schema_key(data)),
            data=data,
            format=data["format"],
        )

    def rating_for(self, score: int) -> Rating:
        for rating in self.ratings:
            if rating.min <= score <= rating.max:
                return rating
        raise ValueError(f"score {score} is outside every rating band")  # check_method rules this out

    def rating(self, rating_id: str) -> Rating:
        for rating in self.ratings:
            if rating.id == rating_id:
                return rating
        raise KeyError(rating_id)

    def rank(self, rating_id: str) -> int:
        """Position of a rating from lowest (0) to highest."""
        return [r.id for r in self.ratings].index(rating_id)

    @property
    def top(self) -> Rating:
        return self.rating(self.red_flag_rating)


def check_method(data: dict, name: str) -> list[Problem]:
    """What the schema cannot check: levels 1 to 5 once each, bands that cover 1 to 25."""
    problems = []
    for axis in ("likelihood", "impact"):
        levels = sorted(x["level"] for x in data[axis])
        if levels != [1, 2, 3, 4, 5]:
            problems.append(Problem(name, pointer(axis), "needs levels 1, 2, 3, 4 and 5, once each"))
    problems += _check_bands(data, name)
    if "lowering" in data:
        for axis in ("likelihood", "impact"):
            if data["lowering"]["claimed"][axis] > data["lowering"]["evidenced"][axis]:
                message = "a mitigation only claimed cannot lower more than one backed by evidence"
                problems.append(Problem(name, pointer("lowering", "claimed", axis), message))
    return problems


def _check_bands(data: dict, name: str) -> list[Problem]:
    """Ratings with unique ids whose bands cover 1 to 25 without gap or overlap; red flags force the top one."""
    problems = []
    ratings = sorted(data["ratings"], key=lambda r: r["min"])
    expected = 1
    for r in ratings:
        i = data["ratings"].index(r)
        if r["min"] > r["max"]:
            problems.append(Problem(name, pointer("ratings", i), f"rating {r['id']!r} has min above max"))
        elif r["min"] != expected:
            what = "a gap" if r["min"] > expected else "an overlap"
            message = f"{what} before rating {r['id']!r}: it should start at {expected}"
            problems.append(Problem(name, pointer("ratings", i, "min"), message))
        expected = r["max"] + 1
    if expected != 26:
        problems.append(Problem(name, pointer("ratings"), "the ratings must cover every score from 1 to 25"))
    ids = [r["id"] for r in data["ratings"]]
    if len(set(ids)) != len(ids):
        problems.append(Problem(name, pointer("ratings"), "rating ids must be unique"))
    if data["red_flag_rating"] not in ids:
        message = f"{data['red_flag_rating']!r} is not one of the ratings"
        problems.append(Problem(name, pointer("red_flag_rating"), message))
    elif ratings and data["red_flag_rating"] != ratings[-1]["id"]:
        problems.append(Problem(name, pointer("red_flag_rating"), "a red flag must force the highest rating"))
    return problems
