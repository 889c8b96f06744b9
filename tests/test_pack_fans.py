"""Issue 11's pack-format pieces: sources described the way readers know them (outlet,
author, headline, date, address), credits whose role is not on record, OST artists
announced without a track number, and relations between dramas; with readable errors for
each new field, and the bundled packs carrying every credit their sources give."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.offline import OfflineDiscord
from bot.packs.loader import check_packs, format_errors, load_pack, load_packs
from bot.packs.model import CastEntry, PackSet, Source
from bot.store.facts import FactStore
from tests.support import PACKS_DIR

PACK = """\
format = 1

[sources.kpopmap-0308]
kind = "article"
outlet = "Kpopmap"
author = "Ishani Sarkar"
title = "Top 3 Reasons"
published = 2022-03-08
url = "https://www.kpopmap.com/top-3-reasons/"
file = "001_d94ec0469b78c366.txt"

[sources.press]
kind = "other"
name = "press coverage (outlet not recorded)"

[sources.wikidata]
kind = "database"
outlet = "Wikidata"
title = "Soundtrack #1 (Q1)"
published = "2024-01-02"
licence = "CC0 1.0"

[drama]
slug = "soundtrack1"
title = { value = "Soundtrack #1", sources = ["kpopmap-0308"] }
runtime_minutes = { value = 181, sources = ["press"] }
followed_by = [{ value = "Soundtrack #2", sources = ["press"] }]
sequel_of = [{ value = "Soundtrack #0", sources = ["press"] }]

[[cast]]
person = "han-so-hee"
sources = ["kpopmap-0308", "press"]

[[credits]]
person = "han-so-hee"
sources = ["press"]

[[ost_unnumbered]]
artists = [{ person = "lee-hi", sources = ["press"] }]
notes = [{ value = "Named among the OST singers", sources = ["press"] }]

[people.han-so-hee]
name = "Han So-hee"
sources = ["press"]

