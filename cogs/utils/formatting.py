"""Pure string helpers shared by the info, OST and quiz cogs.

Everything here takes plain data (pack-model facts, store results, strings) and returns
strings, so it can be unit-tested without Discord and reused by any cog. Two rules run
through it: a fact is never shown without saying how sure we are (contested readings and
single sources are marked), and no string we build may break one of Discord's limits.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from babel.numbers import format_decimal
from discord.utils import escape_markdown, escape_mentions

from bot.i18n import DEFAULT, N_, _, current, long_date, ngettext
from bot.packs.model import (
    ArtistCredit,
    Credit,
    Fact,
    FactValue,
    Reading,
    Source,
    Track,
    UnnumberedTrack,
    source_names,
)
from bot.store.models import PersonRef, TrackInfo

COLOUR = 0xE0457B  # one colour for every dramabot embed
UNKNOWN = N_("unknown")  # translated where shown: _(UNKNOWN)
ELLIPSIS = "..."


class Limits:
    """Discord's documented message limits (characters unless stated)."""

    TITLE = 256
    DESCRIPTION = 4096
    FIELDS = 25  # fields per embed
    FIELD_NAME = 256
    FIELD_VALUE = 1024
    FOOTER = 2048
    EMBED_TOTAL = 6000  # all embeds of one message together
    CONTENT = 2000
    ROWS = 5  # action rows per message
    ROW_BUTTONS = 5  # buttons per action row
    LABEL = 80  # button label
    CUSTOM_ID = 100
    CHOICES = 25  # autocomplete choices
    CHOICE = 100  # autocomplete choice name and value


# --- length control ---------------------------------------------------------------------


def truncate(text: str, limit: int, *, suffix: str = ELLIPSIS) -> str:
    """Cut `text` to at most `limit` characters, ending in `suffix` when cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(suffix):
        return text[:limit]
    return text[: limit - len(suffix)].rstrip() + suffix


def more_line(count: int) -> str:
    """The marker for items left out: "...and 3 more"."""
    return ELLIPSIS + _("and {count} more").format(count=number(count))


def join_limited(
    items: Sequence[str], limit: int, *, sep: str = "\n",
    more: Callable[[int], str] = more_line,
) -> str:
    """Join as many items as fit in `limit` characters, then say how many were left out.

    Used for every list the data can make arbitrarily long (cast, tracks, sources), so a
    drama with 300 tracks gives a cut list instead of a rejected message."""
    whole = sep.join(items)
    if len(whole) <= limit:
        return whole
    kept, used = 0, 0  # items kept and their joined length
    for index, item in enumerate(items):
        grown = used + (len(sep) if index else 0) + len(item)
        if grown + len(sep) + len(more(len(items) - index - 1)) > limit:
            break
        kept, used = index + 1, grown
    if kept:
        return sep.join([*items[:kept], more(len(items) - kept)])
    marker = more(len(items) - 1)  # not even one whole item fits: cut the first one
    room = limit - len(sep) - len(marker)
    if room > 2 * len(ELLIPSIS):
        return truncate(items[0], room) + sep + marker
    return truncate(more(len(items)), limit)


def paginate(
    lines: Sequence[str], per_page: int, budget: int, *, sep: str = "\n"
) -> list[list[str]]:
    """Split lines into pages of at most `per_page` lines and `budget` characters (a line
    longer than the budget is cut to fit), so a page always fits one embed description."""
    pages: list[list[str]] = []
    page: list[str] = []
    used = 0
    for raw in lines:
        line = truncate(raw, budget)
        grown = used + (len(sep) if page else 0) + len(line)
        if page and (len(page) >= max(per_page, 1) or grown > budget):
            pages.append(page)
            page, grown = [], len(line)
        page.append(line)
        used = grown
    if page:
        pages.append(page)
    return pages


def plural(count: int, word: str, words: str | None = None) -> str:
    """"1 track", "7 tracks" (English only: user-facing counts use `counted`)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def counted(count: int, singular: str, plural_form: str) -> str:
    """A count in the current language: counted(7, "{count} track", "{count} tracks")."""
    return ngettext(singular, plural_form, count).format(count=number(count))


def number(value: int) -> str:
    """A number as the reader writes it: 1,234 (grouped in every language we speak)."""
    return _grouped(value, _babel_locale())


