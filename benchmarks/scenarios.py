"""The interactions measured: what a user types or presses, and how to tell that the bot
answered it properly (a fast error message must never pass for a fast answer)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from benchmarks.fake import PLAYERS, BenchDiscord, player
from benchmarks.synth import Manifest
from bot.offline import Reply
from bot.offline.state import InteractionRecord

QUIZ_CHANNELS = ("quiz", "quiz-2")  # alternate, so a new game never waits for the old one
QUIZ_SECONDS = 60  # the longest a question stays open
QUIZ_FRESH_FOR = 45.0  # start a new game before the open question's time runs out
QUIZ_WAIT = 10.0
QUIZ_START_TRIES = 10
QUIZ_RETRY_SECONDS = 0.5
USER = "fan1"
PICK_PAUSE = 0.05  # from seeing the suggestions to picking one: far less than a person takes
FIRST_ASK = "/drama, first ask"
FIRST_PICK = "/drama, first ask, picked from its suggestions"
MISSPELT = "/drama name: (autocomplete), a typo"


class WrongAnswer(AssertionError):
    """The bot answered, but not with what the benchmark asked for."""


@dataclass(frozen=True)
class Answer:
    record: InteractionRecord
    text: str  # what the user sees (the rendered message, or the suggestions)
    private: bool = False  # an ephemeral message: errors, choices, quiz press receipts


@dataclass(frozen=True)
class Scenario:
    """One kind of interaction. `kind` pairs it with the baseline's interaction of the same
    kind (command, autocomplete, button); `expect` must appear in the answer's text."""

    name: str
    kind: str
    discord: BenchDiscord
    act: Callable[[], Awaitable[Answer]]
    expect: str
    invocation: str  # what the user types or presses, for the report
    pid: int = 0  # the bot process that answers it (its CPU per interaction is read)
    # What the user does first, timed as its own row (typing into the option), and how
    # long they then take to go on (looking at the suggestions).
    before: Scenario | None = None
    pause: float = 0.0

    def check(self, answer: Answer) -> None:
        """The expected text, and for commands a public answer: the bot's errors, "which
        one?" choices and did-you-means are private, its real answers are not."""
        wrong = self.kind == "command" and answer.private
        if wrong or self.expect.lower() not in answer.text.lower():
            raise WrongAnswer(f"{self.name}: expected {self.expect!r} in the answer, got:\n"
                              f"{answer.text[:500]}")

    def latency(self, answer: Answer) -> float | None:
        return self.discord.arrivals.latency(answer.record)


@dataclass(frozen=True)
class Targets:
    """What to ask the bot about: names that exist in the data under test."""

    drama_title: str
    drama_slug: str
    person_name: str
    person_query: str
    track_number: int
    autocomplete_text: str
    # (slug, title) of dramas to ask about one after another, each once: the first ask of
    # a drama, before any cache has it (half typed, half picked from the suggestions).
    # Empty where the data has fewer dramas than rounds.
    cold_dramas: tuple[tuple[str, str], ...] = ()
    # (slug, title) of yet other dramas, each typed once with a letter left out, for
    # autocomplete to forgive: where the data has enough dramas for this too.
    misspelt_dramas: tuple[tuple[str, str], ...] = ()

    @classmethod
    def bundled(cls) -> Targets:
        return cls("Soundtrack #1", "soundtrack1", "Han So-hee", "Han So-hee", 7, "sound")

    @classmethod
    def of(cls, manifest: Manifest) -> Targets:
        return cls(manifest.drama_title, manifest.drama_slug, manifest.person_name,
                   manifest.person_query, manifest.track_number, manifest.autocomplete_text)


def _reply(reply: Reply) -> Answer:
    assert reply.interaction is not None
    return Answer(reply.interaction, reply.text, reply.ephemeral)


def command(discord: BenchDiscord, name: str, text: str, expect: str) -> Scenario:
    async def act() -> Answer:
        return _reply(await discord.invoke(text, user=USER))

    return Scenario(name, "command", discord, act, expect, text)


def _suggested(discord: BenchDiscord, choices: Sequence[Mapping[str, object]]) -> Answer:
    """The autocomplete just answered, its suggestions' names as the text the user sees."""
    return Answer(discord.last_interaction(), "\n".join(str(c.get("name")) for c in choices))


def autocomplete(discord: BenchDiscord, name: str, text: str, expect: str) -> Scenario:
    async def act() -> Answer:
        return _suggested(discord, await discord.autocomplete(text, user=USER))

    return Scenario(name, "autocomplete", discord, act, expect, text)


def cold_drama(discord: BenchDiscord, dramas: Sequence[tuple[str, str]]) -> Scenario:
    """/drama on another drama every round (by slug, as the autocomplete fills it in), so
    nothing the bot caches helps: what a fan pays for a drama nobody asked about lately."""
    queue = itertools.cycle(dramas)

    async def act() -> Answer:
        slug, title = next(queue)
        answer = _reply(await discord.invoke(f"/drama name:{slug}", user=USER))
        if title.lower() not in answer.text.lower():
            raise WrongAnswer(f"/drama {slug}: expected {title!r} in the answer, got:\n"
                              f"{answer.text[:500]}")
        return answer

    return Scenario(FIRST_ASK, "command", discord, act, "",
                    "/drama name:<another drama each round>")


