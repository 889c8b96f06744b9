"""The string helpers behind every info reply: how a fact is worded, and how any list the
data can make stays inside Discord's limits. Pure functions, no Discord."""

from __future__ import annotations

import datetime as dt

import discord
import pytest

from bot.packs.model import ArtistCredit, Credit, Fact, Reading, Source, Track
from bot.store.models import DramaRef, Match, PersonRef, Resolution, TrackInfo
from cogs.info import DramaButton
from cogs.ost import TrackPageButton, track_pager
from cogs.utils.embeds import EmbedCache, Field, build_embed
from cogs.utils.formatting import (
    UNKNOWN,
    Limits,
    also_text,
    credit_fact,
    echo,
    footer_sources,
    join_limited,
    line_mark,
    number_ranges,
    paginate,
    plural,
    render_fact,
    render_facts,
    track_line,
    track_source_ids,
    truncate,
)
from cogs.utils.lookup import DRAMA, KNOWN_SHOWN, PERSON, unresolved_reply
from cogs.utils.views import buttons, make_view


def drama_buttons(choices: list[tuple[str, str]]) -> list[DramaButton]:
    return buttons(DramaButton, choices)


def drama_button(key: str, label: str) -> DramaButton:
    return DramaButton(key, label=label)

SOURCES = {
    "seed-000": Source("seed-000", "seed 000", "article"),
    "seed-002": Source("seed-002", "seed 002", "article"),
    "nme": Source("nme", "NME", "outlet"),
    "pinkvilla": Source("pinkvilla", "Pinkvilla", "outlet"),
    "wowtv": Source("wowtv", "wowtv", "outlet"),
}

HEROINE = Fact(Reading("Lee Eun-soo", ("seed-000", "wowtv")),
               also=(Reading("Seo Eun-soo", ("seed-002", "nme")),))


# --- facts ------------------------------------------------------------------------------


def test_contested_fact_shows_both_readings_with_sources() -> None:
    assert render_fact(HEROINE, SOURCES) == \
        "Lee Eun-soo; also reported as Seo Eun-soo (seed 002, NME)"


def test_single_source_fact_is_marked() -> None:
    fact = Fact(Reading(dt.date(2021, 12, 30), ("pinkvilla",)))
    assert render_fact(fact, SOURCES) == "2021-12-30 (one source: Pinkvilla)"


def test_settled_fact_reads_plainly_and_note_is_kept() -> None:
    fact = Fact(Reading(dt.date(2022, 3, 23), ("seed-000", "wowtv"), note="4 pm KST"))
    assert render_fact(fact, SOURCES) == "2022-03-23 (4 pm KST)"
    assert render_fact(Fact(Reading(4, ("seed-000", "wowtv"))), SOURCES) == "4"


def test_missing_fact_is_unknown_never_a_guess() -> None:
    assert render_fact(None, SOURCES) == UNKNOWN
    assert render_facts((), SOURCES) == UNKNOWN


def test_always_cite_names_every_source() -> None:
    text = render_fact(HEROINE, SOURCES, always_cite=True)
    assert text == "Lee Eun-soo (seed 000, wowtv); also reported as Seo Eun-soo (seed 002, NME)"


def test_unknown_source_id_is_shown_not_dropped() -> None:
    fact = Fact(Reading("x", ("mystery",)))
    assert render_fact(fact, SOURCES) == "x (one source: mystery)"


def test_contested_credit_renders_like_a_fact() -> None:
    credit = Credit("ahn-sae-bom", "writer", ("seed-002", "wowtv"),
                    also=(Reading("Chae Yoon", ("pinkvilla",)),))
    assert render_fact(credit_fact("Ahn Sae-bom", credit), SOURCES) == \
        "Ahn Sae-bom; also reported as Chae Yoon (Pinkvilla)"
    assert also_text(None, SOURCES) == ""


def test_line_mark_covers_a_line_resting_on_one_source() -> None:
    one = Fact(Reading("Kang Woo-il", ("wowtv",)))
    two = Fact(Reading("강우일", ("wowtv",)))
    assert line_mark([one, two, None], SOURCES) == " (one source: wowtv)"
    assert line_mark([one, HEROINE], SOURCES) == ""
    assert render_fact(one, SOURCES, mark_single=False) == "Kang Woo-il"