@functools.lru_cache(maxsize=4096)
def _grouped(value: int, locale: str) -> str:
    """Babel's grouping, remembered: it costs microseconds a call, and replies write the
    same few numbers (counts, episodes, pages) again and again."""
    return format_decimal(value, locale=locale)


def _babel_locale() -> str:
    return "en_US" if current() == DEFAULT else current()


def date_text(value: dt.date) -> str:
    """A date for the reader: 2022-03-23 in English (unambiguous everywhere, as the
    sources write it), 2022년 3월 23일 in Korean."""
    return value.isoformat() if current() == DEFAULT else long_date(value)


def number_ranges(numbers: Iterable[int]) -> str:
    """Compact a set of numbers for people: [1, 2, 3, 5, 7, 8] -> "1-3, 5, 7-8"."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    start = prev = None
    for n in ordered:
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            parts.append(_range(start, prev))
            start = prev = n
    if start is not None:
        parts.append(_range(start, prev))
    return ", ".join(parts)


def _range(start: int, end: int | None) -> str:
    return str(start) if end is None or end == start else f"{start}-{end}"


# --- user text --------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """User input as we match it: one line, outer spaces removed."""
    return _SPACES.sub(" ", text or "").strip()


def echo(text: str, limit: int = 60) -> str:
    """User text made safe to quote back: short, one line, markdown and mentions escaped,
    so that `@everyone` or `**` in a query can neither ping nor restyle the reply."""
    short = truncate(clean_text(text), limit)
    return escape_mentions(escape_markdown(short))


# --- facts ------------------------------------------------------------------------------


def format_value(value: FactValue) -> str:
    """A fact value as shown: dates as 2022-03-23 (unambiguous everywhere)."""
    if isinstance(value, dt.date):
        return date_text(value)
    return str(value)


def cite(ids: Iterable[str], sources: Mapping[str, Source]) -> str:
    """"Kpopmap, NME", dates in the reader's language."""
    return ", ".join(source_names(ids, sources, long_date, current()))


Notes = list[str]
"""Where a reply collects the notes of the facts it shows ("Seo Eun-soo: in some of
Pinkvilla's articles"), to print them once below instead of inside a short field."""


def _qualifiers(reading: Reading, sources: Mapping[str, Source], *, always: bool,
                mark_single: bool = True, notes: Notes | None = None,
                fmt: Callable[[FactValue], str] = format_value) -> str:
    parts: list[str] = []
    if reading.note:
        if notes is None:
            parts.append(shown_note(reading))
        else:
            notes.append(f"{shown_value(reading, fmt)} — {shown_note(reading)}")
    if len(reading.sources) == 1 and (mark_single or always):
        parts.append(_("one source: {source}").format(source=cite(reading.sources, sources)))
    elif always and reading.sources:
        parts.append(cite(reading.sources, sources))
    return f" ({'; '.join(parts)})" if parts else ""


def _translated(translations: tuple[tuple[str, str], ...]) -> str | None:
    """The pack's translation into the reader's language, if it has one."""
    if not translations or current() == DEFAULT:
        return None
    return dict(translations).get(current())


def shown_note(noted: Reading | Credit | ArtistCredit) -> str:
    """A note in the reader's language where the pack translates it, else as written."""
    return _translated(noted.note_translations) or noted.note or ""


def shown_value(reading: Reading, fmt: Callable[[FactValue], str] = format_value) -> str:
    """A reading's value as the reader sees it: the pack's translation into the reader's
    language where it has one (the same fact, on the same sources), else `fmt(value)`."""
    return _translated(reading.translations) or fmt(reading.value)


def render_reading(
    reading: Reading, sources: Mapping[str, Source], *, always_cite: bool = False,
    mark_single: bool = True, fmt: Callable[[FactValue], str] = format_value,
    notes: Notes | None = None,
) -> str:
    """One reading with its qualifiers: "2022-03-23 (4 pm KST; one source: wowtv)"; with
    `notes`, the note goes there instead of inline."""
    return shown_value(reading, fmt) + _qualifiers(reading, sources, always=always_cite,
                                            mark_single=mark_single, notes=notes, fmt=fmt)


