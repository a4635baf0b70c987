"""The forethought command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .banks import Library, check_files, load_library
from .problems import ProblemsFound

banks_option = click.option(
    "--banks", "extra_banks", multiple=True, type=click.Path(exists=True, path_type=Path),
    help="A bank file or a directory of them to use alongside the bundled banks. Repeatable.",
)


def _library(extra_banks: tuple[Path, ...]) -> Library:
    try:
        return load_library(extra=extra_banks)
    except ProblemsFound as e:
        _fail_with(e)


def _fail_with(e: ProblemsFound, what: str = "The question banks have problems") -> None:
    click.echo(f"{what}:", err=True)
    for problem in e.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="forethought")
def cli() -> None:
    """Forethought: assess what could go wrong for the public before you buy a
    technology, and write the risk register for your business case."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check question banks and scoring methods.

    PATHS are bank files or directories of them; with none, the bundled banks.
    Prints one line per problem (file, JSON pointer, what is wrong) and exits
    with status 1 if there are any."""
    problems = check_files(list(paths) if paths else None)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.", err=True)
        sys.exit(1)
    checked = ", ".join(str(p) for p in paths) if paths else "the bundled banks"
    click.echo(f"No problems found in {checked}.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@banks_option
def banks(as_json: bool, extra_banks: tuple[Path, ...]) -> None:
    """List the question banks with their versions and sizes."""
    library = _library(extra_banks)
    rows = [
        {"id": b.id, "kind": b.kind, "title": b.title, "version": b.version,
         "prefix": b.prefix, **b.counts(), "content_hash": b.content_hash, "path": b.path}
        for b in library.all_banks
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    headers = ["id", "version", "questions", "risks", "mitigations", "sources", "title"]
    widths = [max(len(str(r[h])) for r in rows + [dict(zip(headers, headers))]) for h in headers]
    for r in [dict(zip(headers, headers))] + rows:
        click.echo("  ".join(str(r[h]).ljust(w) for h, w in zip(headers, widths)).rstrip())


def _load_assessment(path: Path, library: Library) -> dict:
    from . import assessment

    try:
        return assessment.load(path, library)
    except ProblemsFound as e:
        _fail_with(e, f"{path} is not a usable assessment")


@cli.command()
@banks_option
def schema(extra_banks: tuple[Path, ...]) -> None:
    """Print the JSON Schema for assessment files, generated from the banks."""
    from .assessment import assessment_schema

    click.echo(json.dumps(assessment_schema(_library(extra_banks)), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@banks_option
def score(file: Path, extra_banks: tuple[Path, ...]) -> None:
    """Score an assessment FILE and print the result as JSON."""
    from . import engine

    library = _library(extra_banks)
    doc = _load_assessment(file, library)
    click.echo(json.dumps(engine.score(doc, library).to_dict(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the register to this file instead of printing it.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown",
              show_default=True, help="Markdown for people, CSV for spreadsheets, JSON for machines.")
@banks_option
def register(file: Path, output: Path | None, fmt: str, extra_banks: tuple[Path, ...]) -> None:
    """Write the risk register for an assessment FILE."""
    from . import engine, register as registers

    library = _library(extra_banks)
    doc = _load_assessment(file, library)
    result = engine.score(doc, library)
    if fmt == "markdown":
        text = registers.markdown(doc, result, library)
    elif fmt == "csv":
        text = registers.csv_text(result)
    else:
        text = registers.json_text(doc, result, library)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as e:
        click.echo(f"Cannot write {output}: {e.strerror}.", err=True)
        sys.exit(1)
    click.echo(f"Wrote {output}.", err=True)
