"""`dramabot`: run the bot, sync its commands, build or check the fact store, or try it
offline. Exit status: 0 success, 1 the bot answered with an error (ask), 2 a usage or
configuration error the operator must fix."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.store.health import StoreProblem

if TYPE_CHECKING:
    from bot.packs.model import PackError

log = logging.getLogger("dramabot")

NO_TOKEN_HELP = """\
dramabot: no DISCORD_TOKEN is set, so I cannot connect to Discord.

To get a token:
  1. Open https://discord.com/developers/applications and choose "New Application".
  2. On the Bot page, choose "Reset Token" and copy it.
  3. Put it in a file named .env in this folder:  DISCORD_TOKEN=your-token
     (start from .env.example; .env is ignored by git, never commit it).
  4. Invite the bot with the link in README.md ("Invite the bot"), then run `make run` again.

To try the bot right now without a token, use the offline console:  .venv/bin/dramabot console
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dramabot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--console-fallback", action="store_true",
        help="without a token, start the offline console when in a terminal",
    )
    sub.add_parser("sync", help="sync the slash commands with Discord now")
    db = sub.add_parser("db", help="the fact store")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("build", help="compile the data packs into the fact store")
    db_sub.add_parser("check", help="check the data packs and report every error")
    state = sub.add_parser("state", help="the state store (scores, settings, games, reports)")
    state_sub = state.add_subparsers(dest="state_command", required=True, metavar="ACTION")
    copy = state_sub.add_parser(
        "copy", help="copy a bot's state between stores (SQLite <-> PostgreSQL), verified")
    copy.add_argument("--from", dest="source", required=True,
                      help="a state.sqlite3 path or a postgresql:// URL")
    copy.add_argument("--to", dest="target", required=True,
                      help="a postgresql:// URL or a state.sqlite3 path")
    copy.add_argument("--replace", action="store_true",
                      help="overwrite a target that already holds state")
    _add_pack_parser(sub)
    reports = sub.add_parser("reports", help="the quiz questions players reported")
    reports_sub = reports.add_subparsers(dest="reports_command", required=True,
                                         metavar="ACTION")
    export = reports_sub.add_parser(
        "export", help="write every report (question, fact, sources, reason) as JSON")
    export.add_argument("--output", "-o", default="-",
                        help="the file to write (default: standard output)")
    sub.add_parser("console", help="try the bot in the terminal against an offline Discord")
    ask = sub.add_parser("ask", help='run one command offline, e.g. dramabot ask "/ost track 7"')
    ask.add_argument("invocation", help='the command as typed in Discord: "/drama soundtrack1"')
    ask.add_argument("--json", action="store_true", help="print the callback body the bot sent")
    ask.add_argument("--user", default="fan1", help="who runs it: admin, fan1, fan2, fan3")
    return parser


def _add_pack_parser(sub: Any) -> None:
    pack = sub.add_parser("pack", help="make data packs")
    pack_sub = pack.add_subparsers(dest="pack_command", required=True, metavar="ACTION")
    imp = pack_sub.add_parser(
        "import", help="draft a pack from open data (Wikidata, MusicBrainz); docs/importing.md")
    imp.add_argument("service", choices=["wikidata"], help="where the drama comes from")
    imp.add_argument("query", nargs="+", help="a Q-id (Q12345) to import, or a title to search")
    imp.add_argument("--ost", nargs="+", metavar="musicbrainz [MBID|TITLE]",
                     help="also import the OST from MusicBrainz (by default the soundtrack "
                          "the Wikidata item names, else a search by the drama's title)")
    imp.add_argument("--out", type=Path, help="the folder to write to (default: DRAMABOT_PACKS)")
    imp.add_argument("--merge", action="store_true",
                     help="add to the existing pack: new facts added, differing values kept "
                          "as 'also reported as' readings, nothing removed")
    imp.add_argument("--diff", action="store_true", help="show what would change; write nothing")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"dramabot: configuration error: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.token] if settings.token else [])
    handler = {
        "run": _run, "sync": _sync, "db": _db, "state": _state, "console": _console,
        "ask": _ask, "pack": _pack, "reports": _reports,
    }[args.command]
    try:
        return handler(settings, args)
    except KeyboardInterrupt:
        return 130
    except StoreProblem as problem:  # a full disk, a damaged or unreadable file
        print(f"dramabot: {problem}", file=sys.stderr)
        return 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        if args.console_fallback and sys.stdin.isatty() and sys.stdout.isatty():
            print("Starting the offline console instead.\n", file=sys.stderr)
            return _console(settings, args)
        return 2
    from bot.runner import serve

    if not _fact_store_ready(settings, defer_check=True):  # as serve() then does
        return 2
    asyncio.run(serve(settings, settle_heap=True))
    return 0


