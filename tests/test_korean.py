"""한국어: the bot in Korean, driven through the offline Discord the way Discord does it
(INTERACTION_CREATE with `locale` and `guild_locale` in, callbacks out), and the
catalogue checks: every user-facing string translated, no placeholder dropped."""

from __future__ import annotations

import random
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
from bot.offline import OfflineDiscord, Reply
from bot.quiz.questions import KOREAN_DATE, generate, load_material, parse_date
from tests.test_quiz_commands import (
    Quiz,
    board_lines,
    field_value,
    is_final,
    is_question,
    is_revealed,
    run_bot,
    until,
)
from tests.test_quiz_fresh import game_over

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
    under Discord's rules (the offline Discord vetted the sync against the spec and
    its rules for commands, `bot.offline.rules.check_commands`)."""
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


async def test_the_packs_trivia_in_korean_where_the_pack_translates_it(
        korean_server: OfflineDiscord) -> None:
    """The packs' own sentences (trivia) in the reader's language: the pack's Korean
    translation, with the same sources; English for an English reader."""
    korean = await (await korean_server.invoke("/drama soundtrack1", user="fan1")
                    ).click("트리비아")
    text = korean.embed["description"]
    assert "OST 뮤직비디오는 티저 대신 스틸 이미지를 사용했다." in text
    assert "The OST music videos used still images" not in text
    assert "Soompi" in text  # its source, as in English
    track = await korean_server.invoke("/ost track 3", user="fan1")
    assert any("Bugs 실시간 차트 1위" in f["value"] for f in track.embed["fields"])
    korean_server.guild().locale = "en-US"
    english = await (await korean_server.invoke("/drama soundtrack1", user="fan2")
                     ).click("Trivia")
    assert "The OST music videos used still images instead of teasers." in \
        english.embed["description"]


async def test_the_packs_text_facts_and_role_names_in_korean(korean_server: OfflineDiscord
                                                             ) -> None:
    """Text facts the pack translates (synopsis, genre, country, occupations) in Korean
    for a Korean reader; role and crew names with their Hangul first where it is on
    record; the same facts in English for an English reader."""
    reply = await korean_server.invoke("/drama soundtrack1", user="fan1")
    assert reply.embed["description"].startswith("음악을 사랑하는 오랜 친구인")
    fields = {f["name"]: f["value"] for f in reply.embed["fields"]}
    assert fields["장르"].startswith("음악 로맨스 드라마")
    assert fields["국가"].startswith("대한민국")
    assert "한선우 (Han Sun-woo) 역" in fields["주요 출연진"]
    assert fields["연출"].startswith("김희원 (Kim Hee-won)")
    footer = reply.embed["footer"]["text"]  # an article known by its subject and date
    assert "2022년 2월 17일" in footer and "17 February 2022" not in footer
    assert "언론 보도(매체 기록 없음)" in footer  # a source the pack describes in Korean
    assert "(한국 시간 오후 4시)" in fields["방영"]  # a note the pack translates
    person = await korean_server.invoke("/person name:doyoung", user="fan1")
    values = {f["name"]: f["value"] for f in person.embed["fields"]}
    assert values["직업"].startswith("가수")
    han = await korean_server.invoke("/person name:han sohee", user="fan1")
    roles = {f["name"]: f["value"] for f in han.embed["fields"]}["배역"]
    assert "**사운드트랙 #1 (Soundtrack #1)** — 이은수 (Lee Eun-soo" in roles
    korean_server.guild().locale = "en-US"
    english = await korean_server.invoke("/drama soundtrack1", user="fan2")
    assert english.embed["description"].startswith("Two longtime friends who love music")
    fields = {f["name"]: f["value"] for f in english.embed["fields"]}
    assert fields["Genre"].startswith("music romance drama")
    assert fields["Director"].startswith("Kim Hee-won")


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
    quizbot.language = "ko"  # the prompts the helper knows, worded as the game words them
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


# -- a whole quiz in a Korean server -------------------------------------------------------

HANGUL = re.compile(r"[\uac00-\ud7a3]")
KOREAN_QUIZ_SECONDS = 20


async def _korean_server(quiz: Quiz, *, settings: bool) -> Quiz:
    """Drama Club speaks Korean (by `/settings language`, or as Discord's `guild_locale`);
    fan1 and admin read Korean, the others English. The helper learns the prompts worded
    as the game words them."""
    discord = quiz.discord
    discord.user("fan1").locale = "ko"
    discord.user("admin").locale = "ko"
    quiz.language = "ko"
    if settings:
        chosen = await discord.invoke("/settings language language:ko", user="admin")
        assert chosen.content.startswith("이제 이 서버의 공개 메시지는 **한국어**")
    else:
        discord.guild().locale = "ko"
    return quiz


async def _reveal(quiz: Quiz, question: Reply) -> Reply:
    """Let a Korean question's time run out; returns the revealed message."""
    quiz.advance(question, max(KOREAN_QUIZ_SECONDS + 0.01, quiz.elapsed[question.message_id]))
    await until(lambda: "정답: **" in question.latest().embed.get("description", ""))
    return question.latest()


async def _korean_final(quiz: Quiz) -> Reply:
    return await quiz.next_message("quiz", lambda r: bool(r.embeds) and r.embed.get(
        "title", "").startswith("퀴즈 종료"))


async def test_a_korean_server_plays_a_whole_button_quiz_in_korean(quizbot: Quiz) -> None:
    """Every settled fact of Soundtrack #1 asked once, worded in Korean (the pack's own
    hand-written questions and trivia in the pack's Korean), dates as Korean write them;
    each reader's private replies in their own language."""
    quiz = await _korean_server(quizbot, settings=False)
    start = await quiz.start(f"/quiz start questions:50 seconds:{KOREAN_QUIZ_SECONDS}")
    assert "퀴즈를 시작했어요" in start.content
    material = await load_material(quiz.bot.facts, "soundtrack1")
    assert material is not None
    english = generate(material, random.Random(0))  # the test's own context: English
    pool = {q.fact for q in english}
    asked: list[Reply] = []
    dates = 0
    for index in range(len(pool)):
        question = await quiz.question()
        asked.append(question)
        learned = quiz.learned[question.embed["title"]]  # the Korean wording of a fact
        assert f"{len(pool)}문제 중 {index + 1}번" in question.embed["description"]
        assert HANGUL.search(learned.prompt) and learned.prompt != learned.english
        assert HANGUL.search(question.embed["title"]), question.embed["title"]
        if learned.kind == "trivia":
            assert "Soundtrack #1" not in learned.prompt and "사운드트랙" not in learned.prompt
        if learned.kind != "handwritten" and parse_date(learned.answer) is not None:
            dates += 1
            labels = [b.label for b in question.buttons]
            assert all(KOREAN_DATE.fullmatch(label) for label in labels), labels
        if index == 0:
            korean = await quiz.press(question, quiz.right(question), "fan1", at=1.0)
            assert korean.startswith("내 답: ") and "정답 공개를 기다려 주세요" in korean
            other = await quiz.press(question, quiz.wrong(question), "fan2", at=2.0)
            assert other.startswith("Your answer: ") and other.endswith("Wait for the reveal!")
        else:
            await quiz.press(question, quiz.right(question), "fan1", at=1.0)
        revealed = await _reveal(quiz, question)
        assert f"정답: **{learned.answer}**" in revealed.embed["description"]
        assert field_value(revealed, "정답").startswith("Fan1 **+")
        if index < len(pool) - 1:
            await quiz.pause()
    final = await _korean_final(quiz)
    assert f"{len(pool)}문제를 모두 냈어요." in final.embed["description"]
    assert board_lines(final)[0].startswith("**1.** Fan1: **")
    assert f"{len(pool)}문제 중 {len(pool)}개 정답" in board_lines(final)[0]
    assert dates >= 2  # the premiere and the track releases at least
    # The same facts as an English game: wording a fact in Korean changes no fact.
    assert {quiz.fact(q) for q in asked} == pool
    assert len(asked) == len(pool)


async def _typed(quiz: Quiz, question: Reply, user: str, text: str, at: float) -> str:
    quiz.advance(question, at)
    form = await quiz.discord.click(question.message_id, "답하기", user=user)
    assert form.kind == "modal", form.text
    reply = await form.submit_modal({"answer": text}, user=user)
    assert reply.ephemeral
    return reply.content


async def test_a_korean_typed_quiz_takes_hangul_and_romanised_names(quizbot: Quiz) -> None:
    """One-question typed games until one asks a person with a Hangul name: the Korean
    reader types the Hangul, the English reader the romanised name, both are right."""
    quiz = await _korean_server(quizbot, settings=True)
    for _ in range(40):
        start = await quiz.start(f"/quiz start questions:1 mode:typed "
                                 f"seconds:{KOREAN_QUIZ_SECONDS}")
        assert "퀴즈를 시작했어요" in start.content and "답하기" in start.content
        question = await quiz.question()
        assert [b.label for b in question.buttons] == ["답하기"]
        learned = quiz.learned[question.embed["title"]]
        hangul = [n for n in learned.right_names if HANGUL.search(n)]
        roman = [n for n in learned.right_names if not HANGUL.search(n)]
        if learned.kind in ("cast-actor", "crew", "track-artist") and hangul and roman:
            break
        await _reveal(quiz, question)
        await _korean_final(quiz)
        await game_over(quiz)
    else:
        pytest.fail("no question about a person with a Hangul name")
    assert HANGUL.search(question.embed["title"])
    assert "**답하기**를 눌러 입력" in question.embed["footer"]["text"]
    korean = await _typed(quiz, question, "fan1", hangul[0], at=1)
    assert korean == f"내 답: **{hangul[0]}**. 정답 공개를 기다려 주세요!"
    english = await _typed(quiz, question, "fan2", roman[0].lower(), at=2)
    assert english == f"Your answer: **{roman[0].lower()}**. Wait for the reveal!"
    wrong = learned.distractors[0]
    await _typed(quiz, question, "admin", wrong, at=3)
    revealed = await _reveal(quiz, question)
    right = field_value(revealed, "정답").splitlines()
    assert [line.split(" ")[0] for line in right] == ["Fan1", "Fan2"]
    assert field_value(revealed, "오답") == f"Admin ({wrong})"
    assert "이것도 정답: " in revealed.embed["description"]
    final = await _korean_final(quiz)
    assert "문제는 이것 하나였어요." in final.embed["description"]
    assert [line.split(":")[0] for line in board_lines(final)[:2]] == ["**1.** Fan1",
                                                                      "**2.** Fan2"]


async def test_quiz_reports_in_korean(quizbot: Quiz) -> None:
    """A report from a Korean game, thanked in each reporter's language, listed, hidden
    and dismissed in the Korean manager's."""
    quiz = await _korean_server(quizbot, settings=True)
    await quiz.start(f"/quiz start questions:1 seconds:{KOREAN_QUIZ_SECONDS}")
    question = await quiz.question()
    await quiz.press(question, quiz.right(question), "fan1", at=1.0)
    revealed = await _reveal(quiz, question)
    await _korean_final(quiz)
    for user, reason, thanks in (
            ("fan1", "정답이 틀렸어요: 소속사 사이트를 보세요", "신고가 기록됐어요"),
            ("fan2", "Too easy", "your report is recorded")):
        form = await revealed.click("신고", user=user)
        assert form.kind == "modal"
        reply = await form.submit_modal({"reason": reason}, user=user)
        assert reply.ephemeral and thanks in reply.content
    listing = await quiz.discord.invoke("/quiz reports", user="admin", channel="quiz")
    assert listing.ephemeral and listing.embed["title"] == "신고된 퀴즈 문제"
    text = listing.embed["description"]
    prompt = question.embed["title"]
    assert f"**#1** “{prompt[:60]}" in text and "소속사 사이트를 보세요" in text
    assert "(정답: " in text and "; 출처: " in text
    assert "팩 작성자는 `dramabot reports export`" in listing.embed["footer"]["text"]
    assert [b.label for b in listing.buttons] == ["#1 숨기기", "#1 기각", "#2 숨기기", "#2 기각"]
    hidden = await listing.click("#1 숨기기", user="admin")
    assert hidden.content.startswith("숨김: “") and "다시 나오지 않아요" in hidden.content
    assert [b.label for b in hidden.buttons] == ["#1 숨기기", "#1 기각"]
    dismissed = await hidden.click("#1 기각", user="admin")
    assert "신고를 기각했어요" in dismissed.content
    assert "처리할 신고가 없어요" in dismissed.text
    english = await quiz.discord.invoke("/quiz reports", user="owner", channel="quiz")
    assert english.embed["title"] == "Reported quiz questions"
    assert "No open reports" in english.embed["description"]


def test_korean_dates_are_written_read_and_typed() -> None:
    """A date label in a Korean game is Korean, parses back to its date (one fact with a
    hand-written English date), and a typed date matches in either language."""
    import datetime as dt

    from bot.i18n import speaking
    from bot.quiz.matching import is_right
    from bot.quiz.questions import near_dates, show

    day = dt.date(2022, 3, 23)
    with speaking("ko"):
        label, wrong = show(day), near_dates(day)
    assert label == "2022년 3월 23일" and show(day) == "23 March 2022"
    assert all(KOREAN_DATE.fullmatch(w) for w in wrong)
    assert parse_date(label) == day == parse_date("March 23, 2022")
    for typed in ("2022년 3월 23일", "2022년3월23일", "23 March 2022", "2022-03-23"):
        assert is_right(typed, [label], wrong), typed
    assert not is_right("2022년 3월 30일", [label], wrong)


async def test_a_packs_korean_question_takes_its_english_answer_typed(quizbot: Quiz
                                                                     ) -> None:
    """A hand-written question asked in the pack's Korean: the Korean reader types the
    Korean answer, the English reader the pack's English one, both are right."""
    quiz = await _korean_server(quizbot, settings=True)
    for _ in range(60):
        await quiz.start(f"/quiz start questions:1 mode:typed seconds:{KOREAN_QUIZ_SECONDS}")
        question = await quiz.question()
        learned = quiz.learned[question.embed["title"]]
        # A date has no English form among its accepted names (typed dates are read as
        # dates: see the test above), so only a name's question will do.
        if (learned.kind == "handwritten" and HANGUL.search(learned.answer)
                and any(not HANGUL.search(n) for n in learned.accepted)):
            break
        await _reveal(quiz, question)
        await _korean_final(quiz)
        await game_over(quiz)
    else:
        pytest.fail("no hand-written question with a Korean answer")
    (english,) = [n for n in learned.accepted if not HANGUL.search(n)]
    await _typed(quiz, question, "fan1", learned.answer, at=1)
    await _typed(quiz, question, "fan2", english.upper(), at=2)
    revealed = await _reveal(quiz, question)
    right = field_value(revealed, "정답")
    assert "Fan1 **+" in right and "Fan2 **+" in right, right
