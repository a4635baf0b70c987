"""A real office suite for the tests: LibreOffice, headless, converting files to PDF.

Under CI=true LibreOffice must be there (`.ci/run` installs Debian's
libreoffice-writer-nogui); elsewhere a test that needs it is skipped with a
message saying how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """The LibreOffice program, or a skip (a failure under CI=true) saying it is missing."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    message = "LibreOffice is not installed: apt-get install libreoffice-writer-nogui"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: .ci/run installs it)")
    pytest.skip(message)


def to_pdf(files: list[Path], out: Path) -> dict[Path, Path]:
    """Each file converted to PDF by LibreOffice in one run, {file: its PDF}.

    Each run has a profile of its own, so parallel test workers never share one."""
    assert len({f.stem for f in files}) == len(files), "each file needs a stem of its own (the PDF takes it)"
    program = soffice()
    out.mkdir(parents=True, exist_ok=True)
    profile = (out / "profile").resolve().as_uri()
    done = subprocess.run(
        [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out)]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=900,  # twenty registers on a busy two-core machine
        check=False,
    )
    pdfs = {f: out / (f.stem + ".pdf") for f in files}
    missing = [f.name for f, pdf in pdfs.items() if not pdf.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"
    return pdfs
