"""A whole assessment through the web app, page by page, with real form posts."""

from __future__ import annotations

import json

from forethought import documents
from forethought.loading import bundled_library

from .conftest import location_id

LIBRARY = bundled_library()


def start(client_request, **answers) -> str:
    data = {
        "PR-01": "Town centre cameras",
        "PR-02": "Anytown Council",
        "PR-03": "planning",
        "PR-08": "Cameras that count people in the town centre.",
    }
    data.update(answers)
    _, response = client_request.post("/assessments/new", data)
    return location_id(response)


def test_creating_an_assessment_from_the_profile(client_request, store):
    _, response = client_request.post(
        "/assessments/new",
        {"PR-01": "Town centre cameras", "PR-02": "Anytown Council", "PR-03": "planning", "PR-08": "Counts people."},
    )
    assert response.headers["Location"].endswith("/profile/people")
    record = store.get(location_id(response))
    assert record.title == "Town centre cameras" and record.stage == "Planning"
    assert record.document["banks"]["profile"]["answers"]["PR-01"] == {"value": "Town centre cameras"}


def test_profile_answers_screen_banks_in_and_out(client_request, store):
    aid = start(client_request)
    client_request.post(
        f"/a/{aid}/profile/people", {"PR-11": "under_1k", "PR-12": "no", "PR-13": "no", "PR-10": "Staff"}
    )
    client_request.post(
        f"/a/{aid}/profile/screening",
        {"PR-15": "no", "PR-16": "no", "PR-17": "none", "PR-18": "not_public_facing", "PR-23": ["software"]},
    )
    page = client_request.get(f"/a/{aid}")
    hints = page.select(".ft-task-list__hint")
    assert any("Not needed: The system does not" in h.text for h in hints)
    not_needed = [t.text for t in page.select(".ft-tag--status-not_applicable")]
    assert len(not_needed) == 4  # only public trust applies to every project


def test_save_and_continue_walks_the_sections_then_checks_answers(client_request, store):
    aid = start(client_request)
    _, response = client_request.post(f"/a/{aid}/profile/people", {"PR-11": "from_10k", "PR-10": "Residents"})
    assert response.headers["Location"].endswith("/profile/screening")
    _, response = client_request.post(f"/a/{aid}/profile/screening", {"PR-15": "yes"})
    assert response.headers["Location"].endswith("/profile/assessments")
    _, response = client_request.post(f"/a/{aid}/profile/assessments", {"PR-19": "confirmed"})
    assert response.headers["Location"].endswith("/profile/contract")
    _, response = client_request.post(f"/a/{aid}/profile/contract", {"PR-24": "up_to_3"})
    assert response.headers["Location"].endswith("/profile/contract#PR-25")  # its follow-up appears
    _, response = client_request.post(f"/a/{aid}/profile/contract", {"PR-24": "up_to_3", "PR-25": "break_clause"})
    assert response.headers["Location"].endswith("/profile/check")
    page = client_request.get(response.headers["Location"])
    rows = {
        row.dt.get_text(" ", strip=True): row.select_one(".ft-summary-list__value").get_text(" ", strip=True)
        for row in page.select(".ft-summary-list__row")
    }
    assert rows["PR-11 How many people will it affect each year?"] == "10,000 to 100,000"
    assert (
        rows[
            "PR-12 Are people in vulnerable situations among the people it is for, "
            "or a large share of those it affects?"
        ]
        == "Not answered"
    )


def test_save_and_return_goes_to_the_task_list(client_request):
    aid = start(client_request)
    _, response = client_request.post(f"/a/{aid}/profile/people", {"PR-11": "from_10k", "then": "task_list"})
    assert response.headers["Location"] == f"/a/{aid}"


def test_a_follow_up_question_appears_once_its_question_is_answered(client_request, store):
    aid = start(client_request)
    page = client_request.get(f"/a/{aid}/profile/people")
    assert page.find(id="PR-14") is None  # depends on PR-13, not yet answered
    _, response = client_request.post(f"/a/{aid}/profile/people", {"PR-13": "yes"})
    assert response.headers["Location"].endswith("/profile/people#PR-14")
    page = client_request.get(f"/a/{aid}/profile/people")
    assert page.find(id="PR-14") is not None
    assert "We have added a question based on your answer." in page.text
    _, response = client_request.post(f"/a/{aid}/profile/people", {"PR-13": "no"})
    assert response.headers["Location"].endswith("/profile/screening")
    assert client_request.get(f"/a/{aid}/profile/people").find(id="PR-14") is None


