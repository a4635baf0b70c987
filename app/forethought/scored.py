"""One version of an assessment, scored once.

A `Scored` holds a checked document, the library it was scored with and the
result. What is made from them (the register's context, its Markdown, its
HTML) is made the first time it is asked for and kept, so a page that shows
a version that has not changed repeats no work. The web app's cache, the
public pages, the review pages and the static site all read these."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from . import engine, register
from .banks import Library
from .engine import AssessmentResult


@dataclass
class Scored:
    doc: dict
    library: Library
    result: AssessmentResult
    _made: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def score(cls, doc: dict, library: Library) -> Scored:
        return cls(doc, library, engine.score(doc, library))

    def once(self, name: Hashable, make: Callable[[], Any]) -> Any:
        """`make()`'s value, made on the first call for this name and kept."""
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def context(self) -> dict:
        """What the register templates read."""
        return self.once("context", lambda: register.context(self.doc, self.result, self.library))

    def register(self) -> str:
        """The register's Markdown."""
        return self.once("register", lambda: register.markdown(self.doc, self.result, self.library))
