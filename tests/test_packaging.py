"""A wheel built from the repository carries the banks, schemas, scoring method,
templates and stylesheet, adds one import name (`forethought`), and works from
outside the repository, beside other distributions."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

# Builds wheels with pip: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return next(out.glob("forethought-*.whl"))


def test_the_wheel_carries_the_content(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.glob("questionnaires/*.json"):
        assert f"forethought/questionnaires/{path.name}" in names
    for path in ROOT.glob("schemas/*.json"):
        assert f"forethought/schemas/{path.name}" in names
    for path in [*ROOT.glob("reports/*.j2"), *ROOT.glob("reports/*.json")]:
        assert f"forethought/reports/{path.name}" in names
    assert "forethought/scoring/default.json" in names
    assert "forethought/web/static/forethought.css" in names
    assert {"forethought/web/static/govuk-frontend.css", "forethought/web/static/favicon.ico"} <= names
    assert "forethought/web/templates/public/version.html" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert {n.split("/")[0] for n in names} == {"forethought", wheel.name.split("-py")[0] + ".dist-info"}


def test_the_wheel_works_outside_the_repository(wheel, tmp_path):
    unpacked = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(unpacked)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import forethought, forethought.resources as r, forethought.loading as b;"
        "print(forethought.__file__); print(r.questionnaires_dir()); lib = b.load_library();"
        "print(len(lib.banks))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        lines[0].startswith(str(unpacked))
        and lines[1].startswith(str(unpacked))
        and lines[2] == str(len(list((ROOT / "questionnaires").glob("*.json"))) - 1)
    )


def test_the_wheel_installs_beside_a_distribution_named_app(wheel, tmp_path):
    """Another distribution's top-level `app`, and a user's own app.py, leave forethought alone."""
    other = tmp_path / "other"
    (other / "app").mkdir(parents=True)
    (other / "app" / "__init__.py").write_text('WHO = "someone else"\n')
    (other / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1.21"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "someone-elses-app"\nversion = "1.0"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["app"]\n'
    )
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(other)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site-packages"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
            *map(str, wheels.glob("*.whl")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (site / "app" / "__init__.py").read_text() == 'WHO = "someone else"\n'
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("raise SystemExit('the user app.py was imported')\n")
    script = "import app, forethought.loading as b; print(app.WHO); print(len(b.load_library().banks))"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.remove(''); " + script],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "someone else"
    done = subprocess.run(
        [sys.executable, "-c", "import forethought.cli"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr


def test_the_wheel_writes_the_register_in_every_format_outside_the_repository(wheel, tmp_path):
    """The register's stylesheet and picture template travel in the wheel, and PNG needs no
    system library: the HTML file, Word, OpenDocument and the heat map from an unpacked wheel."""
    unpacked = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(unpacked)
    assert (unpacked / "forethought" / "web" / "static" / "register.css").is_file()
    script = (
        "import forethought, forethought.loading as b, forethought.documents as d;"
        "from forethought.scored import Scored; print(forethought.__file__);"
        "lib = b.load_library(); s = Scored.score(d.check(d.new_document(lib, '2026-11-21'), lib)[0], lib);"
        "print(len(s.register_page()), len(s.register_docx()), len(s.register_odt()), s.heatmap_png()[:4])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    where, page, word, odt, png = done.stdout.split(maxsplit=4)
    assert where.startswith(str(unpacked))
    assert int(page) > 10000 and int(word) > 10000 and int(odt) > 10000 and png.strip() == "b'\\x89PNG'"