def test_track_line_says_unknown_for_missing_title_and_date() -> None:
    track = Track(6, (ArtistCredit("standing-egg", ("wowtv", "nme")),))
    info = TrackInfo(DramaRef("soundtrack1", "Soundtrack #1"), track,
                     (PersonRef("standing-egg", "Standing Egg"),))
    assert track_line(info, SOURCES) == "**6.** unknown — Standing Egg — unknown"
    assert track_line(info, SOURCES, with_drama=True).startswith("Soundtrack #1 · **6.**")
    assert track_source_ids(info) == ["wowtv", "nme"]


# --- user text --------------------------------------------------------------------------


def test_echo_escapes_mentions_and_markdown() -> None:
    text = echo("@everyone **bold** <@123456789012345678> _x_")
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "\\*\\*bold\\*\\*" in text
    assert "<@123456789012345678>" not in text


def test_echo_is_short_and_single_line() -> None:
    text = echo("a\n" * 3000, limit=60)
    assert "\n" not in text and len(text) <= 60


# --- limits -----------------------------------------------------------------------------


def test_truncate() -> None:
    assert truncate("abcdef", 10) == "abcdef"
    assert truncate("abcdefghij", 6) == "abc..."
    assert len(truncate("x" * 5000, Limits.FIELD_VALUE)) == Limits.FIELD_VALUE
    assert truncate("abc", 0) == ""


def test_join_limited_says_how_many_were_left_out() -> None:
    items = [f"line {n}" for n in range(1, 101)]
    text = join_limited(items, 100)
    assert len(text) <= 100
    kept = text.splitlines()[:-1]
    assert text.endswith(f"...and {100 - len(kept)} more")
    assert join_limited(["a", "b"], 100) == "a\nb"


def test_join_limited_cuts_a_single_huge_item() -> None:
    text = join_limited(["x" * 5000, "y"], 1024)
    assert len(text) <= 1024 and text.endswith("...and 1 more")
    assert len(join_limited(["x" * 5000], 1024)) == 1024


def test_paginate_by_count_and_budget() -> None:
    assert [len(p) for p in paginate([str(n) for n in range(7)], 3, 4000)] == [3, 3, 1]
    pages = paginate(["x" * 1500] * 5, 10, 3500)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert all(len("\n".join(p)) <= 3500 for p in pages)
    assert paginate([], 3, 100) == []


def test_number_ranges_and_plural() -> None:
    assert number_ranges([1, 2, 3, 4, 5, 6, 7]) == "1-7"
    assert number_ranges([7, 1, 2, 3, 5, 8]) == "1-3, 5, 7-8"
    assert number_ranges([]) == ""
    assert plural(1, "track") == "1 track" and plural(7, "track") == "7 tracks"


def test_footer_is_cut_to_fit() -> None:
    many = {f"s{n}": Source(f"s{n}", f"source number {n}", "outlet") for n in range(500)}
    footer = footer_sources(many, many)
    assert len(footer) <= Limits.FOOTER and footer.endswith("...")
    assert footer_sources([], {}) == "Sources: none on record"


def test_build_embed_respects_every_limit_whatever_the_data() -> None:
    fields = [Field("n" * 300, "v" * 2000) for _ in range(40)]
    embed = build_embed(title="t" * 300, description="d" * 5000, fields=fields,
                        footer="f" * 3000)
    assert len(embed.title or "") <= Limits.TITLE
    assert len(embed.description or "") <= Limits.DESCRIPTION
    assert len(embed.fields) <= Limits.FIELDS
    assert all(len(f.name or "") <= Limits.FIELD_NAME for f in embed.fields)
    assert all(len(f.value or "") <= Limits.FIELD_VALUE for f in embed.fields)
    assert len(embed.footer.text or "") <= Limits.FOOTER
    assert len(embed) <= Limits.EMBED_TOTAL
    assert "more" in (embed.fields[-1].value or "")


def test_build_embed_fills_empty_field_values() -> None:
    embed = build_embed(title="x", fields=[Field("Empty", "")])
    assert embed.fields[0].value


# --- buttons ----------------------------------------------------------------------------


async def test_pager_custom_ids_are_unique_and_short() -> None:
    buttons = track_pager("soundtrack1", 0, 3)
    ids = [b.custom_id for b in buttons if isinstance(b, TrackPageButton)]
    assert len(ids) == 3 == len(set(ids))
    assert all(len(i) <= Limits.CUSTOM_ID for i in ids)
    assert track_pager("soundtrack1", 0, 1) == []


