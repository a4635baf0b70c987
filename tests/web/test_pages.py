"""Every page type renders and passes the structure checks in check_page,
including every section of every bank."""

from __future__ import annotations

import pytest

from forethought import documents, engine
from forethought.loading import bundled_library
from forethought.web import journey

LIBRARY = bundled_library()
ALL_BANKS_APPLY = {
    "PR-04": "from_1m",
    "PR-13": "yes",
    "PR-15": "yes",
    "PR-16": "yes",
    "PR-17": "decides",
    "PR-18": "digital_only",
    "PR-23": ["data_service"],
}


def seeded(store, answers: dict, title: str = "Town centre cameras") -> str:
    doc = documents.new_document(LIBRARY, "2026-11-21")
    doc["banks"]["profile"]["answers"].update(
        {"PR-01": {"value": title}, "PR-02": {"value": "Anytown Council"}, "PR-03": {"value": "planning"}}
    )
    for qid, value in answers.items():
        doc["banks"][LIBRARY.questions[qid].bank_id]["answers"][qid] = {"value": value}
    checked, problems = documents.check(doc, LIBRARY)
    assert not problems, problems
    result = engine.score(checked, LIBRARY)
    return store.create(checked, journey.summary(checked, result, LIBRARY), "Test", "Seeded")


@pytest.fixture
def assessment_id(store):
    return seeded(store, ALL_BANKS_APPLY)


def test_home_with_no_assessments(client_request):
    page = client_request.get("/")
    assert "There are no assessments yet." in page.text


def test_home_lists_assessments_in_pages(client_request, store):
    for n in range(55):
        seeded(store, {}, title=f"Project {n}")
    page = client_request.get("/")
    assert len(page.select("tbody tr")) == 50
    assert "Page 1 of 2" in page.text
    page = client_request.get("/?page=2")
    assert len(page.select("tbody tr")) == 5


def test_new_assessment_page(client_request):
    page = client_request.get("/assessments/new")
    assert page.h1.text.strip() == LIBRARY.profile.sections[0].title
    assert page.find("input", attrs={"name": "PR-01"})


def test_task_list(client_request, assessment_id):
    page = client_request.get(f"/a/{assessment_id}")
    names = [a.text for a in page.select(".ft-task-list__name a")]
    assert [b.title for b in LIBRARY.all_banks] == names[: len(LIBRARY.all_banks)]


def test_a_bank_cannot_start_while_a_dont_know_leaves_open_whether_it_applies(client_request, store):
    assessment_id = seeded(store, {**ALL_BANKS_APPLY, "PR-15": "dont_know"})
    page = client_request.get(f"/a/{assessment_id}")
    item = next(li for li in page.select(".ft-task-list__item") if LIBRARY.bank("surveillance").title in li.text)
    assert "Cannot start yet" in item.text and "(now: Don't know)" in item.text
    [link] = item.select("a")
    assert link["href"] == f"/a/{assessment_id}/profile/{LIBRARY.questions['PR-15'].section_id}#PR-15"
    first = LIBRARY.bank("surveillance").sections[0].id
    client_request.get(f"/a/{assessment_id}/surveillance/{first}", expected_status=302)


@pytest.mark.parametrize("bank_id, section_id", [(b.id, s.id) for b in LIBRARY.all_banks for s in b.sections])
def test_every_section_of_every_bank(client_request, assessment_id, bank_id, section_id):
    page = client_request.get(f"/a/{assessment_id}/{bank_id}/{section_id}")
    bank = LIBRARY.bank(bank_id)
    section = next(s for s in bank.sections if s.id == section_id)
    assert page.h1.text.strip() == section.title
    shown = [qid for qid in section.question_ids if page.find(id=qid) or page.find(id=f"{qid}-day")]
    if not shown:
        assert "None of the questions in this section apply" in page.text
    for qid in shown:
        assert page.find(string=lambda s, q=qid: s and q in s)


@pytest.mark.parametrize("bank_id", [b.id for b in LIBRARY.all_banks])
def test_check_answers(client_request, assessment_id, bank_id):
    page = client_request.get(f"/a/{assessment_id}/{bank_id}/check")
    assert page.h1.text.startswith("Check your answers")


def test_results(client_request, assessment_id):
    page = client_request.get(f"/a/{assessment_id}/results")
    assert page.select(".ft-heatmap")
    assert len(page.select("section.ft-risk")) == sum(len(b.risks) for b in LIBRARY.banks)


@pytest.mark.parametrize("bank_id", [b.id for b in LIBRARY.banks])
def test_actions(client_request, assessment_id, bank_id):
    page = client_request.get(f"/a/{assessment_id}/{bank_id}/actions")
    assert page.h1.text.startswith("Owners and actions")


def test_register_page(client_request, assessment_id):
    page = client_request.get(f"/a/{assessment_id}/register")
    assert page.h1.text.startswith("Risk register: Town centre cameras")
    assert page.select(".ft-register table")


@pytest.mark.parametrize("url", ["/import", "/your-name"])
def test_simple_pages(client_request, url):
    client_request.get(url)


def test_duplicate_and_history(client_request, assessment_id):
    client_request.get(f"/a/{assessment_id}/duplicate")
    page = client_request.get(f"/a/{assessment_id}/history")
    assert "Seeded" in page.text


@pytest.mark.parametrize("url", ["/a/nope", "/a/nope/results", "/nowhere"])
def test_not_found(client_request, url):
    page = client_request.get(url, expected_status=404)
    assert page.h1.text == "Page not found"


def test_unknown_bank_or_section(client_request, assessment_id):
    client_request.get(f"/a/{assessment_id}/nope/about", expected_status=404)
    client_request.get(f"/a/{assessment_id}/profile/nope", expected_status=404)
