"""Problems found in a file: each names the file, where in it, and what is wrong.

Loaders collect every problem they can find and raise them together, so a
person fixes a broken file in one pass rather than one error at a time."""

from __future__ import annotations

from dataclasses import dataclass


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) built from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    where: str  # a JSON pointer, or "line L column C" for a file that is not JSON
    message: str

    def __str__(self) -> str:
        where = self.where or "(top level)"
        return f"{self.file} {where}: {self.message}"

    def to_dict(self) -> dict:
        return {"file": self.file, "where": self.where, "message": self.message}


class ProblemsFound(Exception):
    """Raised with every problem found; str() gives one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
