"""A local stand-in for Wikidata's action API and MusicBrainz's ws/2, serving the
hand-made fixtures in tests/fixtures/handmade/ to the importer's real aiohttp client.

It answers the way the services do where it matters: missing entities reported as
`missing`, more than 50 ids refused, an unknown release group a 404; `fail` queues answers
(429 with Retry-After, 503, ...) to send before the real one. Every request is logged."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures" / "handmade"


@dataclass
class Logged:
    at: float
    path: str
    params: dict[str, str]
    user_agent: str
    status: int


@dataclass
class FixtureServer:
    root: Path = FIXTURES
    log: list[Logged] = field(default_factory=list)
    fail: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    base: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/w/api.php", self._wikidata)
        app.router.add_get("/ws/2/release-group", self._groups)
        app.router.add_get("/ws/2/release", self._releases)
        self._runner = web.AppRunner(app, access_log=None)  # keep stderr for the CLI
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self.base

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def calls(self, path: str) -> list[Logged]:
        return [entry for entry in self.log if entry.path == path]

    def _answer(self, request: web.Request, status: int, body: Any,
                headers: dict[str, str] | None = None) -> web.Response:
        queued = self.fail.get(request.path)
        if queued:
            status, headers = queued.pop(0)
            body = {"error": "queued failure"}
        self.log.append(Logged(time.monotonic(), request.path, dict(request.query),
                               request.headers.get("User-Agent", ""), status))
        return web.json_response(body, status=status, headers=headers)

    async def _wikidata(self, request: web.Request) -> web.Response:
        action = request.query.get("action")
        if action == "wbgetentities":
            ids = request.query.get("ids", "").split("|")
            if len(ids) > 50:
                return self._answer(request, 200, {"error": {
                    "code": "toomanyvalues",
                    "info": 'Too many values supplied for parameter "ids". The limit is 50.'}})
            entities = {}
            for qid in ids:
                path = self.root / "wikidata" / f"{qid}.json"
                entities[qid] = json.loads(path.read_text())["entities"][qid] \
                    if path.is_file() else {"id": qid, "missing": ""}
            return self._answer(request, 200, {"entities": entities, "success": 1})
        if action == "wbsearchentities":
            found = self._file("wikidata", f"search-{_slug(request.query.get('search', ''))}")
            return self._answer(request, 200, found or {
                "searchinfo": {"search": request.query.get("search")}, "search": [],
                "success": 1})
        return self._answer(request, 400, {"error": {"code": "badvalue"}})

    async def _groups(self, request: web.Request) -> web.Response:
        phrase = re.search(r'"(.*?)"', request.query.get("query", ""))
        found = self._file("musicbrainz", f"search-{_slug(phrase.group(1) if phrase else '')}")
        return self._answer(request, 200, found or {"count": 0, "offset": 0,
                                                     "release-groups": []})

    async def _releases(self, request: web.Request) -> web.Response:
        found = self._file("musicbrainz", f"release-group-{request.query.get('release-group')}")
        if found is None:
            return self._answer(request, 404, {"error": "Not Found",
                                               "help": "For usage, please see: "
                                                       "https://musicbrainz.org/development/mmd"})
        return self._answer(request, 200, found)

    def _file(self, service: str, name: str) -> Any:
        path = self.root / service / f"{name}.json"
        return json.loads(path.read_text()) if path.is_file() else None


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))
