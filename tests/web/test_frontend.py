"""GOV.UK Frontend as the app serves it: compiled from the pinned npm package without GDS
Transport or the crown, committed so a clone and the wheel need no node, and nothing on any page
fetched from anywhere but this site."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from ..conftest import ROOT

STATIC = ROOT / "app" / "forethought" / "web" / "static"
FRONTEND = ROOT / "frontend"


def test_the_compiled_styles_are_the_pinned_frontend_without_its_font_or_crown():
    css = (STATIC / "govuk-frontend.css").read_text(encoding="utf-8")
    pinned = json.loads((FRONTEND / "package-lock.json").read_text())["packages"]["node_modules/govuk-frontend"]
    assert f'--govuk-frontend-version: "{pinned["version"]}"' in css
    assert json.loads((FRONTEND / "package.json").read_text())["devDependencies"]["govuk-frontend"] == pinned["version"]
    assert "GDS Transport" not in css and "@font-face" not in css
    # The only image the styles name is the crest, for the footer's crown copyright logo, which
    # no page uses: nothing else would be fetched, and nothing from another site.
    assert set(re.findall(r"url\(([^)]*)\)", css)) == {'"/assets/images/govuk-crest.svg"'}


@pytest.mark.slow
def test_the_committed_styles_are_what_the_lock_builds(tmp_path):
    if not shutil.which("npm"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but npm is missing: the Frontend build must be checked")
        pytest.skip("needs node and npm")
    for name in ("package.json", "package-lock.json", "forethought.scss"):
        shutil.copy(FRONTEND / name, tmp_path / name)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--silent"], cwd=tmp_path, check=True)
    out = tmp_path / "built.css"
    subprocess.run(
        [
            str(tmp_path / "node_modules/.bin/sass"),
            "--load-path=node_modules",
            "--style=compressed",
            "--no-source-map",
            "forethought.scss",
            str(out),
        ],
        cwd=tmp_path,
        check=True,
    )
    assert out.read_bytes() == (STATIC / "govuk-frontend.css").read_bytes(), "run make frontend and commit the result"


def test_no_page_loads_anything_from_another_site(client_request, store):
    from .test_pages import ALL_BANKS_APPLY, seeded

    aid = seeded(store, ALL_BANKS_APPLY)
    for url in ("/", f"/a/{aid}", f"/a/{aid}/profile/about", f"/a/{aid}/results", "/published/", "/review/"):
        page = client_request.get(url)
        fetched = [t.get("href") for t in page.find_all("link")] + [
            t.get("src") for t in page.find_all(["script", "img"])
        ]
        assert all(f and f.startswith("/") and not f.startswith("//") for f in fetched), (url, fetched)
    policy = client_request.client.get("/").headers["Content-Security-Policy"]
    assert "http" not in policy and "style-src 'self'" in policy
    for asset in STATIC.rglob("*"):
        if asset.suffix in (".css", ".svg"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", asset.read_text(encoding="utf-8")), asset
