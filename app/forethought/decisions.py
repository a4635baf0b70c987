"""The decisions a sign-off may record, each with the words people read for it.

Kept apart from `documents` so the command line can offer them as choices without
importing the JSON Schema machinery when it starts."""

DECISIONS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "do_not_proceed": "Do not proceed",
}