def render_fact(
    fact: Fact | None, sources: Mapping[str, Source], *, always_cite: bool = False,
    mark_single: bool = True, fmt: Callable[[FactValue], str] = format_value,
    notes: Notes | None = None,
) -> str:
    """A fact as the bot states it.

    Settled facts read plainly (their sources are in the footer); a single-source fact is
    marked "(one source: X)"; a contested fact shows the accepted reading first, then
    every other reading with its sources: "Lee Eun-soo; also reported as Seo Eun-soo
    (seed 002, NME)". With `always_cite` (the person page) every reading names its
    sources. `mark_single=False` leaves the single-source mark to the caller
    (`line_mark`), so a line of facts that all rest on one source says so once. `notes`
    collects the notes of a contested fact's readings, which explain the dispute, instead
    of printing them inline (a settled fact's note, "4 pm KST", stays with it). A missing
    fact is "unknown"."""
    if fact is None:
        return _(UNKNOWN)
    notes = notes if fact.contested else None
    text = render_reading(fact.primary, sources, always_cite=always_cite,
                          mark_single=mark_single, fmt=fmt, notes=notes)
    return text + also_text(fact, sources, fmt=fmt, notes=notes)


def also_text(
    fact: Fact | None, sources: Mapping[str, Source],
    fmt: Callable[[FactValue], str] = format_value, notes: Notes | None = None,
) -> str:
    """The other readings of a contested fact, each with its sources:
    "; also reported as Seo Eun-soo (seed 002, NME)"; "" for an uncontested fact."""
    if fact is None or not fact.also:
        return ""
    others = ", ".join(f"{shown_value(r, fmt)} ({_also_qualifier(r, sources, notes, fmt)})"
                       for r in fact.also)
    return _("; also reported as {others}").format(others=others)


def _also_qualifier(reading: Reading, sources: Mapping[str, Source], notes: Notes | None,
                    fmt: Callable[[FactValue], str]) -> str:
    cited = cite(reading.sources, sources) or _("no source named")
    if not reading.note:
        return cited
    if notes is not None:
        notes.append(f"{shown_value(reading, fmt)} — {shown_note(reading)}")
        return cited
    return f"{cited}; {shown_note(reading)}"


def render_facts(
    facts: Sequence[Fact], sources: Mapping[str, Source], *, sep: str = ", ",
    always_cite: bool = False, notes: Notes | None = None,
) -> str:
    """A list of facts ("Drama, Romance"), or "unknown" when the list is empty."""
    if not facts:
        return _(UNKNOWN)
    return sep.join(render_fact(f, sources, always_cite=always_cite, notes=notes)
                    for f in facts)


def shared_single_source(facts: Iterable[Fact | None]) -> str | None:
    """The source id behind every given fact's primary reading, when they all rest on the
    same single source (so one "(one source: X)" can cover the whole line); else None."""
    ids = {f.primary.sources[0] if f.single_source else None for f in facts if f is not None}
    if len(ids) == 1:
        return next(iter(ids))
    return None


def line_mark(facts: Iterable[Fact | None], sources: Mapping[str, Source]) -> str:
    """" (one source: wowtv)" when every fact of a line rests on that one source, else ""."""
    shared = shared_single_source(facts)
    if not shared:
        return ""
    return " (" + _("one source: {source}").format(source=cite([shared], sources)) + ")"


def fact_source_ids(fact: Fact | None) -> list[str]:
    """Every source a fact cites, in every reading (for footers)."""
    if fact is None:
        return []
    ids = list(fact.primary.sources)
    for reading in fact.also:
        ids.extend(reading.sources)
    return ids


def credit_fact(name: str, credit: Credit) -> Fact:
    """A crew credit as a fact about who holds it, so that contested credits ("Ahn Sae-bom;
    also reported as Chae Yoon (pinkvilla)") render like any other fact."""
    return Fact(credit_reading(name, credit), credit.also)


def credit_reading(name: str, credit: Credit | ArtistCredit) -> Reading:
    """Who holds a credit, as a reading on the credit's sources, with its note."""
    return Reading(name, credit.sources, credit.note,
                   note_translations=credit.note_translations)


