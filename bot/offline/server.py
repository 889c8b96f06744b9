"""The offline Discord's aiohttp app: REST under /api/v10 and the gateway at /gateway.

It answers what discord.py 2.7.1 calls (start-up, command sync, interaction callbacks,
follow-ups, message edits, channel messages) and enforces Discord's rules on every body:
a body real Discord would refuse gets Discord's own error (400 50035 Invalid Form Body,
404 10062 Unknown interaction, 400 40060 already acknowledged, 401 50027 expired token)
and the broken rule is recorded as a `Violation`, so the test fails on it.

Tests can make a route answer 429 Too Many Requests (`rate_limit`), as Discord does: its
JSON body (`message`, `retry_after`, `global`) and headers (`Retry-After`,
`X-RateLimit-*`, and the `Via` header discord.py expects of Discord's own 429s).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from bot.offline import rules
from bot.offline.gateway import Gateway, ShardLimits
from bot.offline.rules import Violation
from bot.offline.spec import OpenAPISpec
from bot.offline.state import (
    EPHEMERAL,
    LOADING,
    CommandRegistry,
    InteractionRecord,
    MessageMeta,
    MessageStore,
    Notifier,
)
from bot.offline.world import (
    EMBED_LINKS,
    MANAGE_MESSAGES,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Guild,
    User,
    World,
)

log = logging.getLogger(__name__)

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
DEADLINE_SECONDS = 3.0
TOKEN_LIFETIME_SECONDS = 15 * 60
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# Initial response types Discord accepts, by interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    2: frozenset({4, 5, 9}),
    3: frozenset({4, 5, 6, 7, 9}),
    4: frozenset({8}),
    5: frozenset({4, 5, 6, 7}),
}
MESSAGE_RESPONSES = frozenset({4, 5, 6, 7})
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15


@dataclass
class RateLimit:
    """An injected 429: the next `times` requests to `method` `route` (a route template
    as Discord documents it, e.g. "/channels/{channel_id}/messages") are refused with
    `retry_after`. `scope` is "user" (the bot's own bucket), "shared" or "global" (every
    route at once, for `times` requests)."""

    method: str
    route: str
    times: int
    retry_after: float
    scope: str = "user"
    served: int = 0

    def matches(self, method: str, route: str) -> bool:
        if self.served >= self.times:
            return False
        return self.scope == "global" or (method == self.method and route == self.route)


class DiscordError(Exception):
    """Raised inside a handler; becomes Discord's error response."""

    def __init__(self, status: int, body: JSON) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body

    @classmethod
    def of(cls, status: int, code: int, message: str) -> DiscordError:
        return cls(status, {"code": code, "message": message})


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with `Content-Type: application/json` exactly: discord.py compares the header
    literally, and aiohttp's json_response would add "; charset=utf-8"."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def _peer(request: web.Request) -> tuple[str, int]:
    """The client end of the request's connection."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return (str(peer[0]), int(peer[1])) if peer else ("", 0)


def _too_many_requests(limit: RateLimit) -> web.Response:
    """Discord's 429: the body and headers of its rate-limit documentation."""
    is_global = limit.scope == "global"
    body: JSON = {"message": "You are being rate limited.", "retry_after": limit.retry_after,
                  "global": is_global}
    headers = {"Content-Type": "application/json", "Via": "1.1 google",
               "Retry-After": str(math.ceil(limit.retry_after)),
               "X-RateLimit-Scope": limit.scope}
    if is_global:
        body["code"] = 0
        headers["X-RateLimit-Global"] = "true"
    else:
        headers.update({
            "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + limit.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{limit.retry_after:.3f}",
            "X-RateLimit-Bucket": f"offline-{abs(hash(limit.route)) % 10**12:012d}"})
    return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)


