"""A wheel built from the repository carries the banks, schemas, scoring method,
templates and stylesheet, and works from outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return next(out.glob("forethought-*.whl"))


def test_the_wheel_carries_the_content(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.glob("questionnaires/*.json"):
        assert f"app/questionnaires/{path.name}" in names
    for path in ROOT.glob("schemas/*.json"):
        assert f"app/schemas/{path.name}" in names
    for path in ROOT.glob("reports/*.j2"):
        assert f"app/reports/{path.name}" in names
    assert "app/scoring/default.json" in names
    assert "app/web/static/forethought.css" in names
    assert "app/web/templates/public/version.html" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_the_wheel_works_outside_the_repository(wheel, tmp_path):
    unpacked = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(unpacked)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import app, app.resources as r, app.banks as b;"
        "print(app.__file__); print(r.questionnaires_dir()); lib = b.load_library();"
        "print(len(lib.banks))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(str(unpacked)) and lines[1].startswith(str(unpacked)) and lines[2] == str(len(list((ROOT / "questionnaires").glob("*.json"))) - 1)