def footer_sources(ids: Iterable[str], sources: Mapping[str, Source]) -> str:
    """The footer line naming every source used, cut to fit the footer with "..."."""
    # Each id once before naming it: a footer's facts cite the same few sources again
    # and again, and naming one is the costly part (same names, same order).
    names = source_names(dict.fromkeys(ids), sources, long_date, current())
    if not names:
        return _("Sources: none on record")
    return truncate(_("Sources: {names}").format(names=", ".join(names)), Limits.FOOTER)


def describe_source(source: Source) -> str:
    """One line of the Sources section: the source as readers know it, linked where it
    has an address, then what it is, headline, author and date (never the seed file's
    name: readers have not seen the files)."""
    label = escape_markdown(source.label_in(long_date, current()))
    parts = [f"**[{label}]({source.url})**" if source.url else f"**{label}**"]
    parts[0] += f" ({source.kind})"
    if source.title and source.title != source.label:
        parts.append(f"“{escape_markdown(source.title)}”")
    if source.author:
        parts.append(_("by {author}").format(author=escape_markdown(source.author)))
    if source.published and source.outlet:  # without an outlet the label has the date
        parts.append(long_date(source.published))
    return " · ".join(parts)


# --- tracks -----------------------------------------------------------------------------


def track_title(track: Track, sources: Mapping[str, Source]) -> str:
    """The track's English title with its Korean title, then any other reading of either:
    "Just A Little Bit More · 아주 조금만 더; also reported as A Little More (WowKeren)".
    A Korean title that already holds the English one ("My Love (마이 러브)") stands
    alone. "unknown" when neither is known."""
    title, korean = track.title, track.korean_title
    if title is None or korean is None:
        return render_fact(title or korean, sources)
    english = str(title.value)
    shown = [] if str(korean.value).startswith(english) else [
        render_reading(title.primary, sources)]
    shown.append(render_reading(korean.primary, sources))
    if current() == "ko":  # Korean readers see the Korean title first
        shown.reverse()
    return " · ".join(shown) + also_text(title, sources) + also_text(korean, sources)


def track_artists(info: TrackInfo, sources: Mapping[str, Source]) -> str:
    """The singers in order, each marked when only one source names them."""
    names: list[str] = []
    for credit, person in zip(info.track.artists, info.artists, strict=False):
        names.append(render_reading(credit_reading(person.name, credit), sources))
    return ", ".join(names) or _(UNKNOWN)


def track_line(
    info: TrackInfo, sources: Mapping[str, Source], *, with_drama: bool = False
) -> str:
    """One line of a track list:
    "**7.** Just A Little Bit More · 아주 조금만 더 — Doyoung — 2022-02-22"."""
    track = info.track
    head = f"{info.drama.title} · " if with_drama else ""
    return (
        f"{head}**{track.number}.** {track_title(track, sources)} — "
        f"{track_artists(info, sources)} — {render_fact(track.release_date, sources)}"
    )


def track_source_ids(info: TrackInfo) -> list[str]:
    """Every source behind a track's facts and artist credits."""
    track = info.track
    ids: list[str] = []
    for fact in (track.title, track.korean_title, track.release_date, *track.notes):
        ids.extend(fact_source_ids(fact))
    for credit in track.artists:
        ids.extend(credit.sources)
    return ids


def unnumbered_line(tracks: Sequence[UnnumberedTrack], names: Mapping[str, PersonRef],
                    sources: Mapping[str, Source]) -> str | None:
    """The OST contributions no source numbers, each with its sources: "Also on the OST,
    with no track number on record: Lee Hi (Korea Herald, Kpopmap), Monday Kiz (one
    source: Korea Herald)"; None when there are none."""
    items: list[str] = []
    for track in tracks:
        singers = ", ".join(render_reading(credit_reading(_name(c.person, names), c),
                                           sources, always_cite=True) for c in track.artists)
        if track.title is not None:
            title = render_fact(track.title, sources, always_cite=True)
            singers = (_("“{title}” by {singers}").format(title=title, singers=singers)
                       if singers else f"“{title}”")
        items.append(singers)
    if not items:
        return None
    return _("Also on the OST, with no track number on record: {items}").format(
        items="; ".join(items))


def _name(person_id: str, names: Mapping[str, PersonRef]) -> str:
    ref = names.get(person_id)
    return ref.name if ref else person_id