def test_every_answer_type_round_trips(client_request, store):
    aid = start(client_request)
    client_request.post(
        f"/a/{aid}/profile/about",
        {
            "PR-01": "Town centre cameras",
            "PR-02": "Anytown Council",
            "PR-03": "contract",
            "PR-04": "dont_know",
            "PR-05": "Acme Vision Ltd",
            "PR-06": "ocds-b5fd17-0001\n\nocds-b5fd17-0002\n",
            "PR-07": "Tender 12",
            "PR-08": "Counts people.\nLine two.",
            "PR-09-day": "1",
            "PR-09-month": "4",
            "PR-09-year": "2027",
        },
    )
    answers = store.get(aid).document["banks"]["profile"]["answers"]
    assert answers["PR-04"] == {"value": "dont_know"}
    assert answers["PR-06"] == {"value": ["ocds-b5fd17-0001", "ocds-b5fd17-0002"]}
    assert answers["PR-08"] == {"value": "Counts people.\nLine two."}
    assert answers["PR-09"] == {"value": "2027-04-01"}
    page = client_request.get(f"/a/{aid}/profile/about")
    assert page.find(id="PR-09-day")["value"] == "1" and page.find(id="PR-09-year")["value"] == "2027"
    assert page.find(id="PR-06").text == "ocds-b5fd17-0001\nocds-b5fd17-0002"
    # Clearing an answer removes it: empty means unanswered, never "none".
    client_request.post(
        f"/a/{aid}/profile/about",
        {"PR-01": "Town centre cameras", "PR-02": "Anytown Council", "PR-03": "contract", "PR-08": "Counts people."},
    )
    assert "PR-06" not in store.get(aid).document["banks"]["profile"]["answers"]


def test_checkboxes_numbers_evidence_and_notes(client_request, store):
    aid = start(client_request)
    client_request.post(f"/a/{aid}/profile/screening", {"PR-15": "yes"})
    client_request.post(
        f"/a/{aid}/surveillance/purpose",
        {
            "SV-01": "specific_evidenced",
            "SV-01-evidence": "Business case v2, section 3",
            "SV-01-note": "Agreed by cabinet",
            "SV-02": ["counting", "cctv"],
        },
    )
    answers = store.get(aid).document["banks"]["surveillance"]["answers"]
    assert answers["SV-01"] == {
        "value": "specific_evidenced",
        "evidence": "Business case v2, section 3",
        "note": "Agreed by cabinet",
    }
    assert answers["SV-02"] == {"value": ["counting", "cctv"]}
    client_request.post(f"/a/{aid}/surveillance/data", {"SV-13": "31"})
    assert store.get(aid).document["banks"]["surveillance"]["answers"]["SV-13"] == {"value": 31}


def test_bad_values_get_clear_errors_and_nothing_is_saved(client_request, store):
    aid = start(client_request)
    client_request.post(f"/a/{aid}/profile/screening", {"PR-15": "yes"})
    before = store.get(aid).version
    page, _ = client_request.post(f"/a/{aid}/surveillance/data", {"SV-13": "about a month"}, expected_status=200)
    assert page.title.text.startswith("Error: ")
    summary = page.select_one(".govuk-error-summary")
    assert summary.a["href"] == "#SV-13" and summary.a.text == "Enter a number, like 30"
    assert page.find(id="SV-13-error").text.strip() == "Error: Enter a number, like 30"
    assert page.find(id="SV-13")["value"] == "about a month"  # the input is kept on screen
    assert store.get(aid).version == before
    page, _ = client_request.post(
        f"/a/{aid}/profile/about",
        {
            "PR-01": "X",
            "PR-02": "Y",
            "PR-03": "planning",
            "PR-08": "Z",
            "PR-09-day": "31",
            "PR-09-month": "2",
            "PR-09-year": "2027",
        },
        expected_status=200,
    )
    assert page.select_one(".govuk-error-summary a")["href"] == "#PR-09-day"
    page, _ = client_request.post(
        f"/a/{aid}/profile/about",
        {"PR-01": "X", "PR-02": "Y", "PR-03": "planning", "PR-08": "Z", "PR-06": "not-an-ocid"},
        expected_status=200,
    )
    assert "is not right: an ocid starts with ocds-" in page.select_one(".govuk-error-summary").text


