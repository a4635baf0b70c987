"""The project's injection corpus (tests/web/test_injection_corpus.py) through every free-text
field into every format of the ATRS and DPIA drafts: the Markdown inert to both renderers, the
JSON strings with nothing invisible, the office files holding the payloads as text only."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile

import pytest

from forethought import atrs, documents, dpia, drafts
from forethought.scored import Scored

from .conftest import ROOT
from .test_drafts import office_text
from .test_register import github_markdown
from .web.test_hostile_input import hidden_in
from .web.test_injection_corpus import CORPUS, EVIDENCE, inert_markdown


def corpus_document(library, example: str) -> dict:
    """An example whose every free-text field (answers, lists, evidence, notes, owners, the
    sign-off) holds the next payload of the corpus, round and round."""
    doc = documents.load(ROOT / "examples" / example, library)
    payloads = itertools.cycle(CORPUS.values())
    for q in library.questions.values():
        answer = doc["banks"].get(q.bank_id, {}).get("answers", {}).get(q.id)
        if answer is None:
            continue
        if q.type == "text":
            answer["value"] = next(payloads)[: q.max_length or documents.TEXT_LIMIT] or "x"
        elif q.type == "list" and not q.item_pattern:
            answer["value"] = [next(payloads)[:500].strip() or "x", "second"]
        answer["evidence"] = next(payloads)[:EVIDENCE]
        answer["note"] = next(payloads)
    for bank in library.banks:
        for mitigation in doc["banks"].get(bank.id, {}).get("mitigations", {}).values():
            mitigation.update(owner=next(payloads)[:200], evidence=next(payloads)[:EVIDENCE], note=next(payloads))
        if bank.id in doc["banks"]:
            risks = doc["banks"][bank.id].setdefault("risks", {})
            for risk in bank.risks:
                risks[risk.id] = {"owner": next(payloads)[:200], "note": next(payloads)}
    doc["sign_off"] = {
        "name": CORPUS["script"],
        "role": CORPUS["markdown link"],
        "date": "2026-11-30",
        "decision": "proceed_with_conditions",
        "note": CORPUS["heading"],
        "dpo_name": CORPUS["right-to-left override"],
        "dpo_date": "2026-11-30",
    }
    checked, problems = documents.check(doc, library)
    assert not problems, problems[:5]
    return checked


@pytest.fixture(scope="module", params=["welfare-fraud-risk-scoring.json", "cctv-upgrade.json"])
def hostile(request, library):
    return Scored.score(corpus_document(library, request.param), library)


def drafts_of(scored: Scored):
    for module in (atrs, dpia):
        try:
            for fmt in module.FORMATS:
                yield module.__name__.rsplit(".", 1)[1], fmt, module.made(scored, fmt)
        except drafts.NotApplicable:
            continue


def test_every_draft_of_the_corpus_is_inert(hostile):
    made = list(drafts_of(hostile))
    assert {kind for kind, _, _ in made} >= {"dpia"}
    for kind, fmt, content in made:
        where = f"{kind}.{fmt}"
        if fmt == "md":
            inert_markdown(content, where)
            html = github_markdown().render(content)
            assert not re.search(r"<(script|iframe|object|img|svg|style|base|meta|form|b|i)\b", html), where
            hrefs = re.findall(r'href="([^"]*)"', html)
            assert not [h for h in hrefs if "evil" in h or "javascript" in h.lower()], (where, hrefs)
            assert hidden_in(content) == [], (where, hidden_in(content))
            headings = re.findall(r"^#+ (.*)$", content, re.M)
            assert not any(h.startswith(("A heading", "Another", "Title")) for h in headings), where
        elif fmt == "json":
            assert hidden_in(json.dumps(json.loads(content), ensure_ascii=False)) == [], where
            assert CORPUS["script"] in content, where  # kept, as a JSON string
        else:
            text = office_text(content, fmt)
            assert CORPUS["script"] in text and hidden_in(text) == [], where
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                body = z.read("word/document.xml" if fmt == "docx" else "content.xml").decode()
            assert "<script" not in body and "<img" not in body, where