def picked_drama(discord: BenchDiscord, dramas: Sequence[tuple[str, str]]) -> Scenario:
    """/drama on another drama every round, as Discord's client sends it: the fan types
    the title, sees the suggestions (timed as a row of its own), and a moment later picks
    the drama, whose slug the command then carries. What a fan pays for a drama nobody
    asked about lately, when it is asked the way nearly every /drama is."""
    queue = itertools.cycle(dramas)
    chosen: list[tuple[str, str]] = []

    async def suggest() -> Answer:
        slug, title = next(queue)
        chosen[:] = [(slug, title)]
        choices = await discord.autocomplete(f'/drama name:"{title}"', user=USER)
        if slug not in [c.get("value") for c in choices]:
            raise WrongAnswer(f"/drama name:{title}: {slug} is not among the suggestions "
                              f"{choices}")
        return _suggested(discord, choices)

    async def pick() -> Answer:
        slug, title = chosen[0]
        answer = _reply(await discord.invoke(f"/drama name:{slug}", user=USER))
        if title.lower() not in answer.text.lower():
            raise WrongAnswer(f"/drama {slug}: expected {title!r} in the answer, got:\n"
                              f"{answer.text[:500]}")
        return answer

    typing = Scenario(f"{FIRST_PICK}: the suggestions", "autocomplete", discord, suggest, "",
                      "/drama name:<its title>")
    return Scenario(FIRST_PICK, "command", discord, pick, "",
                    "/drama name:<another drama each round, picked from its suggestions>",
                    before=typing, pause=PICK_PAUSE)


def misspelt(title: str) -> str:
    """The title with the letter nearest its middle left out: a typo that no prefix,
    word or substring of any name matches, so only the fuzzy tier can suggest it."""
    middle = len(title) // 2
    for at in sorted(range(len(title)), key=lambda i: abs(i - middle)):
        if title[at].isalpha():
            return title[:at] + title[at + 1:]
    return title


def misspelt_autocomplete(discord: BenchDiscord, dramas: Sequence[tuple[str, str]]
                          ) -> Scenario:
    """Autocomplete of another drama's title every round, typed with a typo: each
    keystroke a fan types is a new text (no memo answers it), and after a typo every
    one goes to the fuzzy tier. What the suggestions must show is some names: among
    many similar synthetic titles, the meant one need not be in the first 25."""
    queue = itertools.cycle(dramas)

    async def act() -> Answer:
        _slug, title = next(queue)
        text = misspelt(title)
        choices = await discord.autocomplete(f'/drama name:"{text}"', user=USER)
        if not choices:
            raise WrongAnswer(f"/drama name:{text}: no suggestions for a typo of {title!r}")
        # The next key comes a moment later: the top suggestion's read ahead, which
        # starts once this answer is sent, counts in this row's CPU, not in the latency
        # of whatever is measured next.
        await asyncio.sleep(PICK_PAUSE)
        return _suggested(discord, choices)

    return Scenario(MISSPELT, "autocomplete", discord, act, "",
                    "/drama name:<another title each round, a letter left out>")


def after_a_pause(scenario: Scenario, pause: float) -> Scenario:
    """The same interaction sent after `pause` seconds of quiet: the baseline's partner
    for one of the bot's that comes after a pause, since a process that has sat idle for
    tens of milliseconds answers its next interaction slower (its caches gone cold) than
    one answering interactions back to back."""
    return dataclasses.replace(scenario, name=paused_name(scenario.name), pause=pause)


def paused_name(name: str) -> str:
    return f"{name}, after a pause"