def test_results_actions_and_the_register(client_request, store):
    aid = start(client_request)
    client_request.post(
        f"/a/{aid}/profile/screening",
        {"PR-15": "yes", "PR-16": "no", "PR-17": "none", "PR-18": "not_public_facing", "PR-23": ["watching_system"]},
    )
    page = client_request.get(f"/a/{aid}/results")
    first_risk = page.select_one("section.ft-risk")["id"]
    assert first_risk.startswith(("SV-", "PT-"))
    page = client_request.get(f"/a/{aid}/surveillance/actions")
    risk = next(r.id for r in LIBRARY.bank("surveillance").risks)
    assert page.find("a", href=f"/a/{aid}/surveillance/actions/{risk}")
    page = client_request.get(f"/a/{aid}/surveillance/actions/{risk}")
    mitigation = page.select_one("input[type=radio][name$='-status']")["name"].removesuffix("-status")
    client_request.post(
        f"/a/{aid}/surveillance/actions/{risk}",
        {
            f"{mitigation}-status": "planned",
            f"{mitigation}-owner": "Head of Community Safety",
            f"{mitigation}-due": "2027-03-31",
            f"{risk}-owner": "Director of Place",
            f"{risk}-treatment": "treat",
        },
    )
    bank = store.get(aid).document["banks"]["surveillance"]
    assert bank["mitigations"][mitigation] == {
        "status": "planned",
        "owner": "Head of Community Safety",
        "due": "2027-03-31",
    }
    assert bank["risks"][risk] == {"owner": "Director of Place", "treatment": "treat"}
    page, _ = client_request.post(
        f"/a/{aid}/surveillance/actions/{risk}", {f"{mitigation}-status": "declined"}, expected_status=200
    )
    assert f"Say why you are declining {mitigation} (" in page.text
    page, _ = client_request.post(
        f"/a/{aid}/surveillance/actions/{risk}", {f"{mitigation}-due": "next spring"}, expected_status=200
    )
    assert "Date must be a real date, like 27 3 2027" in page.text

    register_md = client_request.client.get(f"/a/{aid}/register.md")
    assert register_md.headers["Content-Disposition"] == 'attachment; filename="town-centre-cameras-register.md"'
    text = register_md.get_data(as_text=True)
    assert text.startswith("# Risk register: Town centre cameras") and "Director of Place" in text
    csv_text = client_request.client.get(f"/a/{aid}/register.csv").get_data(as_text=True)
    assert csv_text.startswith("bank,risk_id,")
    data = json.loads(client_request.client.get(f"/a/{aid}/register.json").get_data(as_text=True))
    assert data["assessment"]["banks"]["surveillance"]["risks"][risk]["owner"] == "Director of Place"
    exported = client_request.client.get(f"/a/{aid}/assessment.json")
    doc = json.loads(exported.get_data(as_text=True))
    assert documents.check(doc, LIBRARY)[1] == []


def test_export_then_import_makes_an_identical_copy(client_request, store):
    aid = start(client_request)
    exported = client_request.client.get(f"/a/{aid}/assessment.json").get_data()
    import io

    _, response = client_request.post(
        "/import", {"file": (io.BytesIO(exported), "cameras.json")}, content_type="multipart/form-data"
    )
    new_id = location_id(response)
    assert new_id != aid
    assert store.get(new_id).document == store.get(aid).document
    assert store.history(new_id)[0]["action"] == "Imported from cameras.json"


def test_duplicate_for_the_next_stage_keeps_the_original(client_request, store):
    aid = start(client_request)
    _, response = client_request.post(f"/a/{aid}/duplicate", {"stage": "specification"})
    new_id = location_id(response)
    assert store.get(aid).stage == "Planning"
    copy = store.get(new_id)
    assert copy.stage == "Specification" and copy.duplicated_from == aid
    assert copy.document["banks"]["profile"]["answers"]["PR-01"] == {"value": "Town centre cameras"}
    page, _ = client_request.post(f"/a/{aid}/duplicate", {"stage": "tomorrow"}, expected_status=200)
    assert "Choose the procurement stage for the new copy" in page.text
