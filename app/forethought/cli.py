"""The forethought command."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from . import __version__
from .banks import Library
from .decisions import DECISIONS
from .loading import check_files, load_library
from .problems import ProblemsFound

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite database file. Default: your platform's data folder (see the README).",
)

keys_dir_option = click.option(
    "--keys-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of the organisation's signing keys. Default: beside the default database.",
)

banks_option = click.option(
    "--banks",
    "extra_banks",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
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


class _Commands(click.Group):
    """Every command: a full disk, a read-only folder, a busy or damaged database is a message
    saying what to do and status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        from .faults import Unusable

        try:
            return super().invoke(ctx)
        except Unusable as e:
            click.echo(str(e), err=True)
            sys.exit(1)


@click.group(cls=_Commands)
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
        {
            "id": b.id,
            "kind": b.kind,
            "title": b.title,
            "version": b.version,
            "prefix": b.prefix,
            **b.counts(),
            "content_hash": b.content_hash,
            "path": b.path,
        }
        for b in library.all_banks
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    headers = ["id", "version", "questions", "risks", "mitigations", "sources", "title"]
    widths = [max(len(str(r[h])) for r in rows + [dict(zip(headers, headers, strict=True))]) for h in headers]
    for r in [dict(zip(headers, headers, strict=True))] + rows:
        click.echo("  ".join(str(r[h]).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())


def _read_published(path: Path) -> dict:
    """A published file's JSON, or a clear message and status 1."""
    from .publishing import verify

    try:
        return verify.load(path)
    except ProblemsFound as e:
        _fail_with(e, f"{path} cannot be read")


def _load_assessment(path: Path, library: Library) -> dict:
    from . import documents

    try:
        return documents.load(path, library)
    except ProblemsFound as e:
        _fail_with(e, f"{path} is not a usable assessment")


@cli.command()
@banks_option
def schema(extra_banks: tuple[Path, ...]) -> None:
    """Print the JSON Schema for assessment files, generated from the banks."""
    from .documents import assessment_schema

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


# What `forethought register --format` writes, each from the version scored once: every file
# a version makes (scored.OUTPUTS), "markdown" as another name for md, and the JSON export.
def _register_formats() -> dict:
    from .scored import OUTPUTS

    return {"markdown": OUTPUTS["md"].make, **{ext: o.make for ext, o in OUTPUTS.items()}, "json": register_json}


# Named here too so the option's choices need not import the scoring at start-up; a test keeps
# the two the same.
REGISTER_FORMAT_NAMES = ["md", "markdown", "csv", "html", "docx", "odt", "svg", "png", "json"]


def register_json(scored) -> str:
    from . import register

    return register.json_text(scored.doc, scored.result, scored.library)


@cli.command("register")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the register to this file instead of printing it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REGISTER_FORMAT_NAMES),
    default="md",
    show_default=True,
    help=(
        "md (Markdown) or html for people, docx (Word) or odt (OpenDocument) for a business case, csv for "
        "spreadsheets, json for machines; svg or png for the heat map picture alone."
    ),
)
@banks_option
def register_command(file: Path, output: Path | None, fmt: str, extra_banks: tuple[Path, ...]) -> None:
    """Write the risk register for an assessment FILE."""
    from .scored import Scored

    library = _library(extra_banks)
    made = _register_formats()[fmt](Scored.score(_load_assessment(file, library), library))
    data = made.encode("utf-8") if isinstance(made, str) else made
    if output is None:
        if isinstance(made, bytes) and sys.stdout.isatty():
            click.echo(f"A {fmt} file is not for the screen: give -o FILE to write it.", err=True)
            sys.exit(2)
        if isinstance(made, str):
            click.echo(made, nl=False)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as e:
        click.echo(f"Cannot write {output}: {e.strerror}.", err=True)
        sys.exit(1)
    click.echo(f"Wrote {output}.", err=True)


@cli.command("bank-docs")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of printing."
)
@banks_option
def bank_docs_command(output: Path | None, extra_banks: tuple[Path, ...]) -> None:
    """Write every bank's questions, risks, mitigations and sources as Markdown."""
    from .register import bank_docs

    text = bank_docs(_library(extra_banks))
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"Wrote {output}.", err=True)


