"""The `dramabot pack import` command line: choosing among search hits, and the report.
Exit status: 0 done (or candidates listed), 1 the import failed or the draft has errors,
2 a usage error."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import Settings
from bot.importers.http import ImportFailed
from bot.importers.run import Candidate, Endpoints, Result, import_drama, is_qid, search
from bot.packs.loader import format_errors


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    query = " ".join(args.query).strip()
    if args.ost is not None and args.ost[0] != "musicbrainz":
        print("dramabot: --ost takes 'musicbrainz', then optionally a release-group MBID or "
              "a title", file=sys.stderr)
        return 2
    ost = None if args.ost is None else " ".join(args.ost[1:]).strip()
    endpoints = Endpoints(settings.wikidata_api_base, settings.musicbrainz_api_base,
                          settings.import_contact or "")
    out = args.out or settings.packs_dir
    try:
        qid = query if is_qid(query) else _choose(asyncio.run(search(endpoints, query)), query)
        if qid is None:
            return 0
        result = asyncio.run(import_drama(endpoints, qid, out, ost=ost,
                                          merge_into=args.merge, dry_run=args.diff))
    except ImportFailed as error:
        print(f"dramabot: import failed: {error}", file=sys.stderr)
        return 1
    return _report(result, show_diff=args.diff)


def _choose(candidates: list[Candidate], query: str) -> str | None:
    """The candidates, numbered; in a terminal the operator picks one, elsewhere the list
    says how to import one."""
    if not candidates:
        raise ImportFailed(f"no Wikidata item matches '{query}'")
    print(f"Wikidata items matching '{query}' (label · Korean label · year · broadcaster):")
    for number, candidate in enumerate(candidates, 1):
        print(f"  {number}. {candidate.line()}")
    if not sys.stdin.isatty():
        print("Import one with: dramabot pack import wikidata <Q-id>")
        return None
    answer = input("Number to import (Enter to cancel): ").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(candidates):
        return candidates[int(answer) - 1].qid
    return None


def _report(result: Result, *, show_diff: bool) -> int:
    if show_diff:
        print(result.diff or f"No changes to {result.path}.", end="" if result.diff else "\n")
    summary = result.summary
    for title, lines in (("Found", summary.found), ("Missing", summary.missing),
                         ("Check", summary.notes)):
        if lines:
            print(f"{title}:")
            print("\n".join(f"  - {line}" for line in lines))
    if not result.written:
        print(f"Dry run: {result.path} was not written.")
        return 0
    print(f"Wrote {result.path}. Review it (docs/importing.md), then `dramabot db build`.")
    if result.errors:
        print(format_errors(result.errors), file=sys.stderr)
        print(f"\n{len(result.errors)} error(s): the draft needs edits before a build",
              file=sys.stderr)
        return 1
    return 0