def _snowflake(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise DiscordError(400, {"code": 50035, "message": "Invalid Form Body",
                                 "errors": {"id": {"_errors": [
                                     {"code": "NUMBER_TYPE_COERCE",
                                      "message": f"Value {raw!r} is not snowflake."}]}}}
                           ) from None


class OfflineServer:
    """REST + gateway over one `World`. The harness drives it; the bot talks to it."""

    def __init__(self, world: World, *, token: str, spec: OpenAPISpec | None,
                 deadline: float = DEADLINE_SECONDS, shards: ShardLimits | None = None
                 ) -> None:
        self.world = world
        self.token = token
        self.spec = spec
        self.deadline = deadline
        self.notifier = Notifier()
        self.messages = MessageStore(world.ids)
        self.commands = CommandRegistry(world.ids, world.bot.id)
        self.interactions: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.violations: list[Violation] = []
        self.rate_limits: list[RateLimit] = []
        self.clock_offset = 0.0
        self.port = 0
        self.gateway = Gateway(world, lambda: self.token, lambda: self.gateway_url,
                               self.notifier.notify, shards)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle -------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    def clock(self) -> float:
        """Seconds, monotonic; `clock_offset` lets tests jump ahead (token expiry)."""
        return time.monotonic() + self.clock_offset

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors, self._rate_limited],
                              client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        for method, path, handler in self._routes():
            app.router.add_route(method, API_PREFIX + path, handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unsupported)
        return app

    def _routes(self) -> list[tuple[str, str, Handler]]:
        app = "/applications/{application_id}"
        guild_cmds = app + "/guilds/{guild_id}/commands"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        msgs = "/channels/{channel_id}/messages"
        return [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/applications/@me", self._application),
            ("GET", "/gateway", self._gateway_info),
            ("GET", "/gateway/bot", self._gateway_bot),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/users/{user_id}", self._user),
            ("GET", app + "/commands", self._list_commands),
            ("PUT", app + "/commands", self._put_commands),
            ("POST", app + "/commands", self._post_command),
            ("GET", app + "/commands/{command_id}", self._get_command),
            ("PATCH", app + "/commands/{command_id}", self._patch_command),
            ("DELETE", app + "/commands/{command_id}", self._delete_command),
            ("GET", guild_cmds, self._list_commands),
            ("PUT", guild_cmds, self._put_commands),
            ("POST", guild_cmds, self._post_command),
            ("GET", guild_cmds + "/{command_id}", self._get_command),
            ("PATCH", guild_cmds + "/{command_id}", self._patch_command),
            ("DELETE", guild_cmds + "/{command_id}", self._delete_command),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback",
             self._callback),
            ("POST", hook, self._followup),
            ("GET", hook + "/messages/{message_id}", self._get_webhook_message),
            ("PATCH", hook + "/messages/{message_id}", self._edit_webhook_message),
            ("DELETE", hook + "/messages/{message_id}", self._delete_webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", msgs, self._list_messages),
            ("POST", msgs, self._post_message),
            ("GET", msgs + "/{message_id}", self._get_message),
            ("PATCH", msgs + "/{message_id}", self._patch_message),
            ("DELETE", msgs + "/{message_id}", self._delete_message),
            ("PUT", msgs + "/{message_id}/reactions/{emoji}/@me", self._no_content),
            ("DELETE", msgs + "/{message_id}/reactions/{emoji}/@me", self._no_content),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
        ]

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except DiscordError as error:
            return json_response(error.body, error.status)

    # ---- rate limits -----------------------------------------------------------------

    def rate_limit(self, method: str, route: str, *, times: int = 1, retry_after: float = 1.0,
                   scope: str = "user") -> RateLimit:
        """Answer the next `times` matching requests with 429 (see `RateLimit`)."""
        if scope not in ("user", "shared", "global"):
            raise ValueError(f"scope must be user, shared or global, not {scope!r}")
        limit = RateLimit(method.upper(), route, times, retry_after, scope)
        self.rate_limits.append(limit)
        return limit

    @web.middleware
    async def _rate_limited(self, request: web.Request, handler: Handler
                            ) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical[len(API_PREFIX):] if resource else request.path
        limit = next((r for r in self.rate_limits if r.matches(request.method, route)), None)
        if limit is None:
            return await handler(request)
        limit.served += 1
        self.notifier.notify()
        return _too_many_requests(limit)

    # ---- violations ------------------------------------------------------------------

    def record(self, violation: Violation, context: str,
               interaction: InteractionRecord | None = None) -> Violation:
        """Keep a violation (with where it happened) for the test to fail on."""
        full = Violation(violation.rule, violation.path, violation.detail, context)
        self.violations.append(full)
        if interaction is not None:
            interaction.rejections.append(full)
        log.warning("Discord rule broken: %s", full)
        self.notifier.notify()
        return full

    def _reject(self, violation: Violation, context: str, record: InteractionRecord | None,
                status: int, code: int, message: str) -> DiscordError:
        self.record(violation, context, record)
        return DiscordError.of(status, code, message)

    def _vet(self, request: web.Request, body: Any, hand: list[Violation], context: str,
             record: InteractionRecord | None = None, *, data_key: str | None = None) -> None:
        """Hand rules + the OpenAPI schema of this route; any failure is a 400 50035."""
        strip = (data_key,) if data_key else ()
        resource = request.match_info.route.resource
        template = resource.canonical[len(API_PREFIX):] if resource else request.path
        found = rules.merge(hand, rules.schema_violations(
            self.spec, request.method, template, body, strip=strip))
        if not found:
            return
        for violation in found:
            self.record(violation, context, record)
        raise DiscordError(400, rules.invalid_form_body(found, strip))

    def _authorize(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError.of(401, 0, "401: Unauthorized")

    async def _unsupported(self, request: web.Request) -> web.StreamResponse:
        violation = Violation("offline.unsupported", "", f"{request.method} {request.path} is "
                              "not implemented by the offline Discord (extend bot/offline)")
        self.record(violation, "REST")
        return json_response({"code": 0, "message": "404: Not Found"}, 404)

    async def _no_content(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        return web.Response(status=204)

    # ---- request bodies --------------------------------------------------------------

    async def _body(self, request: web.Request) -> tuple[Any, list[JSON]]:
        """The JSON body, or payload_json + file descriptions from a multipart upload."""
        if request.content_type != "multipart/form-data":
            text = await request.text()
            return (json.loads(text) if text else {}), []
        payload: Any = {}
        files: list[JSON] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename:
                data = await part.read()
                files.append({"id": str(self.world.ids.next()), "filename": part.filename,
                              "size": len(data),
                              "content_type": part.headers.get("Content-Type")})
        return payload, files

    def _attachments(self, message: JSON, files: list[JSON]) -> None:
        for file in files:
            url = f"http://127.0.0.1:{self.port}/attachments/{file['id']}/{file['filename']}"
            message["attachments"].append({**file, "url": url, "proxy_url": url})

    # ---- start-up --------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        return json_response({**self.world.bot.payload(), "verified": True,
                              "mfa_enabled": False, "flags": 0, "locale": "en-US"})

    async def _application(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        bot = self.world.bot
        owner = self.world.users.get("owner") or bot
        return json_response({
            "id": str(bot.id), "name": bot.name, "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False, "owner": owner.payload(),
            "verify_key": "0" * 64, "flags": 0, "team": None, "summary": "",
            "rpc_origins": [], "tags": [], "redirect_uris": [],
            "interactions_endpoint_url": None, "approximate_guild_count":
            len(self.world.guilds), "bot": bot.payload()})

    async def _gateway_info(self, request: web.Request) -> web.StreamResponse:
        return json_response({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.StreamResponse:
        """Where to connect, how many shards Discord recommends, and the identify
        concurrency (`max_concurrency`: buckets of shard_id % max_concurrency)."""
        self._authorize(request)
        gateway = self.gateway
        return json_response({"url": self.gateway_url, "shards": gateway.recommended_shards(),
                              "session_start_limit": gateway.session_start_limit()})

    async def _user(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        user = self.world.user_by_id(_snowflake(request.match_info["user_id"]))
        if user is None:
            raise DiscordError.of(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def _open_dm(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        body, _ = await self._body(request)
        self._vet(request, body, [], "open DM")
        user = self.world.user_by_id(_snowflake(str(body.get("recipient_id"))))
        if user is None:
            raise DiscordError.of(404, 10013, "Unknown User")
        return json_response(self.world.dm_channel(user).payload())

    # ---- commands --------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        self._authorize(request)
        if _snowflake(request.match_info["application_id"]) != self.world.bot.id:
            raise DiscordError.of(403, 50001, "Missing Access")
        raw = request.match_info.get("guild_id")
        if raw is None:
            return None
        guild_id = _snowflake(raw)
        if self.world.guild_by_id(guild_id) is None:
            raise DiscordError.of(403, 50001, "Missing Access")
        return guild_id

    async def _list_commands(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.commands.in_scope(self._command_scope(request)))

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        body, _ = await self._body(request)
        self._vet(request, body, rules.check_commands(body),
                  f"command sync ({self._scope_name(scope)})")
        synced = self.commands.put(scope, body or [], request.headers.get("User-Agent", ""))
        self.notifier.notify()
        return json_response(synced)

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        body, _ = await self._body(request)
        self._vet(request, body, rules.check_command(body) if isinstance(body, dict) else [],
                  f"command create ({self._scope_name(scope)})")
        command = self.commands.upsert(scope, body)
        self.notifier.notify()
        return json_response(command, 201)

    async def _get_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        command = self.commands.get(scope, _snowflake(request.match_info["command_id"]))
        if command is None:
            raise DiscordError.of(404, 10063, "Unknown application command")
        return json_response(command)

    async def _patch_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        body, _ = await self._body(request)
        self._vet(request, body, rules.check_command(body) if isinstance(body, dict) else [],
                  f"command edit ({self._scope_name(scope)})")
        command = self.commands.edit(scope, _snowflake(request.match_info["command_id"]), body)
        if command is None:
            raise DiscordError.of(404, 10063, "Unknown application command")
        self.notifier.notify()
        return json_response(command)

    async def _delete_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._command_scope(request)
        if not self.commands.delete(scope, _snowflake(request.match_info["command_id"])):
            raise DiscordError.of(404, 10063, "Unknown application command")
        self.notifier.notify()
        return web.Response(status=204)

    def _scope_name(self, guild_id: int | None) -> str:
        guild = self.world.guild_by_id(guild_id) if guild_id else None
        return f"guild {guild.name!r}" if guild else "global"

    # ---- interactions ----------------------------------------------------------------

    async def create_interaction(self, *, kind: int, user: User, channel: Channel,
                                 guild: Guild | None, data: JSON, label: str,
                                 message: JSON | None = None) -> InteractionRecord:
        """Send INTERACTION_CREATE exactly as Discord builds it, and track the answer."""
        if not self.gateway.sessions:
            raise RuntimeError("the bot is not connected to the gateway yet: await "
                               "wait_until_ready() (or running()) first")
        interaction_id = self.world.ids.next()
        token = "offline." + secrets.token_urlsafe(48)
        payload = self._interaction_payload(interaction_id, token, kind, user, channel, guild)
        payload["data"] = data
        if message is not None:
            payload["message"] = message
        record = InteractionRecord(
            interaction_id, token, kind, payload, label, user, channel, guild, self.clock(),
            source_message_id=int(message["id"]) if message is not None else None)
        self.interactions[interaction_id] = record
        self._by_token[token] = record
        record.shard = await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    def _interaction_payload(self, interaction_id: int, token: str, kind: int, user: User,
                             channel: Channel, guild: Guild | None) -> JSON:
        bot = self.world.bot
        payload: JSON = {
            "id": str(interaction_id), "application_id": str(bot.id), "type": kind,
            "token": token, "version": 1, "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "locale": user.locale, "entitlements": [], "entitlement_sku_ids": [],
            "channel_id": str(channel.id),
        }
        if guild is None:
            payload.update(user=user.payload(), context=1, channel=channel.payload(),
                           app_permissions=str(VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS),
                           authorizing_integration_owners={"0": "0"})
            return payload
        member = guild.members[user.id]
        permissions = guild.permissions_in(member, channel)
        bot_permissions = guild.permissions_in(guild.members[bot.id], channel)
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            guild_locale=guild.locale,
            member=member.payload(permissions),
            channel={**channel.payload(), "permissions": str(permissions)},
            app_permissions=str(bot_permissions),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
        return payload

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        record = self.interactions.get(_snowflake(request.match_info["interaction_id"]))
        body, files = await self._body(request)
        if record is None or record.token != request.match_info["interaction_token"]:
            raise self._reject(Violation("interaction.unknown", "", "callback for an "
                                         "interaction the fake never sent"), "callback",
                               None, 404, 10062, "Unknown interaction")
        record.bodies.append(("callback", body))
        record.peers.append(_peer(request))
        context = f"initial response to {record.label}"
        callback_type = body.get("type") if isinstance(body, dict) else None
        self._check_first_response(record, callback_type, context)
        data = body.get("data") or {}
        if not isinstance(data, dict):
            data = {}
        self._vet(request, body, self._callback_rules(callback_type, data), context, record,
                  data_key="data")
        response = await self._accept(record, int(callback_type or 0), data, files)
        self.notifier.notify()
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return json_response(response)

    def _check_first_response(self, record: InteractionRecord, callback_type: Any,
                              context: str) -> None:
        if record.acknowledged:
            raise self._reject(Violation(
                "interaction.acknowledged", "", f"second initial response (type "
                f"{callback_type}) after type {record.response_type} (code 40060: use a "
                "follow-up or edit the original)"), context, record, 400, 40060,
                "Interaction has already been acknowledged.")
        elapsed = self.clock() - record.created
        if elapsed > self.deadline:
            raise self._reject(Violation(
                "interaction.deadline", "", f"first response after {elapsed:.2f} s, limit "
                f"{self.deadline:g} s (code 10062: defer first when work may take longer)"),
                context, record, 404, 10062, "Unknown interaction")
        allowed = ALLOWED_CALLBACKS.get(record.type, frozenset())
        if record.source_message_id is None:
            allowed -= {6, 7}  # a modal submitted from a command has no message to update
        if callback_type not in allowed:
            violation = Violation("interaction.callback_type", "type", f"callback type "
                                  f"{callback_type} cannot answer an interaction of type "
                                  f"{record.type} (allowed: {sorted(allowed)})")
            self.record(violation, context, record)
            raise DiscordError(400, rules.invalid_form_body([violation]))
        if callback_type == 7 and self.messages.get(record.source_message_id or 0) is None:
            raise self._reject(Violation("message.unknown", "", "update of a message that "
                                         "was deleted"), context, record, 404, 10008,
                               "Unknown Message")

    @staticmethod
    def _callback_rules(callback_type: Any, data: JSON) -> list[Violation]:
        if callback_type == 4:
            return rules.check_message(data, creating=True)
        if callback_type == 7:
            return rules.check_message(data, creating=False)
        if callback_type == 8:
            return rules.check_autocomplete(data)
        if callback_type == 9:
            return rules.check_modal(data)
        return []

    async def _accept(self, record: InteractionRecord, callback_type: int, data: JSON,
                      files: list[JSON]) -> JSON:
        """Apply an accepted initial response. The acknowledgement and the message are
        recorded before the first await, so a concurrent second response is 40060 and a
        waiter never sees an acknowledgement without its message."""
        record.response_type = callback_type
        message: JSON | None = None
        if callback_type == 4:
            message = await self._interaction_message(record, data, files)
        elif callback_type == 5:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            message = await self._interaction_message(record, {"flags": flags}, [],
                                                      loading=True)
        elif callback_type == 6:
            record.response_message_id = record.source_message_id
            record.ack_version = self.messages.version(record.source_message_id or 0)
        elif callback_type == 7:
            message = await self._edit(record.source_message_id or 0, data, files, record)
            record.response_message_id = record.source_message_id
        elif callback_type == 8:
            record.choices = list(data.get("choices") or [])
        elif callback_type == 9:
            record.modal = data
        return self._callback_response(record, callback_type, message)

    def _callback_response(self, record: InteractionRecord, callback_type: int,
                           message: JSON | None) -> JSON:
        interaction: JSON = {"id": str(record.id), "type": record.type,
                             "response_message_loading": callback_type == 5,
                             "response_message_ephemeral": False}
        if record.response_message_id is not None:
            interaction["response_message_id"] = str(record.response_message_id)
            meta = self.messages.meta(record.response_message_id)
            interaction["response_message_ephemeral"] = bool(meta and meta.ephemeral)
        resource: JSON = {"type": callback_type}
        if message is not None:
            resource["message"] = copy.deepcopy(message)
        return {"interaction": interaction, "resource": resource}

    async def _interaction_message(self, record: InteractionRecord, body: JSON,
                                   files: list[JSON], *, loading: bool = False,
                                   followup: bool = False) -> JSON:
        """A message sent through the interaction's webhook (original or follow-up)."""
        ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
        found = None if loading else rules.pings(body)
        meta = MessageMeta(record.channel.id, ephemeral=ephemeral, interaction_id=record.id,
                           visible_to=record.user.id if ephemeral else None, pings=found)
        message_type = 20 if record.type == 2 and not followup else 0
        message = self.messages.create(
            record.channel, self.world.bot, body, guild=record.guild,
            message_type=message_type, meta=meta, extra=self._webhook_extra(record, followup))
        self._attachments(message, files)
        if loading:
            message["flags"] = int(message["flags"]) | LOADING
            record.loading = True
        if not followup:
            record.response_message_id = int(message["id"])
        record.message_ids.append(int(message["id"]))
        if found is not None:
            self._apply_pings(message, found, f"message for {record.label}", record)
        if not ephemeral:
            await self._announce("MESSAGE_CREATE", message, record.guild)
        return message

    def _webhook_extra(self, record: InteractionRecord, followup: bool) -> JSON:
        app_id = str(self.world.bot.id)
        metadata: JSON = {
            "id": str(record.id), "type": record.type, "user": record.user.payload(),
            "authorizing_integration_owners":
                record.payload.get("authorizing_integration_owners", {}),
        }
        if record.type == 2:
            metadata["name"] = record.payload["data"].get("name")
            metadata["command_type"] = 1
        if followup and record.response_message_id is not None:
            metadata["original_response_message_id"] = str(record.response_message_id)
        if record.source_message_id is not None:
            metadata["interacted_message_id"] = str(record.source_message_id)
        return {"webhook_id": app_id, "application_id": app_id, "interaction_metadata": metadata}

    def _apply_pings(self, message: JSON, found: rules.Pings, context: str,
                     record: InteractionRecord | None = None) -> None:
        """Fill the mention fields as Discord would, and flag pings (project rule)."""
        self._fill_mentions(message, found)
        for violation in rules.check_pings(found):
            self.record(violation, context, record)

    async def _edit(self, message_id: int, body: JSON, files: list[JSON],
                    record: InteractionRecord | None) -> JSON:
        """Edit a message; filling a deferred ("thinking") original counts as sending it."""
        meta = self.messages.meta(message_id)
        message = self.messages.edit(message_id, body, keep_flags=EPHEMERAL)
        self._attachments(message, files)
        if record is not None and record.loading and message_id == record.response_message_id:
            self.messages.clear_flag(message_id, LOADING)
            record.loading = False
            found = rules.pings(body)
            if meta is not None:
                meta.pings = found
            self._apply_pings(message, found, f"message for {record.label}", record)
        if meta is not None and not meta.ephemeral:
            await self._announce("MESSAGE_UPDATE", message, self._guild_of(meta.channel_id))
        return message

    def _guild_of(self, channel_id: int) -> Guild | None:
        channel = self.world.channel_by_id(channel_id)
        return self.world.guild_by_id(channel.guild_id) if channel and channel.guild_id else None

    # ---- interaction webhooks (follow-ups, @original) --------------------------------

    def _webhook_record(self, request: web.Request, action: str) -> InteractionRecord:
        """The interaction behind a webhook URL, enforcing ack-first and token lifetime."""
        token = request.match_info["webhook_token"]
        record = self._by_token.get(token)
        if _snowflake(request.match_info["webhook_id"]) != self.world.bot.id or record is None:
            raise self._reject(Violation("webhook.unknown", "", f"{action} with a webhook id "
                                         "or token the fake never issued"), action, None,
                               404, 10015, "Unknown Webhook")
        context = f"{action} for {record.label}"
        if self.clock() - record.created > TOKEN_LIFETIME_SECONDS:
            raise self._reject(Violation("interaction.token_expired", "", "interaction tokens "
                                         "are valid for 15 minutes (code 50027)"), context,
                               record, 401, 50027, "Invalid Webhook Token")
        if record.response_type not in MESSAGE_RESPONSES:
            state = ("not acknowledged yet" if record.response_type is None
                     else f"answered with callback type {record.response_type}")
            raise self._reject(Violation("interaction.not_acknowledged", "", f"{action} but "
                                         f"the interaction was {state} (code 10015)"), context,
                               record, 404, 10015, "Unknown Webhook")
        return record

    def _webhook_message_id(self, record: InteractionRecord, raw: str, context: str) -> int:
        if raw == "@original":
            message_id = record.response_message_id
        else:
            message_id = _snowflake(raw)
            meta = self.messages.meta(message_id)
            if meta is None or meta.interaction_id is None:
                message_id = None
        if message_id is None or self.messages.get(message_id) is None:
            raise self._reject(Violation("message.unknown", "", f"message {raw} does not exist "
                                         "or was not sent by this webhook"), context, record,
                               404, 10008, "Unknown Message")
        return message_id

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request, "follow-up")
        body, files = await self._body(request)
        record.bodies.append(("followup", body))
        record.peers.append(_peer(request))
        context = f"follow-up for {record.label}"
        self._vet(request, body, rules.check_message(body, creating=True), context, record)
        if record.loading and record.response_message_id is not None:
            message = await self._edit(record.response_message_id, body, files, record)
        else:
            message = await self._interaction_message(record, body, files, followup=True)
        self.notifier.notify()
        if request.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return json_response(message)

    async def _get_webhook_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request, "fetch message")
        message_id = self._webhook_message_id(record, request.match_info["message_id"],
                                              f"fetch message for {record.label}")
        return json_response(self.messages.get(message_id))

    async def _edit_webhook_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request, "edit")
        context = f"edit for {record.label}"
        message_id = self._webhook_message_id(record, request.match_info["message_id"], context)
        body, files = await self._body(request)
        record.bodies.append(("edit", body))
        record.peers.append(_peer(request))
        self._vet(request, body, rules.check_message(body, creating=False), context, record)
        message = await self._edit(message_id, body, files, record)
        self.notifier.notify()
        return json_response(message)

    async def _delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        record = self._webhook_record(request, "delete")
        message_id = self._webhook_message_id(record, request.match_info["message_id"],
                                              f"delete for {record.label}")
        await self._delete(message_id)
        return web.Response(status=204)

    # ---- channels and plain messages -------------------------------------------------

    def _channel(self, request: web.Request) -> tuple[Channel, Guild | None]:
        channel = self.world.channel_by_id(_snowflake(request.match_info["channel_id"]))
        if channel is None:
            raise DiscordError.of(404, 10003, "Unknown Channel")
        guild = self.world.guild_by_id(channel.guild_id) if channel.guild_id else None
        return channel, guild

    def _bot_permissions(self, channel: Channel, guild: Guild | None) -> int:
        if guild is None:
            return VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
        return guild.permissions_in(guild.members[self.world.bot.id], channel)

    def _message_in(self, request: web.Request, channel: Channel) -> JSON:
        message_id = _snowflake(request.match_info["message_id"])
        message = self.messages.get(message_id)
        meta = self.messages.meta(message_id)
        if message is None or meta is None or meta.channel_id != channel.id or meta.ephemeral:
            raise DiscordError.of(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, _ = self._channel(request)
        return json_response(channel.payload())

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, _ = self._channel(request)
        found = list(reversed(self.messages.in_channel(channel.id)))  # newest first
        if "before" in request.query:
            found = [m for m in found if int(m["id"]) < _snowflake(request.query["before"])]
        if "after" in request.query:
            found = [m for m in found if int(m["id"]) > _snowflake(request.query["after"])]
        limit = int(request.query.get("limit", "50"))
        return json_response(found[: max(1, min(limit, 100))])

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, _ = self._channel(request)
        return json_response(self._message_in(request, channel))

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, guild = self._channel(request)
        body, files = await self._body(request)
        context = f"message in {channel.label}"
        permissions = self._bot_permissions(channel, guild)
        if permissions & (VIEW_CHANNEL | SEND_MESSAGES) != VIEW_CHANNEL | SEND_MESSAGES:
            raise self._reject(Violation("permissions.send", "", f"the bot may not send "
                                         f"messages in {channel.label}"), context,
                               None, 403, 50013, "Missing Permissions")
        self._vet(request, body, rules.check_message(body, creating=True), context)
        if body.get("embeds") and not permissions & EMBED_LINKS:
            self.record(Violation("permissions.embed_links", "embeds", "the bot lacks Embed "
                                  "Links here: Discord drops the embeds"), context)
        found = rules.pings(body)
        message = self.messages.create(
            channel, self.world.bot, body, guild=guild,
            message_type=19 if body.get("message_reference") else 0,
            meta=MessageMeta(channel.id, pings=found))
        self._attachments(message, files)
        self._apply_pings(message, found, context)
        await self._announce("MESSAGE_CREATE", message, guild)
        self.notifier.notify()
        return json_response(message)

    async def _patch_message(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, _ = self._channel(request)
        message = self._message_in(request, channel)
        if int(message["author"]["id"]) != self.world.bot.id:
            raise DiscordError.of(403, 50005, "Cannot edit a message authored by another user")
        body, files = await self._body(request)
        context = f"edit of message {message['id']} in {channel.label}"
        self._vet(request, body, rules.check_message(body, creating=False), context)
        edited = await self._edit(int(message["id"]), body, files, None)
        self.notifier.notify()
        return json_response(edited)

    async def _delete_message(self, request: web.Request) -> web.StreamResponse:
        self._authorize(request)
        channel, guild = self._channel(request)
        message = self._message_in(request, channel)
        own = int(message["author"]["id"]) == self.world.bot.id
        if not own and not self._bot_permissions(channel, guild) & MANAGE_MESSAGES:
            raise DiscordError.of(403, 50013, "Missing Permissions")
        await self._delete(int(message["id"]))
        return web.Response(status=204)

    async def _delete(self, message_id: int) -> None:
        meta = self.messages.meta(message_id)
        self.messages.delete(message_id)
        record = self.interactions.get(meta.interaction_id or 0) if meta else None
        if record is not None and record.loading and record.response_message_id == message_id:
            # The "thinking..." original is gone, and with it the loading state: the next
            # follow-up is a new message with its own flags (ephemeral or not), where
            # while loading the first follow-up fills the original and keeps its flags.
            record.loading = False
        guild = self._guild_of(meta.channel_id) if meta else None
        if meta is not None and not meta.ephemeral and self._wants_messages(guild):
            event: JSON = {"id": str(message_id), "channel_id": str(meta.channel_id)}
            if guild is not None:
                event["guild_id"] = str(guild.id)
            await self.gateway.dispatch("MESSAGE_DELETE", event)
        self.notifier.notify()

    def _wants_messages(self, guild: Guild | None) -> bool:
        intent = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
        return self.gateway.has_intent(intent)

    async def _announce(self, event: str, message: JSON, guild: Guild | None,
                        *, hide_content: bool = False) -> None:
        """MESSAGE_CREATE/UPDATE to the bot, if its intents ask for message events."""
        if not self._wants_messages(guild):
            return
        data = copy.deepcopy(message)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(int(message["author"]["id"]))
            if member is not None:
                data["member"] = member.payload(with_user=False)
        if hide_content:
            data.update(content="", embeds=[], attachments=[], components=[])
        await self.gateway.dispatch(event, data)

    async def user_message(self, user: User, channel: Channel, guild: Guild | None,
                           content: str) -> JSON:
        """A member types a message (e.g. a quiz answer in chat). The bot sees its text
        only with the message-content intent, or when it is mentioned, as on Discord."""
        message = self.messages.create(channel, user, {"content": content}, guild=guild,
                                       meta=MessageMeta(channel.id))
        found = rules.pings({"content": content})
        self._fill_mentions(message, found)
        bot_mentioned = str(self.world.bot.id) in found.users
        hidden = not (self.gateway.has_intent(INTENT_MESSAGE_CONTENT) or bot_mentioned
                      or guild is None)
        await self._announce("MESSAGE_CREATE", message, guild, hide_content=hidden)
        self.notifier.notify()
        return message

    def _fill_mentions(self, message: JSON, found: rules.Pings) -> None:
        message["mention_everyone"] = found.everyone
        message["mention_roles"] = list(found.roles)
        message["mentions"] = [u.payload() for u in
                               (self.world.user_by_id(int(i)) for i in found.users) if u]

    # ---- guilds ------------------------------------------------------------------------

    def _guild(self, request: web.Request) -> Guild:
        self._authorize(request)
        guild = self.world.guild_by_id(_snowflake(request.match_info["guild_id"]))
        if guild is None:
            raise DiscordError.of(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        payload = self._guild(request).payload(include_members=False)
        for key in ("members", "channels", "threads", "voice_states", "presences"):
            payload.pop(key, None)
        return json_response(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.StreamResponse:
        return json_response([c.payload() for c in self._guild(request).channels.values()])

    async def _get_guild_roles(self, request: web.Request) -> web.StreamResponse:
        return json_response([r.payload() for r in self._guild(request).roles.values()])

    async def _get_member(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        member = guild.members.get(_snowflake(request.match_info["user_id"]))
        if member is None:
            raise DiscordError.of(404, 10007, "Unknown Member")
        return json_response(member.payload())