def with_befores(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios and, before each that has one, what the user does first: every row
    the measurements make."""
    return [step for s in scenarios for step in ((s.before, s) if s.before else (s,))]


def bot_scenarios(discord: BenchDiscord, targets: Targets, quiz: QuizPresser
                  ) -> list[Scenario]:
    """The five interactions of the issue plus a quiz press, as a user would type them:
    the drama by its title (resolved by the name index), the OST's drama left out (the
    server's default) or by the slug the autocomplete filled in; and, where the data is
    large enough, /drama on a drama not asked before."""
    t = targets
    half = len(t.cold_dramas) // 2  # each drama asked once, in one of the two ways
    cold = [cold_drama(discord, t.cold_dramas[:half]),
            picked_drama(discord, t.cold_dramas[half:])] if t.cold_dramas else []
    return [
        command(discord, "/drama", f'/drama name:"{t.drama_title}"', t.drama_title),
        *cold,
        command(discord, "/person", f'/person name:"{t.person_query}"', t.person_name),
        # As a fan types it: the number only, the drama the server's default (set with
        # /settings before the run), so the default is resolved every time.
        command(discord, "/ost track", f"/ost track number:{t.track_number}",
                f"track {t.track_number}"),
        command(discord, "/ost track, drama given",
                f"/ost track {t.track_number} drama:{t.drama_slug}", f"track {t.track_number}"),
        command(discord, "/ost list", f"/ost list drama:{t.drama_slug}", t.drama_title),
        autocomplete(discord, "/drama name: (autocomplete)",
                     f"/drama name:{t.autocomplete_text}", t.autocomplete_text),
        *([misspelt_autocomplete(discord, t.misspelt_dramas)] if t.misspelt_dramas else []),
        Scenario("quiz button", "button", discord, quiz.press, "Your answer",
                 "press an answer to a /quiz question"),
    ]


class QuizPresser:
    """Presses a quiz answer as a player who has not answered the open question yet,
    starting a new game (untimed: latencies run from the press) when every player has
    answered or the question is about to close. `press_any` never starts one: under load
    some presses are then told "you already answered", still a full answer."""

    def __init__(self, discord: BenchDiscord, drama_slug: str) -> None:
        self.discord = discord
        self.drama = drama_slug
        self.games = 0
        self.message_id = 0
        self.pressed = PLAYERS
        self.opened = 0.0
        self.failed: AssertionError | TimeoutError | None = None
        self.starts: list[InteractionRecord] = []  # the /quiz start interactions

    def start_seconds(self) -> list[float | None]:
        """How long each /quiz start took to answer (None: no answer seen yet)."""
        return [self.discord.arrivals.latency(r) for r in self.starts]

    async def press(self) -> Answer:
        if self.pressed >= PLAYERS or time.monotonic() - self.opened > QUIZ_FRESH_FOR:
            await self.new_game()
        return await self.press_any()

    async def press_any(self) -> Answer:
        who = player(self.pressed % PLAYERS)
        self.pressed += 1
        return _reply(await self.discord.click(self.message_id, 1, user=who))

    async def new_game(self) -> None:
        """Stop the current game and start one in the other quiz channel; wait for its
        first question. After one failure every later call fails at once with the same
        error: a bot that cannot start a game would otherwise cost 13 s per press."""
        if self.failed is not None:
            raise self.failed
        try:
            await self._start_game()
        except (AssertionError, TimeoutError) as error:
            self.failed = error
            raise

    async def _start_game(self) -> None:
        """A game stopped a moment ago may still be closing (its reveal and scoreboard):
        the bot then says one is running, and the start is tried again, a bounded number
        of times."""
        if self.games:
            await self.discord.invoke("/quiz stop", user=USER, channel=self._channel())
        self.games += 1
        for _ in range(QUIZ_START_TRIES):
            if await self._try_start(self._channel()):
                return
            await asyncio.sleep(QUIZ_RETRY_SECONDS)
        raise WrongAnswer(f"a quiz was still running in #{self._channel()} after "
                          f"{QUIZ_START_TRIES} tries")

    async def _try_start(self, channel: str) -> bool:
        """Start a game and wait for its first question; False if one is still running."""
        waiting = asyncio.ensure_future(self.discord.wait_for_message(
            channel, predicate=lambda r: bool(r.buttons), timeout=QUIZ_WAIT))
        try:
            try:
                start = await self.discord.invoke(
                    f"/quiz start drama:{self.drama} questions:50 seconds:{QUIZ_SECONDS}",
                    user=USER, channel=channel)
            finally:
                self.starts.append(self.discord.last_interaction())
            if "already running" in start.text:
                return False
            if "started a quiz" not in start.text:
                raise WrongAnswer(f"/quiz start did not start a game:\n{start.text[:500]}")
            question = await waiting
        finally:
            waiting.cancel()
            waiting.add_done_callback(_retrieve)
        self.message_id, self.pressed, self.opened = question.message_id, 0, time.monotonic()
        return True

    def _channel(self) -> str:
        return QUIZ_CHANNELS[self.games % len(QUIZ_CHANNELS)]


def _retrieve(task: asyncio.Future[Reply]) -> None:
    """Mark a cancelled wait's outcome as seen. A cancel can lose the race with the wait
    finishing (asyncio.wait_for in 3.11), and its NoResponse must not be logged as an
    unretrieved task error."""
    if not task.cancelled():
        task.exception()


class BaselineScenarios:
    """The baseline bot's command, autocomplete and button (benchmarks/baseline_bot.py)."""

    def __init__(self, discord: BenchDiscord) -> None:
        self.discord = discord
        self.message_id = 0
        self.presses = 0

    def all(self) -> list[Scenario]:
        d = self.discord
        return [
            command(d, "baseline command", "/baseline name:x", "Soundtrack #1"),
            command(d, "baseline command, sized", "/baseline name:sized", "OST track 7"),
            autocomplete(d, "baseline autocomplete", "/baseline name:dra", "Drama 0"),
            Scenario("baseline button", "button", d, self.press, "Pressed",
                     "press the button under /baseline's answer"),
        ]

    async def press(self) -> Answer:
        if not self.message_id:
            self.message_id = (await self.discord.invoke("/baseline name:button", user=USER)
                               ).message_id
        self.presses += 1
        reply = await self.discord.click(self.message_id, "Press",
                                         user=player(self.presses % PLAYERS))
        return _reply(reply)