def _write_draft(output: Path | None, content: str | bytes) -> None:
    """A drafted document to its file, or Markdown and JSON to the screen; never a half-written file."""
    if output is None:
        if isinstance(content, bytes):
            click.echo("A Word or OpenDocument file needs somewhere to go: give -o FILE.", err=True)
            sys.exit(2)
        click.echo(content, nl=False)
        return
    try:
        temporary = output.with_name(output.name + ".part")
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8", newline="")
        temporary.replace(output)
    except OSError as e:
        click.echo(f"Cannot write {output}: {e.strerror}.", err=True)
        sys.exit(1)
    click.echo(f"Wrote {output}.", err=True)


def _scored_file(file: Path, extra_banks: tuple[Path, ...]):
    from .scored import Scored

    library = _library(extra_banks)
    return Scored.score(_load_assessment(file, library), library)


@cli.command("atrs")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "docx", "odt"]),
    default="md",
    show_default=True,
    help="Markdown, JSON keyed by the standard's field names, Word or OpenDocument.",
)
@banks_option
def atrs_command(file: Path, output: Path | None, fmt: str, extra_banks: tuple[Path, ...]) -> None:
    """Draft an Algorithmic Transparency Recording Standard record from an assessment FILE."""
    from . import atrs

    _draft(atrs.made, file, fmt, extra_banks, output)


@cli.command("dpia")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "docx", "odt", "json"]),
    default="md",
    show_default=True,
    help="Markdown, Word, OpenDocument or JSON.",
)
@banks_option
def dpia_command(file: Path, output: Path | None, fmt: str, extra_banks: tuple[Path, ...]) -> None:
    """Draft a data protection impact assessment (the ICO template's steps) from an assessment FILE."""
    from . import dpia

    _draft(dpia.made, file, fmt, extra_banks, output)


def _draft(made, file: Path, fmt: str, extra_banks: tuple[Path, ...], output: Path | None) -> None:
    """Score FILE, make its draft in `fmt` and write it; a plain message if the draft is not for it."""
    from .drafts import NotApplicable

    try:
        content = made(_scored_file(file, extra_banks), fmt)
    except NotApplicable as e:
        click.echo(f"{file}: {e}", err=True)
        sys.exit(1)
    _write_draft(output, content)