def _fact_store_ready(settings: Settings, defer_check: bool = False) -> bool:
    """Build the fact store if due (`defer_check`: see `prepare_fact_store`); False (after
    saying why) when there is none to use."""
    from bot.packs.loader import format_errors
    from bot.packs.model import PackLoadError
    from bot.runner import prepare_fact_store

    try:
        prepare_fact_store(settings, defer_check=defer_check)
    except PackLoadError as error:
        print(f"dramabot: the data packs have errors:\n{format_errors(error.errors)}",
              file=sys.stderr)
        return False
    return True


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.runner import apply_endpoints, create_bot

    if not _fact_store_ready(settings):
        return 2

    async def sync_once() -> None:
        apply_endpoints(settings)
        bot = create_bot(settings)
        bot.force_sync = True
        async with bot:
            await bot.login(settings.token or "")  # login runs setup_hook, which syncs

    asyncio.run(sync_once())
    print("Commands synced.")
    return 0


def _db(settings: Settings, args: argparse.Namespace) -> int:
    return _db_check(settings) if args.db_command == "check" else _db_build(settings)


def _db_check(settings: Settings) -> int:
    from bot.packs.loader import check_packs

    errors = check_packs(settings.packs_dir)
    if errors:
        return _pack_errors(settings, errors)
    count = len(list(Path(settings.packs_dir).glob("*.toml")))
    print(f"OK: {count} pack(s) in {settings.packs_dir} are valid.")
    return 0


def _db_build(settings: Settings) -> int:
    """Build without checking first: the build's loader raises the very errors
    `check_packs` reports, and parsing is most of a build's time."""
    from bot.packs.model import PackLoadError
    from bot.runner import prepare_fact_store

    try:
        prepare_fact_store(settings, force=True)
    except PackLoadError as error:
        return _pack_errors(settings, error.errors)
    print(f"Fact store built: {settings.fact_db}")
    return 0


def _pack_errors(settings: Settings, errors: Sequence[PackError]) -> int:
    """Every pack error, one per line, and a count, on stderr; exit status 1."""
    from bot.packs.loader import format_errors

    print(format_errors(errors), file=sys.stderr)
    print(f"\n{len(errors)} error(s) in {settings.packs_dir}", file=sys.stderr)
    return 1


def _state(settings: Settings, args: argparse.Namespace) -> int:
    """`state copy`: exit 0 when copied and verified, 1 when refused or not verified."""
    from bot.store.copy import CopyError, copy_state

    source, target = _store_arg(args.source), _store_arg(args.target)
    try:
        report = asyncio.run(copy_state(source, target, replace=args.replace))
    except CopyError as error:
        print(f"dramabot: state copy: {error}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    print("Copied and verified (row counts and totals match).")
    return 0


def _store_arg(raw: str) -> Path | str:
    from bot.store.state import is_database_url

    return raw if is_database_url(raw) else Path(raw).expanduser()


def _pack(settings: Settings, args: argparse.Namespace) -> int:
    from bot.importers.cli import run_import

    return run_import(settings, args)


def _reports(settings: Settings, args: argparse.Namespace) -> int:
    """Export the quiz reports for pack authors: JSON, one object per report."""
    import json

    from bot.quiz.reports import ReportBook
    from bot.store.state import StateStore

    async def read() -> list[dict[str, object]]:
        state = await StateStore.open(settings.state_target, pool=settings.pool)
        try:
            return await ReportBook(state).export()
        finally:
            await state.close()

    text = json.dumps(asyncio.run(read()), ensure_ascii=False, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Reports written to {args.output}", file=sys.stderr)
    return 0


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    return asyncio.run(run_console(settings))


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import ask

    return asyncio.run(ask(settings, args.invocation, user=args.user, as_json=args.json))


if __name__ == "__main__":
    raise SystemExit(main())