async def test_lookup_buttons_skip_ids_that_cannot_be_custom_ids() -> None:
    choices = [("ok-id", "OK"), ("x" * 120, "Too long"), ("Bad Id", "Bad"), ("ok-id", "Dup")]
    view = make_view(drama_buttons(choices))
    assert view is not None
    assert [b.custom_id for b in view.children if isinstance(b, DramaButton)] == \
        ["lookup:drama:ok-id"]
    labels = [b.item.label for b in drama_buttons([("a", "L" * 200)])]
    assert labels and len(labels[0] or "") <= Limits.LABEL


async def test_make_view_keeps_to_five_rows_of_five() -> None:
    rows = [drama_buttons([(f"d{r}-{n}", "x") for n in range(7)]) for r in range(7)]
    view = make_view(*rows)
    assert view is not None and view.timeout is None
    # Stopped: discord.py neither stores it at each send nor times it out; presses reach
    # the buttons through their registered templates (the command tests press them).
    assert view.is_finished()
    assert len(view.children) == 25
    assert make_view([], []) is None


async def test_ambiguous_name_offers_each_choice() -> None:
    matches = tuple(Match("drama", f"little-women-{n}", f"Little Women ({n})",
                          "Little Women", 100.0) for n in (2009, 2022))
    reply = unresolved_reply("little women", Resolution(ambiguous=matches), DRAMA,
                             drama_button, [])
    assert reply.ephemeral and reply.view is not None
    assert "matches several dramas" in (reply.content or "")
    assert [getattr(c, "custom_id", None) for c in reply.view.children] == \
        ["lookup:drama:little-women-2009", "lookup:drama:little-women-2022"]


async def test_nothing_close_names_what_the_bot_knows() -> None:
    reply = unresolved_reply("@everyone", Resolution(), PERSON, drama_button,
                             ["Han So-hee", "Doyoung"])
    text = reply.content or ""
    assert "Han So-hee" in text and "@\u200beveryone" in text and reply.view is None


async def test_nothing_close_counts_from_the_total() -> None:
    names = [f"Drama {n}" for n in range(KNOWN_SHOWN)]
    reply = unresolved_reply("zzz", Resolution(), DRAMA, drama_button, names, total=20)
    assert f"Some dramas I know: {', '.join(names)} and {20 - KNOWN_SHOWN} more." in \
        (reply.content or "")
    exact = unresolved_reply("zzz", Resolution(), DRAMA, drama_button, names)
    assert "more" not in (exact.content or "")


@pytest.mark.parametrize("label", ["Overview", "x" * 100])
async def test_button_labels_fit(label: str) -> None:
    button = DramaButton("soundtrack1", label=label)
    assert isinstance(button.item, discord.ui.Button)
    assert len(button.item.label or "") <= Limits.LABEL


class Result:
    """A stand-in for a fact-store result (the cache holds its results weakly)."""


def test_embed_cache_renders_once_per_result_object() -> None:
    cache = EmbedCache(size=2)
    renders: list[str] = []

    def render(name: str) -> discord.Embed:
        renders.append(name)
        return discord.Embed(title=name)

    first, same_value = Result(), Result()
    embed = cache.get("k", first, lambda: render("a"))
    assert cache.get("k", first, lambda: render("again")) is embed
    assert renders == ["a"]
    # Another result (a reopened store, a result read again) is rendered afresh.
    assert cache.get("k", same_value, lambda: render("b")).title == "b"
    cache.get("x", first, lambda: render("x"))
    cache.get("y", first, lambda: render("y"))  # size 2: "k", least recently used, goes
    cache.get("k", same_value, lambda: render("k again"))
    assert renders == ["a", "b", "x", "y", "k again"]


def test_embed_cache_entries_go_with_their_result() -> None:
    cache = EmbedCache()
    kept, dropped = Result(), Result()
    cache.get("kept", kept, lambda: discord.Embed(title="kept"))
    cache.get("dropped", dropped, lambda: discord.Embed(title="dropped"))
    del dropped  # the store let it go: its entry goes too
    assert len(cache) == 1 and cache.peek("kept", kept) is not None
    newer = Result()
    cache.get("kept", newer, lambda: discord.Embed(title="newer"))
    del kept  # the older result going does not drop what was derived from the newer
    assert cache.peek("kept", newer) is not None