@cli.command("draft-docs")
@click.argument("kind", type=click.Choice(["atrs", "dpia"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def draft_docs_command(kind: str, output: Path | None) -> None:
    """Write the table of which answers fill which field of the ATRS or DPIA draft (docs/atrs.md, docs/dpia.md)."""
    from . import atrs, dpia

    library = _library(())
    _write_draft(output, (atrs if kind == "atrs" else dpia).mapping_markdown(library))


@cli.command("trust-bundled")
def trust_bundled() -> None:
    """For maintainers (`make generate`): check the bundled content in full against its schemas
    and record its hashes, so later processes trust it without checking it again; add any new
    bank or scoring-method version to the official releases (a released one never changes)."""
    import datetime as dt

    from . import resources
    from .files import read_json
    from .loading import TRUSTED_FILE, bundled_files, trusted_manifest
    from .publishing import schema
    from .publishing.official import OFFICIAL_FILE, updated_manifest

    releases = resources.schema_path(OFFICIAL_FILE)
    try:
        text = trusted_manifest()
        manifest = updated_manifest(
            [read_json(p)[0] for p in bundled_files()], read_json(releases)[0], dt.date.today().isoformat()
        )
    except ProblemsFound as e:
        _fail_with(e, "The bundled content cannot be trusted")
    path = resources.schema_path(TRUSTED_FILE)
    path.write_text(text, encoding="utf-8", newline="")
    releases.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="")
    # The published schema carries copies of the bank and scoring schemas, so it stands alone.
    published = schema.write()
    click.echo(f"Wrote {path}, {releases} and {published}.", err=True)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the whole calibration page as Markdown.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the Markdown page to this file."
)
@banks_option
def calibrate(folder: Path, as_markdown: bool, output: Path | None, extra_banks: tuple[Path, ...]) -> None:
    """Score every calibration case in FOLDER and compare with its expected ratings."""
    from . import calibration

    library = _library(extra_banks)
    try:
        outcomes = [calibration.outcome(case, library) for case in calibration.load_cases(folder)]
    except ProblemsFound as e:
        _fail_with(e, "A calibration case cannot be scored")
    except (OSError, ValueError, KeyError) as e:
        click.echo(f"A calibration case cannot be read: {e}", err=True)
        sys.exit(1)
    if as_markdown or output:
        text = calibration.document(outcomes, library)
        if output is None:
            click.echo(text, nl=False)
            return
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(f"Wrote {output}.", err=True)
        return
    click.echo(calibration.table(outcomes, library))
    click.echo()
    click.echo(calibration.summary(calibration.agreement(outcomes, library)))


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but this computer (127.0.0.1) needs a password: see set-password.",
)
@click.option("--port", default=8000, show_default=True, type=int)
@db_option
@click.option("--threads", default=8, show_default=True, type=int, help="Requests handled at once, per worker.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes sharing the port and the database: about one per core for a team server.",
)
@click.option(
    "--server-name",
    "server_names",
    multiple=True,
    metavar="NAME",
    help="A name people use to reach this server (risks.example.gov.uk): requests for any other are refused. "
    "Repeatable.",
)
@click.option(
    "--behind-proxy",
    metavar="ADDRESS",
    help="The address of the reverse proxy that serves HTTPS in front of the app (127.0.0.1): only its "
    "X-Forwarded-Proto and X-Forwarded-For headers are believed. See the README.",
)
@banks_option
def serve(
    host: str,
    port: int,
    db_path: Path | None,
    threads: int,
    workers: int,
    server_names: tuple[str, ...],
    behind_proxy: str | None,
    extra_banks: tuple[Path, ...],
) -> None:
    """Start the web app."""
    from . import server
    from .store import Store
    from .web import PASSWORD_SETTING, create_app

    library = _library(extra_banks)
    db_path = db_path or server.default_db_path()
    store = Store(db_path)
    store.check()  # a damaged file is refused now, not found out by someone's save
    # Behind a proxy, people reach even 127.0.0.1 from the network.
    network = not server.is_loopback(host) or behind_proxy is not None
    if network and not store.setting(PASSWORD_SETTING):
        click.echo(
            f"Refusing to listen on {host}: anyone on the network could read and change assessments.\n"
            f"Set a password first:  forethought set-password --db {db_path}",
            err=True,
        )
        sys.exit(2)
    shown = "localhost" if not network else host
    exposure = server.Exposure(network, server_names, behind_proxy)
    if workers > 1:
        sys.exit(_serve_workers(host, port, db_path, threads, workers, exposure, extra_banks))
    app = create_app(store, library, require_password=network, trusted_hosts=exposure.trusted_hosts())
    click.echo(f"Forethought is running at http://{shown}:{port}/\nDatabase: {db_path}\nPress Ctrl+C to stop.")
    server.serve(app, host, port, threads=threads, exposure=exposure)


def _serve_workers(
    host: str,
    port: int,
    db_path: Path,
    threads: int,
    workers: int,
    exposure,
    extra_banks: tuple[Path, ...],
) -> int:
    """Bind the port here, once, then run the worker processes on it until Ctrl+C."""
    from . import server

    network = exposure.network
    shown = "localhost" if not network else host
    try:
        sockets = server.listening_sockets(host, port)
    except OSError as e:
        click.echo(f"Cannot listen on {host}:{port}: {e.strerror or e}", err=True)
        return 1
    click.echo(
        f"Forethought is running at http://{shown}:{port}/ in {workers} worker processes\n"
        f"Database: {db_path}\nPress Ctrl+C to stop."
    )
    args = server.worker_args(db_path, threads, network, extra_banks, exposure)
    return server.supervise(sockets, args, workers)


@cli.command("set-password")
@db_option
@click.password_option(help="The password people must give before they can see or change assessments.")
def set_password(db_path: Path | None, password: str) -> None:
    """Set the password needed when the app is served beyond this computer."""
    from werkzeug.security import generate_password_hash

    from . import server
    from .store import Store
    from .web import PASSWORD_SETTING, sessions

    if len(password) < 10:
        click.echo("Use a password of at least 10 characters.", err=True)
        sys.exit(1)
    db_path = db_path or server.default_db_path()
    store = Store(db_path)
    store.set_setting(PASSWORD_SETTING, generate_password_hash(password))
    ended = sessions.end_everyone(store)
    click.echo(f"Password set for {db_path}." + (f" Signed out {ended} sessions: sign in again." if ended else ""))


@cli.command("sign-out-everyone")
@db_option
def sign_out_everyone(db_path: Path | None) -> None:
    """End every signed-in session at once, e.g. when a laptop with the app open is lost."""
    from . import server
    from .store import Store
    from .web import sessions

    db_path = db_path or server.default_db_path()
    ended = sessions.end_everyone(Store(db_path))
    click.echo(f"Signed out {ended} session{'s' if ended != 1 else ''} of {db_path}.")


