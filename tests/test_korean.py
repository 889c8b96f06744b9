"""한국어: the bot in Korean, driven through the offline Discord the way Discord does it
(INTERACTION_CREATE with `locale` and `guild_locale` in, callbacks out), and the
catalogue checks: every user-facing string translated, no placeholder dropped."""

from __future__ import annotations

import re
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import REPO_ROOT
from bot.i18n import LOCALE_DIR, languages
from bot.offline import OfflineDiscord
from tests.test_quiz_commands import Quiz, is_final, is_question, is_revealed, run_bot, until

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "counted": (2, 3),
            "locale_str": None, "described": None}
NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord's command and option names (letters: \w)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _extracted() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "cogs"):
        for _, _, message, _, _ in extract_from_dir(REPO_ROOT / folder, keywords=KEYWORDS):
            found.update([message] if isinstance(message, str) else message)
    return found


@pytest.mark.parametrize("language", [lang for lang in languages() if lang != "en"])
def test_every_string_is_translated_with_its_placeholders(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "dramabot.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    translated: dict[str, list[str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            translated[msgid] = [s for s in strings if s]
    missing = sorted(m for m in _extracted() if not translated.get(m))
    assert not missing, f"{language}: no translation for {missing}"
    for msgid, strings in translated.items():
        for text in strings:
            assert _placeholders(text) == _placeholders(msgid), (msgid, text)


def _nodes(command: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [command]
    for option in command.get("options") or []:
        nodes += _nodes(option)
    return nodes


async def test_synced_commands_carry_valid_korean_localisations(dramabot: OfflineDiscord
                                                                ) -> None:
    """Every command and option has a Korean description, and a Korean name that is valid
    under Discord's rules (the offline Discord vetted the sync against the spec)."""
    commands = dramabot.commands(scope="global")
    assert commands
    for command in commands:
        for node in _nodes(command):
            names = node.get("name_localizations") or {}
            descriptions = node.get("description_localizations") or {}
            korean = names.get("ko", node["name"])  # "ost" is "ost" in Korean too
            assert NAME.fullmatch(korean) and korean == korean.lower(), korean
            assert descriptions.get("ko"), node["name"]
            for choice in node.get("choices") or []:
                assert 1 <= len((choice.get("name_localizations") or {}).get(
                    "ko", choice["name"])) <= 100
    quiz = next(c for c in commands if c["name"] == "quiz")
    assert quiz["name_localizations"]["ko"] == "퀴즈"
    drama = next(c for c in commands if c["name"] == "drama")
    assert drama["name_localizations"]["ko"] == "드라마"
    assert drama["options"][0]["name_localizations"]["ko"] == "이름"


@pytest.fixture
def korean_server(dramabot: OfflineDiscord) -> OfflineDiscord:
    """Drama Club as a Korean community server: fan1's client is Korean, fan2's English."""
    dramabot.guild().locale = "ko"
    dramabot.user("fan1").locale = "ko"
    return dramabot


async def test_korean_reader_gets_drama_in_korean(korean_server: OfflineDiscord) -> None:
    reply = await korean_server.invoke("/drama soundtrack1", user="fan1")
    assert reply.embed["title"] == "사운드트랙 #1 (Soundtrack #1)"
    fields = {f["name"]: f["value"] for f in reply.embed["fields"]}
    assert "한국어 제목" in fields and "플랫폼" in fields
    assert "2022년 3월 23일" in fields["방영"]
    assert [b.label for b in reply.buttons][:2] == ["개요", "출연진"]
    cast = await reply.click("출연진")
    assert "**한소희** (Han So-hee)" in cast.embed["description"]


async def test_korean_reader_gets_person_and_ost_in_korean(korean_server: OfflineDiscord
                                                           ) -> None:
    person = await korean_server.invoke("/person name:han sohee", user="fan1")
    assert person.embed["title"].startswith("한소희 (Han So-hee)")
    track = await korean_server.invoke("/ost track 7", user="fan1")
    assert track.embed["description"] == "**OST 7번 트랙**"
    assert {f["name"] for f in track.embed["fields"]} >= {"제목", "아티스트", "발매일"}
    listing = await korean_server.invoke("/ost list", user="fan1")
    assert listing.embed["description"].startswith("**OST** (")
    assert "곡 기록됨" in listing.embed["description"]


async def test_errors_follow_each_readers_own_language(korean_server: OfflineDiscord
                                                       ) -> None:
    korean = await korean_server.invoke("/drama name:nosuchdramaatall", user="fan1")
    assert korean.ephemeral
    assert "드라마는 모르겠어요" in korean.content
    english = await korean_server.invoke("/drama name:nosuchdramaatall", user="fan2")
    assert english.ephemeral
    assert english.content.startswith("I don't know a drama called")
    out_of_range = await korean_server.invoke("/ost track 999", user="fan1")
    assert "999번 트랙은 없어요" in out_of_range.content


async def test_english_server_speaks_english_to_a_korean_reader_in_public(
        dramabot: OfflineDiscord) -> None:
    dramabot.user("fan1").locale = "ko"
    reply = await dramabot.invoke("/drama soundtrack1", user="fan1")
    assert reply.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"


@pytest.fixture
async def quizbot(offline_discord: OfflineDiscord, tmp_path: Path,
                  built_fact_store: Path) -> AsyncIterator[Quiz]:
    import shutil

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(built_fact_store, data_dir / "facts.sqlite3")
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        yield Quiz(offline_discord, bot, clock)


async def test_server_set_to_korean_plays_its_quiz_in_korean(quizbot: Quiz) -> None:
    discord = quizbot.discord
    discord.user("fan1").locale = "ko"
    chosen = await discord.invoke("/settings language language:ko", user="admin")
    assert chosen.content.startswith("이제 이 서버의 공개 메시지는 **한국어**")
    start = await quizbot.start("/quiz start questions:1 seconds:10")
    assert "퀴즈를 시작했어요" in start.content
    question = await quizbot.question()
    assert "1문제 중 1번" in question.embed["description"]
    korean = await quizbot.press(question, quizbot.right(question), "fan1", at=1.0)
    assert "정답 공개를 기다려 주세요" in korean
    english = await quizbot.press(question, quizbot.wrong(question), "fan2", at=2.0)
    assert english.endswith("Wait for the reveal!")
    quizbot.advance(question, 10.01)
    await until(lambda: "정답: **" in question.latest().embed.get("description", ""))
    final = await quizbot.next_message("quiz", lambda r: bool(r.embeds) and r.embed.get(
        "title", "").startswith("퀴즈 종료"))
    assert "문제는 이것 하나였어요." in final.embed["description"]
    assert not is_final(final) and not is_revealed(final) and not is_question(final)
