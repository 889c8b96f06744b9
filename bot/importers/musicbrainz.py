"""Reading MusicBrainz (ws/2, JSON): soundtrack release groups and their releases.

A K-drama OST's Korean release and its Latin-script titles live in two releases of one
release group: the official release (script Kore/Hang) and a "Pseudo-Release" whose
`text-representation.script` is "Latn". Tracks are matched by position. Only core data is
read (CC0); tags, ratings and annotations are not (they are not CC0).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot.importers.http import ImportFailed, NotFound, PoliteClient

PUBLIC_SITE = "https://musicbrainz.org"  # citation links always point here
MIN_INTERVAL = 1.0  # MusicBrainz allows one request a second
MBID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HANGUL_SCRIPTS = ("Kore", "Hang")


@dataclass(frozen=True)
class Artist:
    id: str
    name: str  # the artist's name in MusicBrainz
    credited_as: str  # the name printed on this release
    kind: str | None  # MusicBrainz's type: "Person", "Group", ...


@dataclass(frozen=True)
class Track:
    number: int  # position on the release, counting on across media
    title: str
    artists: tuple[Artist, ...]


@dataclass(frozen=True)
class Release:
    id: str
    title: str
    status: str | None
    script: str | None
    date: str | None  # "2022-03-23", or only "2022" / "2022-03"
    tracks: tuple[Track, ...]

    @property
    def url(self) -> str:
        return f"{PUBLIC_SITE}/release/{self.id}"

    @property
    def day(self) -> dt.date | None:
        """The release date, only when it is known to the day."""
        try:
            return dt.date.fromisoformat(self.date) if self.date and len(self.date) == 10 \
                else None
        except ValueError:
            return None


@dataclass(frozen=True)
class ReleaseGroup:
    id: str
    title: str
    first_release: str | None
    artist: str


class MusicBrainz:
    def __init__(self, client: PoliteClient, base: str) -> None:
        self.client = client
        self.base = base.rstrip("/") + "/ws/2"

    async def soundtracks(self, title: str) -> list[ReleaseGroup]:
        """Release groups of secondary type Soundtrack matching `title`."""
        data = await self.client.get_json(f"{self.base}/release-group", {
            "query": f'releasegroup:"{_escape(title)}" AND secondarytype:soundtrack',
            "fmt": "json"})
        groups = data.get("release-groups", []) if isinstance(data, dict) else []
        return [_group(g) for g in groups
                if isinstance(g, dict) and "Soundtrack" in (g.get("secondary-types") or [])]

    async def releases(self, group_id: str) -> list[Release]:
        """Every release of a release group, with recordings and artist credits."""
        if not MBID_RE.fullmatch(group_id):
            raise ImportFailed(f"'{group_id}' is not a MusicBrainz id (a UUID)")
        try:
            data = await self.client.get_json(f"{self.base}/release", {
                "release-group": group_id, "inc": "recordings+artist-credits", "fmt": "json"})
        except NotFound:
            raise NotFound(f"MusicBrainz has no release group {group_id}") from None
        releases = [_release(r) for r in data.get("releases", []) if isinstance(r, dict)]
        if not releases:
            raise NotFound(f"MusicBrainz has no releases in release group {group_id}")
        return releases


def _escape(text: str) -> str:
    """Lucene's special characters, escaped for a phrase query."""
    return re.sub(r'([+\-&|!(){}\[\]^"~*?:\\/])', r"\\\1", text)


def _group(data: dict[str, Any]) -> ReleaseGroup:
    return ReleaseGroup(str(data.get("id")), str(data.get("title", "")),
                        data.get("first-release-date") or None, _credit_text(data))


def _credit_text(data: dict[str, Any]) -> str:
    return "".join(f"{c.get('name', '')}{c.get('joinphrase', '')}"
                   for c in data.get("artist-credit", []) if isinstance(c, dict))


def _release(data: dict[str, Any]) -> Release:
    tracks: list[Track] = []
    for medium in sorted(data.get("media", []), key=lambda m: m.get("position", 0)):
        for track in sorted(medium.get("tracks", []), key=lambda t: t.get("position", 0)):
            tracks.append(Track(len(tracks) + 1, str(track.get("title", "")),
                                _artists(track.get("artist-credit", []))))
    text = data.get("text-representation") or {}
    return Release(str(data.get("id")), str(data.get("title", "")), data.get("status"),
                   text.get("script"), data.get("date") or None, tuple(tracks))


def _artists(credits: list[Any]) -> tuple[Artist, ...]:
    found = []
    for credit in credits:
        artist = credit.get("artist") if isinstance(credit, dict) else None
        if isinstance(artist, dict) and artist.get("id") and artist.get("name"):
            found.append(Artist(str(artist["id"]), str(artist["name"]),
                                str(credit.get("name") or artist["name"]), artist.get("type")))
    return tuple(found)


def main_and_latin(releases: list[Release]) -> tuple[Release, Release | None]:
    """The release to take tracks from (official, in Hangul when there is one) and the
    Latin-script pseudo-release for the titles, if any."""
    latin = next((r for r in releases if r.status == "Pseudo-Release" and r.script == "Latn"),
                 None)
    real = [r for r in releases if r.status != "Pseudo-Release"] or releases
    official = [r for r in real if r.status == "Official"] or real
    main = next((r for r in official if r.script in HANGUL_SCRIPTS), official[0])
    return main, latin