@cli.command("add-person")
@click.argument("username")
@click.option("--name", required=True, help="Their full name, as the history and sign-offs will show it.")
@click.option("--role", required=True, type=click.Choice(["reviewer", "editor", "approver", "admin"]))
@db_option
@click.password_option(help="Their first password (at least 12 characters).")
def add_person(username: str, name: str, role: str, db_path: Path | None, password: str) -> None:
    """Add a person who signs in with their own USERNAME and password on a shared server. Once
    anyone is added the shared password stops working: add an admin first."""
    from . import server
    from .store import Store
    from .web import accounts

    db_path = db_path or server.default_db_path()
    store = Store(db_path)
    problem = accounts.problem_with_new(store, username, name, role, password)
    if problem:
        click.echo(f"{problem}.", err=True)
        sys.exit(1)
    accounts.add(store, username, name, role, password)
    click.echo(f"Added {name} ({username}) as {role} in {db_path}.")


@cli.command("people")
@db_option
def people_command(db_path: Path | None) -> None:
    """List the people who can sign in, with their roles."""
    from . import server
    from .store import Store

    for person in Store(db_path or server.default_db_path()).accounts():
        state = f"disabled {person['disabled'][:10]}" if person["disabled"] else "active"
        click.echo(f"{person['username']}  {person['role']}  {state}  {person['name']}")


@cli.command("disable-person")
@click.argument("username")
@db_option
def disable_person(username: str, db_path: Path | None) -> None:
    """Stop USERNAME signing in, and end their sessions now. Their name stays in the history."""
    from . import server
    from .store import Store, now

    store = Store(db_path or server.default_db_path())
    if store.account(username) is None:
        click.echo(f"There is nobody called {username}.", err=True)
        sys.exit(1)
    store.change_account(username, disabled=now())
    click.echo(f"{username} can no longer sign in; their sessions have ended.")


@cli.command("share")
@click.argument("assessment_id")
@click.argument("usernames", nargs=-1)
@click.option("--everyone", is_flag=True, help="Let everyone signed in open it again.")
@db_option
def share_command(assessment_id: str, usernames: tuple[str, ...], everyone: bool, db_path: Path | None) -> None:
    """Let only USERNAMES (and administrators) open the assessment ASSESSMENT_ID (the id in its
    address, /a/ID) on a shared server; to anyone else it does not exist."""
    from . import server
    from .store import NotFound, Store

    store = Store(db_path or server.default_db_path())
    if everyone == bool(usernames):
        click.echo("Give the usernames to share it with, or --everyone.", err=True)
        sys.exit(2)
    unknown = [u for u in usernames if store.account(u) is None]
    if unknown:
        click.echo(f"There is nobody called {', '.join(unknown)}: see forethought people.", err=True)
        sys.exit(1)
    try:
        store.set_access(assessment_id, set(usernames))
    except NotFound:
        click.echo(f"There is no assessment {assessment_id}.", err=True)
        sys.exit(1)
    who = ", ".join(sorted(usernames)) + " and administrators" if usernames else "everyone signed in"
    click.echo(f"Assessment {assessment_id} can now be opened by {who}.")


@cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup_command(target: Path, db_path: Path | None) -> None:
    """Copy the database to TARGET, consistent even while the app is running and saving
    (SQLite's backup API). The signing keys are not in it: back up their folder too."""
    from . import server
    from .publishing import signing
    from .store import Store

    db_path = db_path or server.default_db_path()
    if not db_path.exists():
        click.echo(f"There is no database at {db_path}.", err=True)
        sys.exit(1)
    if target.exists():
        click.echo(f"{target} already exists: choose a new name, so no backup is overwritten.", err=True)
        sys.exit(1)
    store = Store(db_path)
    store.check()
    store.backup_to(target)
    click.echo(
        f"Backed up {store.count()} assessments and {store.published_count()} published versions "
        f"from {db_path} to {target}.\nThe signing keys are not in the backup: keep a copy of "
        f"{signing.keys_beside(db_path).folder} somewhere safe and private."
    )


