"""`/innersource`: check the user, dispatch through the subcommand table, reply within Slack's deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services.identity import SlackProfile
from bot.slack.blocks import refusal_message, working_message
from handlers.background import guarded
from handlers.deps import HandlerDeps
from handlers.subcommands import Asker, dispatch

log = logging.getLogger("handlers.commands")

COMMAND = "/innersource"
Message = dict[str, Any]


def register(app: App, deps: HandlerDeps) -> None:
    @app.command(COMMAND)
    def innersource(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        started = time.perf_counter()
        user_id = str(command.get("user_id", ""))
        outcome = {"subcommand": "-", "outcome": "error", "delivery": "-"}

        def work() -> Message:
            reason, profile = deps.user_gate.check(user_id)
            if reason is not None:
                outcome["outcome"] = f"refused_{reason}"
                return refusal_message(reason)
            asker = Asker(profile or SlackProfile(user_id), respond)
            outcome["subcommand"], message = dispatch(deps, asker, str(command.get("text", "")))
            outcome["outcome"] = "ok"
            return message

        try:
            outcome["delivery"] = reply_in_time(
                work, ack, respond, deps.executor, deps.answer_deadline, user_id
            )
        finally:
            log.info(
                "event=command user=%s subcommand=%s outcome=%s delivery=%s duration_ms=%.1f",
                user_id,
                outcome["subcommand"],
                outcome["outcome"],
                outcome["delivery"],
                (time.perf_counter() - started) * 1000,
            )


def reply_in_time(
    work: Callable[[], Message], ack: Ack, respond: Respond, executor: Executor, deadline: float, user_id: str
) -> str:
    """Answer in the acknowledgement when `work` is done within `deadline` seconds; otherwise acknowledge
    with an interim note at once and answer through response_url when the work is done.

    Returns "ack" or "response_url". An exception from `work` within the deadline propagates to the
    @app.error handler, which answers in the acknowledgement. Past the deadline the listener returns at
    once (its thread is not held while the work goes on), and the follow-up, error or not, is sent by
    the worker that finishes the work.
    """
    future = executor.submit(work)
    try:
        message = future.result(timeout=deadline)
    except FutureTimeout:
        ack(working_message())

        def follow_up(done: Future[Message]) -> None:
            def send() -> None:
                respond(done.result())

            guarded(COMMAND, user_id, send, respond)

        future.add_done_callback(follow_up)
        return "response_url"
    ack(message)
    return "ack"
