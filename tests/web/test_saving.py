"""Nothing is lost: conflicting saves are caught with the input kept, saves to
different parts merge, and every change is in an append-only history."""

from __future__ import annotations

import sqlite3

import pytest

from forethought import engine

from .test_journey import start


def tab(client_request, url: str) -> dict:
    """What a browser tab holds after loading a form: its hidden fields."""
    return client_request.hidden_fields(url)


def test_a_conflicting_save_is_refused_with_the_input_kept(client_request, store):
    aid = start(client_request)
    url = f"/a/{aid}/profile/people"
    first, second = tab(client_request, url), tab(client_request, url)
    client_request.post(url, {**first, "PR-11": "from_10k"})
    page, response = client_request.post(
        url, {**second, "PR-11": "over_1m", "PR-10": "Everyone in town"}, expected_status=409
    )
    banner = page.find(id="conflict")
    assert "Someone else changed these answers while you were editing" in banner.text
    assert "PR-11: now saved as 10,000 to 100,000" in " ".join(banner.text.split())
    # The second tab's input is still on screen.
    assert page.find("input", attrs={"name": "PR-11", "value": "over_1m"}).has_attr("checked")
    assert page.find(id="PR-10").text == "Everyone in town"
    # Nothing from the second tab was saved, and the first tab's answer stands.
    answers = store.get(aid).document["banks"]["profile"]["answers"]
    assert answers["PR-11"] == {"value": "from_10k"} and "PR-10" not in answers
    # Saving again from the conflict page is a knowing choice, and it is kept.
    again = {
        i["name"]: i.get("value", "")
        for i in page.find("form", attrs={"method": "post"}).find_all("input", attrs={"type": "hidden"})
    }
    client_request.post(url, {**again, "PR-11": "over_1m", "PR-10": "Everyone in town"})
    assert store.get(aid).document["banks"]["profile"]["answers"]["PR-11"] == {"value": "over_1m"}


def test_saving_a_different_section_from_another_tab_merges(client_request, store):
    aid = start(client_request)
    people, screening = f"/a/{aid}/profile/people", f"/a/{aid}/profile/screening"
    first, second = tab(client_request, people), tab(client_request, screening)
    client_request.post(people, {**first, "PR-11": "from_10k"})
    client_request.post(screening, {**second, "PR-15": "yes"})
    answers = store.get(aid).document["banks"]["profile"]["answers"]
    assert answers["PR-11"] == {"value": "from_10k"} and answers["PR-15"] == {"value": "yes"}


def test_an_unchanged_answer_on_a_stale_page_would_overwrite_so_it_conflicts(client_request, store):
    aid = start(client_request)
    url = f"/a/{aid}/profile/people"
    first, second = tab(client_request, url), tab(client_request, url)
    client_request.post(url, {**first, "PR-11": "from_10k", "PR-12": "yes"})
    # The second tab only changes PR-10, but still holds the old (empty) PR-11 and PR-12.
    page, _ = client_request.post(url, {**second, "PR-10": "Residents"}, expected_status=409)
    listed = {li.a.text for li in page.find(id="conflict").select("li")}
    assert listed == {"PR-11", "PR-12"}


def test_conflicting_action_plans(client_request, store):
    aid = start(client_request)
    client_request.post(f"/a/{aid}/profile/screening", {"PR-15": "yes"})
    url = f"/a/{aid}/surveillance/actions/SV-R01"
    first, second = tab(client_request, url), tab(client_request, url)
    client_request.post(url, {**first, "SV-M01-owner": "Alice"})
    page, _ = client_request.post(url, {**second, "SV-M01-owner": "Bob"}, expected_status=409)
    assert "Someone else changed these actions" in page.text
    assert page.find(id="SV-M01-owner")["value"] == "Bob"
    assert store.get(aid).document["banks"]["surveillance"]["mitigations"]["SV-M01"] == {"owner": "Alice"}


def test_every_change_is_in_the_history_with_who_and_what(client_request, store):
    _, _ = client_request.post("/your-name", {"name": "Priya Shah"})
    aid = start(client_request)
    client_request.post(f"/a/{aid}/profile/people", {"PR-11": "from_10k"})
    client_request.post(f"/a/{aid}/profile/people", {"PR-11": "over_1m", "PR-11-note": "Whole county"})
    entries = store.history(aid)
    assert [e["action"] for e in entries] == [
        "Answered Project profile: People and data",
        "Answered Project profile: People and data",
        "Started the assessment",
    ]
    assert {e["who"] for e in entries} == {"Priya Shah"}
    assert entries[0]["changes"] == [
        {"bank": "profile", "item": "PR-11", "field": "note", "before": None, "after": "Whole county"},
        {"bank": "profile", "item": "PR-11", "field": "value", "before": "from_10k", "after": "over_1m"},
    ]
    page = client_request.get(f"/a/{aid}/history")
    said = " ".join(page.text.split())
    assert "Priya Shah" in said and "PR-11 People affected, answer: “10,000 to 100,000” → “More than 1 million”" in said


def test_a_save_that_changes_nothing_adds_no_history(client_request, store):
    aid = start(client_request)
    client_request.post(f"/a/{aid}/profile/people", {"PR-11": "from_10k"})
    version = store.get(aid).version
    client_request.post(f"/a/{aid}/profile/people", {"PR-11": "from_10k"})
    assert store.get(aid).version == version and len(store.history(aid)) == 2


def test_the_history_cannot_be_changed_or_deleted(client_request, store, db_path):
    aid = start(client_request)
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE history SET who = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM history")
    assert len(store.history(aid)) == 1


def test_a_failed_change_writes_nothing(store):
    from forethought.store import Change

    aid = store.create({"format": "x"}, {"title": "T"}, "Test", "Created")

    def broken(record):
        raise RuntimeError("something went wrong halfway")

    with pytest.raises(RuntimeError):
        store.update(aid, broken, "Test")
    assert store.get(aid).version == 1 and len(store.history(aid)) == 1

    def good(record):
        return Change({"format": "y"}, {"title": "T2"}, "Changed", [{"item": "x"}])

    store.update(aid, good, "Test")
    assert store.get(aid).version == 2 and store.get(aid).title == "T2"


def test_a_save_scores_the_new_version_once_and_the_next_pages_score_nothing(client_request, count_calls):
    aid = start(client_request)
    url = f"/a/{aid}/profile/people"
    before = tab(client_request, url)
    scored = count_calls(engine, "score")
    _, response = client_request.post(url, {**before, "PR-11": "from_10k"})
    for page in (response.headers["Location"], f"/a/{aid}", f"/a/{aid}/results", f"/a/{aid}/register"):
        client_request.get(page)
    assert len(scored) == 1