@cli.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(backup: Path, db_path: Path | None, yes: bool) -> None:
    """Replace the database with BACKUP (made by `forethought backup`). The database it replaces
    is kept beside it first. Stop the app before restoring, and start it again after."""
    import datetime as dt

    from . import server
    from .store import Store, backup_problem

    db_path = db_path or server.default_db_path()
    problem = backup_problem(backup)
    if problem:
        click.echo(f"{backup} cannot be restored: {problem}. Nothing was changed.", err=True)
        sys.exit(1)
    if not yes:
        click.confirm(f"Replace everything in {db_path} with {backup}?", abort=True, err=True)
    store = Store(db_path)
    kept = db_path.with_name(f"{db_path.stem}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}{db_path.suffix}")
    store.backup_to(kept)
    store.restore_from(backup)
    click.echo(f"Restored {store.count()} assessments from {backup} into {db_path}. What it replaced is in {kept}.")


def _carried_forward(earlier: dict, redactions: list[dict], lift: tuple[str, ...]) -> list[dict]:
    """What the earlier version withheld stays withheld, with its reason, unless lifted or given
    a new reason: a next version must not make public what the last one held back."""
    from .publishing import publish

    given = {r["pointer"] for r in redactions}
    kept = [
        {"pointer": pointer, "reason": reason}
        for pointer, reason in publish.withheld_in(earlier).items()
        if pointer not in given and pointer not in lift
    ]
    for pointer in kept:
        click.echo(
            f"Still withheld, as in the earlier version: {pointer['pointer']} (--lift it to publish it).", err=True
        )
    return redactions + kept


def _withhold(values: tuple[str, ...]) -> list[dict]:
    from .publishing import publish

    out = []
    for item in values:
        where, sep, reason = item.partition("=")
        if not sep or not reason.strip():
            raise click.BadParameter(
                f"{item!r}: write it as POINTER=REASON, e.g. /banks/profile/answers/PR-05/value=Not yet announced",
                param_hint="--withhold",
            )
        if too_long := publish.reason_too_long(reason):
            raise click.BadParameter(f"{where}: {too_long}", param_hint="--withhold")
        out.append({"pointer": where, "reason": reason.strip()})
    return out


def _sign_off(name: str, role: str, date: str, decision: str, note, dpo_name, dpo_date) -> dict:
    """The sign-off as given: the senior responsible owner's, and the data protection officer's if any."""
    if bool(dpo_name) != bool(dpo_date):
        raise click.UsageError("Give the data protection officer's --dpo-name and --dpo-date together.")
    given = {"name": name, "role": role, "date": date, "decision": decision, "note": note}
    return {k: v for k, v in {**given, "dpo_name": dpo_name, "dpo_date": dpo_date}.items() if v}


