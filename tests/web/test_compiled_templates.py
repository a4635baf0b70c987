"""Templates compile once per process: every app and the static site share the compiled code
(the suite makes hundreds of apps, and compiling took a third of its time), and a change to a
template's source or to how an environment compiles is never served from that code."""

from __future__ import annotations

import jinja2
import pytest

from forethought.publishing import site
from forethought.web import create_app
from forethought.web.rendering import CompiledTemplates


@pytest.fixture
def compiles(monkeypatch):
    """The names of the templates compiled while the test runs."""
    names: list[str] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_a_second_app_and_the_site_compile_nothing_the_first_app_compiled(tmp_path, compiles):
    first = create_app(tmp_path / "first.db").test_client()
    assert first.get("/published/").status_code == 200
    compiles.clear()
    second = create_app(tmp_path / "second.db").test_client()
    assert second.get("/published/").status_code == 200
    assert compiles == []
    site.environment().get_template("public/index.html")
    assert compiles == []


def test_a_changed_source_or_a_differently_configured_environment_compiles_again(compiles):
    cache = CompiledTemplates()

    def render(source: str, **options) -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": source}), bytecode_cache=cache, **options)
        return env.get_template("t.html").render(x="<b>")

    assert render("{{ x }}") == "<b>"
    assert render("{{ x }}") == "<b>" and len(compiles) == 1
    assert render("[{{ x }}]") == "[<b>]" and len(compiles) == 2
    assert render("{{ x }}", autoescape=True) == "&lt;b&gt;" and len(compiles) == 3
    assert render("a\n{% if 1 %}\nb{% endif %}", trim_blocks=True) == "a\nb" and len(compiles) == 4
    assert render("a\n{% if 1 %}\nb{% endif %}") == "a\n\nb" and len(compiles) == 5
