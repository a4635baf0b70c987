"""The team's pages, one module per area, all on one blueprint. Views translate between HTTP
and the engine, the journey functions and the store; they hold no rules of their own."""

from __future__ import annotations

from flask import Blueprint

main = Blueprint("main", __name__)

# Importing the area modules registers their routes on the blueprint.
from . import assessments, people, questions, results, sign_off  # noqa: E402, F401