[people.lee-hi]
name = "Lee Hi"
sources = ["press"]
"""


def write_pack(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / "soundtrack1.toml").write_text(text, encoding="utf-8")
    return folder


def errors_of(tmp_path: Path, old: str, new: str) -> dict[str, str]:
    assert PACK.count(old) == 1, old
    errors = check_packs(write_pack(tmp_path, PACK.replace(old, new)))
    return {e.key_path: e.message for e in errors}


def test_the_new_fields_load(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path, PACK) / "soundtrack1.toml")
    source = pack.sources["kpopmap-0308"]
    assert (source.outlet, source.author, source.published, source.url) == (
        "Kpopmap", "Ishani Sarkar", dt.date(2022, 3, 8), "https://www.kpopmap.com/top-3-reasons/")
    assert source.label == source.display_name == "Kpopmap"
    assert source.citation == "Ishani Sarkar, “Top 3 Reasons”, Kpopmap, 8 March 2022"
    assert pack.sources["wikidata"].published == dt.date(2024, 1, 2)  # ISO text accepted
    assert pack.sources["wikidata"].licence == "CC0 1.0"
    cast, credit = pack.cast[0], pack.credits[0]
    assert (cast.person, cast.character, cast.billing) == ("han-so-hee", None, None)
    assert (credit.person, credit.job) == ("han-so-hee", None)
    drama = pack.drama
    assert drama.runtime_minutes is not None and drama.runtime_minutes.value == 181
    assert [f.value for f in drama.followed_by] == ["Soundtrack #2"]
    assert [f.value for f in drama.sequel_of] == ["Soundtrack #0"]
    (announced,) = drama.ost_unnumbered
    assert [a.person for a in announced.artists] == ["lee-hi"]
    assert announced.title is None and announced.notes[0].sources == ("press",)


def test_a_label_is_never_a_file_name_or_an_id() -> None:
    bare = Source("s1", None, "article", file="000_x.txt", title="Headline")
    assert bare.label == "Headline"
    dated = Source("s2", "article on Doyoung", "article", file="000_x.txt",
                   published=dt.date(2022, 2, 17))
    assert dated.label == "article on Doyoung, 17 February 2022"
    assert Source("s3", None, "other").label == "source not described"


@pytest.mark.parametrize(
    ("old", "new", "key_path", "fragment"),
    [
        ('url = "https://www.kpopmap.com/top-3-reasons/"', 'url = "ftp://kpopmap.com/a"',
         "sources.kpopmap-0308.url", "must be a web address starting with http:// or https://"),
        ('url = "https://www.kpopmap.com/top-3-reasons/"', 'url = "www.kpopmap.com"',
         "sources.kpopmap-0308.url", "not the text 'www.kpopmap.com'"),
        ('url = "https://www.kpopmap.com/top-3-reasons/"', 'url = "https://a b.com"',
         "sources.kpopmap-0308.url", "must be a web address"),
        ("published = 2022-03-08", 'published = "March 8, 2022"',
         "sources.kpopmap-0308.published", "must be a date like 2022-03-08 (year-month-day)"),
        ("published = 2022-03-08", 'published = "2022-02-30"',
         "sources.kpopmap-0308.published", "must be a date like 2022-03-08"),
        ("published = 2022-03-08", "published = 2022-03-08T10:00:00",
         "sources.kpopmap-0308.published", "a date with a time of day"),
        ('outlet = "Kpopmap"\nauthor = "Ishani Sarkar"\ntitle = "Top 3 Reasons"\n',
         'author = "Ishani Sarkar"\n', "sources.kpopmap-0308",
         "says neither 'outlet', 'title' nor 'name'"),
        ('outlet = "Kpopmap"\n', 'name = "001_d94ec0469b78c366"\n',
         "sources.kpopmap-0308.name", "is the file name; cite the article by what it says"),
        ('outlet = "Kpopmap"\n', 'outlte = "Kpopmap"\n',
         "sources.kpopmap-0308.outlte", "did you mean 'outlet'"),
        ('author = "Ishani Sarkar"', "author = 3", "sources.kpopmap-0308.author",
         "must be text in quotes, not the number 3"),
        ('followed_by = [{ value = "Soundtrack #2", sources = ["press"] }]',
         'followed_by = [{ value = 2, sources = ["press"] }]', "drama.followed_by[0].value",
         "must be text in quotes"),
        ('sequel_of = [{ value = "Soundtrack #0", sources = ["press"] }]',
         'sequel_of = "Soundtrack #0"', "drama.sequel_of", "must be a list of facts"),
        ('artists = [{ person = "lee-hi", sources = ["press"] }]',
         'artists = [{ person = "lee-hii", sources = ["press"] }]',
         "ost_unnumbered[0].artists[0].person",
         "unknown person 'lee-hii' (did you mean 'lee-hi'?)"),
        ('artists = [{ person = "lee-hi", sources = ["press"] }]\n', "",
         "ost_unnumbered[0].artists", "the required key 'artists' is missing"),
        ('notes = [{ value = "Named among', 'number = 8\nnotes = [{ value = "Named among',
         "ost_unnumbered[0].number", "unknown key 'number'"),
        ('person = "han-so-hee"\nsources = ["kpopmap-0308", "press"]',
         'person = "han-so-hee"\ncharacter = { value = "Lee Eun-soo" }\n'
         'sources = ["kpopmap-0308", "press"]', "cast[0].character.sources",
         "the required key 'sources' is missing"),
    ],
    ids=["url-scheme", "url-no-scheme", "url-space", "date-words", "date-impossible",
         "date-time", "undescribed", "file-name-as-name", "typo", "author-type",
         "relation-type", "relation-shape", "announced-unknown-person", "announced-no-artist",
         "announced-number", "cast-role-without-sources"],
)
def test_bad_new_fields_are_reported_readably(
    tmp_path: Path, old: str, new: str, key_path: str, fragment: str
) -> None:
    errors = errors_of(tmp_path, old, new)
    assert key_path in errors, errors
    assert fragment in errors[key_path], errors[key_path]


# -- the bundled packs ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> PackSet:
    return load_packs(PACKS_DIR)


def cast_of(bundled: PackSet, slug: str) -> dict[str, CastEntry]:
    pack = next(p for p in bundled.packs if p.drama.slug == slug)
    return {c.person: c for c in pack.cast}


@pytest.mark.parametrize(("slug", "person"), [
    ("the-world-of-the-married", "han-so-hee"), ("nevertheless", "han-so-hee"),
    ("my-name", "han-so-hee"), ("to-x-who-doesnt-love-me", "doyoung"),
    ("to-x-who-doesnt-love-me", "han-ji-hyo"), ("cafe-midnight", "doyoung"),
    ("happiness", "park-hyung-sik"),
])
def test_bundled_credits_whose_role_is_not_on_record(bundled: PackSet, slug: str,
                                                     person: str) -> None:
    entry = cast_of(bundled, slug)[person]
    assert entry.character is None and entry.billing is None
    assert entry.sources


def test_bundled_announced_and_unnumbered_ost(bundled: PackSet) -> None:
    dramas = {p.drama.slug: p.drama for p in bundled.packs}
    announced = {a.person: a.sources for u in dramas["soundtrack1"].ost_unnumbered
                 for a in u.artists}
    assert announced == {"lee-hi": ("korea-herald", "seed-001"), "monday-kiz": ("korea-herald",)}
    assert [a.person for u in dramas["yumis-cells"].ost_unnumbered for a in u.artists] == [
        "doyoung"]
    (night_air,) = dramas["cafe-midnight"].ost_unnumbered
    assert night_air.title is not None and night_air.title.value == "Night Air"
    assert [f.value for f in dramas["soundtrack1"].followed_by] == ["Soundtrack #2"]
    assert [f.value for f in dramas["soundtrack2"].sequel_of] == ["Soundtrack #1"]
    runtime = dramas["soundtrack1"].runtime_minutes
    assert runtime is not None and runtime.value == 181 and runtime.single_source


def test_no_bundled_source_is_cited_by_a_file_name_or_as_research_notes(bundled: PackSet) -> None:
    labels = {s.label for s in bundled.sources.values()}
    assert not [label for label in labels if ".txt" in label or label.startswith("seed ")]
    assert "press coverage (outlet not recorded)" in labels
    assert not [label for label in labels if "research" in label.casefold()]
    outlets = {"TenAsia", "xportsnews", "wowtv", "Korea Herald", "Pinkvilla", "NME", "kbizoom",
               "OSEN", "allkpop", "Soompi", "WowKeren", "mhns", "envimedia", "Daum News",
               "AsianWiki", "JayneStars", "EpicDope", "OtakuKart", "iMBC"}
    assert outlets <= {s.outlet for s in bundled.sources.values()}


async def test_the_store_hands_the_new_fields_to_display_code(bundled_store: FactStore) -> None:
    han = await bundled_store.person("han-so-hee")
    assert han is not None
    unrecorded = {r.drama.slug for r in han.roles if r.entry.character is None}
    assert unrecorded == {"the-world-of-the-married", "nevertheless", "my-name"}
    yumi = await bundled_store.drama("yumis-cells")
    assert yumi is not None
    assert [a.person for u in yumi.drama.ost_unnumbered for a in u.artists] == ["doyoung"]
    assert yumi.sources["seed-000"].label == \
        "article on NCT's Doyoung and his OST for Soundtrack #1"
    kpopmap = (await bundled_store.sources(["seed-001"]))["seed-001"]
    assert kpopmap.label == "Kpopmap" and kpopmap.url is None  # no address on record


def test_check_passes_on_every_bundled_pack() -> None:
    assert check_packs(PACKS_DIR) == [], format_errors(check_packs(PACKS_DIR))


async def test_the_bot_shows_credits_without_a_role(dramabot: OfflineDiscord) -> None:
    """Display of the new fields is a later step; here: nothing crashes, nothing is
    invented (no character, no billing), and the credit is there with its source."""
    person = await dramabot.invoke("/person name:han sohee", user="fan1")
    text = json.dumps(person.embed, ensure_ascii=False)
    assert "Nevertheless" in text and "role not on record" in text
    married = await dramabot.invoke("/drama name:the world of the married", user="fan1")
    cast = await married.click("Cast", user="fan1")
    assert "**Han So-hee** (한소희) (role not on record)" in cast.embed["description"]
    assert "supporting" not in cast.embed["description"]
    for name in ("yumis cells", "cafe midnight", "to x who doesnt love me", "soundtrack 2"):
        reply = await dramabot.invoke(f"/drama name:{name}", user="fan1")
        assert not reply.ephemeral, name


async def test_a_pack_with_every_new_field_builds_and_reads_back(tmp_path: Path) -> None:
    from bot.store.build import build_fact_store

    folder = write_pack(tmp_path, PACK)
    build_fact_store(folder, tmp_path / "facts.sqlite3")
    store = await FactStore.open(tmp_path / "facts.sqlite3")
    try:
        info = await store.drama("soundtrack1")
        assert info is not None
        assert [c.credit.job for c in info.crew] == [None]  # not on record, not ""
        assert [m.entry.character for m in info.cast] == [None]
        assert [a.person for u in info.drama.ost_unnumbered for a in u.artists] == ["lee-hi"]
        assert info.sources["kpopmap-0308"].citation.startswith("Ishani Sarkar")
    finally:
        await store.close()