@cli.command("publish")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the published JSON.",
)
@click.option("--name", required=True, help="Name of the senior responsible owner signing it off.")
@click.option("--role", required=True, help="Their role.")
@click.option("--decision", required=True, type=click.Choice(list(DECISIONS)))
@click.option("--date", "sign_date", help="Date of the sign-off (YYYY-MM-DD). Default: today.")
@click.option("--note", help="The sign-off's conditions or comments; needed to proceed against Critical ratings.")
@click.option("--dpo-name", help="The data protection officer who signed it off too (optional).")
@click.option("--dpo-date", help="The date they signed it off (YYYY-MM-DD); give it with --dpo-name.")
@click.option(
    "--withhold",
    multiple=True,
    metavar="POINTER=REASON",
    help="Withhold a field (a JSON pointer into the assessment) with the reason. Repeatable.",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The version this one follows: the new file continues its series, and keeps what it withheld.",
)
@click.option(
    "--lift",
    multiple=True,
    metavar="POINTER",
    help="With --previous: make public a field the earlier version withheld. Repeatable.",
)
@click.option("--published-at", help="Timestamp of publication (ISO 8601). Default: now.")
@click.option("--series", help="The publication's id, for a first version (default: a new random id).")
@keys_dir_option
@banks_option
def publish_command(
    file: Path,
    output: Path,
    name: str,
    role: str,
    decision: str,
    sign_date: str | None,
    note: str | None,
    dpo_name: str | None,
    dpo_date: str | None,
    withhold: tuple[str, ...],
    previous: Path | None,
    lift: tuple[str, ...],
    published_at: str | None,
    series: str | None,
    keys_dir: Path | None,
    extra_banks: tuple[Path, ...],
) -> None:
    """Publish an assessment FILE as a signed-off, verifiable JSON document, signed with the
    organisation's key (made on the first publication).

    For organisations that publish without running the app: the output can be
    checked with `forethought verify` and turned into a website with `forethought site`."""
    import datetime as dt

    from . import documents, engine
    from .publishing import publish, verify
    from .store import new_id

    library = _library(extra_banks)
    doc = _load_assessment(file, library)
    result = engine.score(doc, library)
    if result.status != "completed":
        click.echo(f"{file} is not complete, so it cannot be published. Required questions with no answer:", err=True)
        for bank in result.banks:
            for q in bank.unanswered:
                if q.required:
                    click.echo(f"  {q.id} {q.prompt}", err=True)
        sys.exit(1)
    if series is not None and not re.fullmatch(r"[A-Za-z0-9_-]{4,64}", series):
        raise click.BadParameter("use 4 to 64 letters, digits, hyphens or underscores", param_hint="--series")
    series, version, previous_hash = series or new_id(), 1, None
    redactions = _withhold(withhold)
    if previous is not None:
        earlier = _read_published(previous)
        report = verify.verify(earlier, str(previous))
        if not report.ok:
            click.echo(f"{previous} does not verify, so it cannot be continued:", err=True)
            for line in report.problems:
                click.echo(f"  {line}", err=True)
            sys.exit(1)
        series = earlier["publication"]["id"]
        version = earlier["publication"]["version"] + 1
        previous_hash = earlier["integrity"]["content_hash"]
        redactions = _carried_forward(earlier, redactions, lift)
    sign_off = _sign_off(name, role, sign_date or dt.date.today().isoformat(), decision, note, dpo_name, dpo_date)
    conflict = publish.decision_conflict(decision, note, result, library.method)
    if conflict:
        click.echo(f"Cannot publish: {conflict} Give the reason with --note.", err=True)
        sys.exit(1)
    _, problems = documents.check({**doc, "sign_off": sign_off}, library, str(file))
    if problems:
        _fail_with(ProblemsFound(problems), "The sign-off is not usable")
    try:
        published = publish.publish(
            doc,
            library,
            sign_off=sign_off,
            redactions=redactions,
            series=series,
            version=version,
            published_at=published_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            previous_content_hash=previous_hash,
            keys=_keys(keys_dir),
        )
    except ValueError as e:
        click.echo(f"Cannot publish: {e}.", err=True)
        sys.exit(1)
    output.write_text(json.dumps(published, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"Wrote {output}: version {version}, content hash {published['integrity']['content_hash']}.", err=True)
    click.echo(f"Signed with key {published['signature']['key']}.", err=True)


def _echo_report(report, published: dict, chain: list[str], left_out: list[str]) -> None:
    """The verify report in words: hash, signature, withdrawal, chain, scores, rules, findings."""
    from .publishing import official

    if report.content_hash:
        click.echo(f"Content hash {report.content_hash}: {'matches' if report.hash_ok else 'DOES NOT MATCH'}.")
    if report.signature:
        click.echo(report.signature.text)
    if report.withdrawal_signature:
        withdrawal = published["withdrawal"]
        click.echo(f"Withdrawn on {withdrawal['withdrawn_at'][:10]}: {withdrawal['reason']}")
    for line in left_out:
        click.echo(line + ".")
    for line in chain:
        click.echo(f"Chain of versions: {line}.")
    if report.ok:
        click.echo("Every score recomputes to the stored value from the answers and the definitions in the file.")
    for line in official.verdict(report.provenance):
        click.echo(line)
    if not report.ok:
        click.echo(f"{len(report.problems)} {'thing does' if len(report.problems) == 1 else 'things do'} not match:")
        for line in report.problems:
            click.echo(f"  {line}")
    _echo_findings(report)


def _echo_findings(report) -> None:
    """What a reviewer should look at, by kind."""
    from .publishing import verify

    if report.findings:
        click.echo("\nFor a reviewer:")
    for kind, label in verify.FINDING_LABELS.items():
        items = [f for f in report.findings if f.kind == kind]
        if items:
            click.echo(f"  {label} ({len(items)}):")
            for f in items:
                click.echo(f"    {f.text}")


@cli.command("verify")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--key", "keys", multiple=True, metavar="FINGERPRINT", help="A key fingerprint you trust. Repeatable.")
@click.option(
    "--keys",
    "keys_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A keys.json an organisation publishes: trust its keys. Repeatable.",
)
@click.option(
    "--previous",
    "earlier",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="The publisher's other files (files, or a folder such as its static site): check the chain of "
    "versions, and that no withdrawal of this version was left out. Repeatable.",
)
def verify_command(
    file: Path, as_json: bool, keys: tuple[str, ...], keys_files: tuple[Path, ...], earlier: tuple[Path, ...]
) -> None:
    """Check a published assessment FILE: re-score it with the bank definitions
    it carries, check its hashes and signature, and list what a reviewer should look at.

    Exits with status 0 only if every hash and every score matches, the banks and
    scoring method are official releases, the signature (if any) matches, any chain
    given is unbroken, and, when you name keys you trust, it is signed by one of them."""
    from .publishing import signing, verify

    published = _read_published(file)
    trusted = signing.trusted_from(keys, [_read_keys(p) for p in keys_files])
    report = verify.verify(published, str(file), trusted=trusted)
    others = _published_files(earlier)
    chain = verify.chain_problems([published, *others]) if earlier else []
    left_out = verify.withdrawals_left_out(published, others) if report.content_hash else []
    passed = (
        report.ok
        and report.official
        and not chain
        and not left_out
        and (trusted is None or bool(report.signature.trusted))
    )
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "chain": chain, "left_out": left_out}, indent=2, ensure_ascii=False))
        sys.exit(0 if passed else 1)
    _echo_report(report, published, chain, left_out)
    sys.exit(0 if passed else 1)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why the version is withdrawn; shown with it.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the withdrawn copy here (default: change FILE in place).",
)
@keys_dir_option
def withdraw(file: Path, reason: str, output: Path | None, keys_dir: Path | None) -> None:
    """Mark a published FILE as withdrawn, with the reason. What was published,
    and its content hash, do not change: the withdrawal sits beside them, signed."""
    import datetime as dt

    from .publishing import signing, verify

    published = _read_published(file)
    problems = verify.check_shape(published, str(file))
    if problems:
        _fail_with(ProblemsFound(problems), f"{file} is not a published assessment")
    if published.get("withdrawal"):
        click.echo(f"{file} was already withdrawn on {published['withdrawal']['withdrawn_at'][:10]}.", err=True)
        sys.exit(1)
    withdrawal = {
        "withdrawn_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "reason": reason.strip(),
    }
    keys = _keys(keys_dir)
    if keys.current() is not None:
        message = signing.withdrawal_message(published["integrity"]["content_hash"], *withdrawal.values())
        withdrawal["signature"] = keys.sign(message)
    else:
        click.echo(f"There is no signing key in {keys.folder}, so the withdrawal is not signed.", err=True)
    published["withdrawal"] = withdrawal
    (output or file).write_text(json.dumps(published, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(f"Withdrew version {published['publication']['version']} in {output or file}.", err=True)


def _keys(keys_dir: Path | None):
    """The organisation's signing keys: the folder given, or the one beside the default database."""
    from . import server
    from .publishing import signing

    return signing.Keys(keys_dir) if keys_dir else signing.keys_beside(server.default_db_path())


def _read_keys(path: Path) -> dict:
    """A keys.json, or a clear message and exit 1 if it is not one."""
    from .publishing import signing

    data = _read_published(path)
    problems = signing.listing_problems(data, str(path))
    if problems:
        _fail_with(ProblemsFound(problems), f"{path} is not a keys file")
    return data


def _published_files(paths: tuple[Path, ...]) -> list[dict]:
    """The published files named, and those anywhere in the folders named (a static site's
    folder holds every version's); other JSON in a folder (an index, a keys file) is passed over."""
    from .publishing import verify

    out = []
    for path in paths:
        for file in sorted(path.rglob("*.json")) if path.is_dir() else [path]:
            data = _read_published(file)
            if isinstance(data, dict) and data.get("format") == "forethought-published-assessment":
                if not verify.check_shape(data, str(file)):
                    out.append(data)
                    continue
            if not path.is_dir():
                click.echo(f"{file} is not a published assessment.", err=True)
                sys.exit(1)
    return out


@cli.group("keys")
def keys_group() -> None:
    """The organisation's signing keys: show, create or rotate them."""


@keys_group.command("show")
@keys_dir_option
def keys_show(keys_dir: Path | None) -> None:
    """Print the public keys file (keys.json) to publish beside the publications."""
    keys = _keys(keys_dir)
    listing = keys.listing()
    if not listing["keys"]:
        click.echo(f"There is no signing key in {keys.folder} yet: `forethought keys create` makes one.", err=True)
        sys.exit(1)
    click.echo(json.dumps(listing, indent=2, ensure_ascii=False))


@keys_group.command("create")
@click.option("--organisation", required=True, help="The organisation the key signs for.")
@keys_dir_option
def keys_create(organisation: str, keys_dir: Path | None) -> None:
    """Make the organisation's first signing key."""
    keys = _keys(keys_dir)
    if keys.current() is not None:
        click.echo(f"{keys.folder} already holds a key; `forethought keys rotate` replaces it.", err=True)
        sys.exit(1)
    entry = keys.create(organisation.strip())
    click.echo(f"Made key {entry['fingerprint']} in {keys.folder}. Publish {keys.listing_path} with your publications.")


@keys_group.command("rotate")
@keys_dir_option
def keys_rotate(keys_dir: Path | None) -> None:
    """Make a new signing key; the old one is retired today and stays listed."""
    keys = _keys(keys_dir)
    if keys.current() is None:
        click.echo(f"There is no key in {keys.folder} to rotate: `forethought keys create` makes one.", err=True)
        sys.exit(1)
    entry = keys.create(keys.listing()["organisation"] or "")
    click.echo(f"Made key {entry['fingerprint']}; the old key is retired today. Publish {keys.listing_path} again.")


def _site_sources(db_path: Path | None, sources: tuple[Path, ...]) -> list:
    """The published versions for the site, from files and the database, each named by what
    identifies its content, so a rebuild reads only what changed."""
    from . import server
    from .publishing import site
    from .store import Store

    found = site.collect(list(sources)) if sources else []
    if db_path or not sources:
        path = db_path or server.default_db_path()
        if not path.exists():
            click.echo(f"There is no database at {path}.", err=True)
            sys.exit(1)
        store = Store(path)
        for publication_id, version, identity in store.published_identities():
            found.append(
                site.Source(
                    f"{publication_id} version {version}",
                    identity,
                    lambda p=publication_id, v=version: store.published_document(p, v),
                )
            )
    return found


def _site_keys(db_path: Path | None, sources: tuple[Path, ...], keys_file: Path | None) -> dict | None:
    """The public keys the site publishes: the file given, or those beside the database used."""
    from . import server
    from .publishing import signing

    if keys_file:
        return _read_keys(keys_file)
    if db_path or not sources:
        return signing.keys_beside(db_path or server.default_db_path()).listing()
    return None


def _count(n: int, noun: str) -> str:
    """ "1 version", "2 versions": the count with its noun."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@cli.command("site")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Include everything published in this app database.",
)
@click.option(
    "--from",
    "sources",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Include published JSON files, or folders of them. Repeatable.",
)
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The organisation's keys.json to publish (default: the keys beside the database).",
)
@click.option(
    "--base-url",
    help="The address the site will be served from, e.g. https://example.org/risk/: each version "
    "whose profile names an ocid then gets an OCDS release package (OCDS links are absolute).",
)
def site_command(
    outdir: Path, db_path: Path | None, sources: tuple[Path, ...], keys_file: Path | None, base_url: str | None
) -> None:
    """Write every published assessment as a static website in OUTDIR.

    Pages, JSON, Markdown, CSV and an index for machines; it works from any
    static web host and opened straight from disk. With neither --db nor
    --from, it uses the app's default database."""
    from .publishing import site

    if base_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base_url):
        click.echo(f"--base-url must be a web address like https://example.org/risk/, not {base_url!r}.", err=True)
        sys.exit(1)
    listing = _site_keys(db_path, sources, keys_file)
    try:
        built = site.build(outdir, _site_sources(db_path, sources), listing, base_url)
    except ProblemsFound as e:
        _fail_with(e, "No published assessment could be read and re-scored: no site was written")
    skipped = built.skipped
    if skipped:
        click.echo("Left out of the site, because they cannot be read or re-scored:", err=True)
        for problem in skipped:
            click.echo(f"  {problem}", err=True)
    for line in built.broken_chains:
        click.echo(f"Warning, the chain of versions is broken: {line}.", err=True)
    series = {r["publication_id"] for r in built.shown}
    click.echo(
        f"Wrote {len(built.written)} files for {_count(len(series), 'published assessment')} "
        f"({_count(len(built.shown), 'version')}) to {outdir}. Open {outdir / 'index.html'} to see it."
    )
    if built.unchanged:
        click.echo(
            f"{_count(built.unchanged, 'published assessment')} had not changed since the last build: kept as built."
        )
