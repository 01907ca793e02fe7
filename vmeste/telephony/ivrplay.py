"""What a caller hears: the voice menu walked (``contactcenter.ivrwalk``'s rules, played
here), each end of the walk served, and the queue's announcements while they wait.

The menu is ``GET /api/v1/telephony/edge/menu/{line}`` (``ivr.for_media`` with the home
centre and the robot's texts). The rules of the walk (replays, the default, «0», messages'
``next``) live in ``ivrwalk`` only; this module plays the nodes it names and listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from vmeste.contactcenter import ivrwalk
from vmeste.contactcenter.calllog import CALL_ID_LENGTH
from vmeste.telephony import handover, rtp
from vmeste.telephony.edgeclient import VmesteUnavailable

if TYPE_CHECKING:
    from vmeste.telephony.callflow import Caller

ANNOUNCE_SECONDS = 30.0  # music on hold between two announcements of the place in the queue
OFFER_SECONDS = 6.0  # how long the callback offer waits for its key
CALLBACK_DIGIT = "1"
# Ends of the walk that serve the caller in the menu itself (the night message included).
SERVED_ENDS = ("message", "robot")


def unrecorded(menu: dict) -> list[str]:
    """The texts said by synthesis here: prompts without a sound file, the robot's answers."""
    texts = [
        n.get("text", "") if n["kind"] == "robot" else n["prompt"] for n in menu["nodes"].values()
    ]
    return [t for n, t in zip(menu["nodes"].values(), texts, strict=True) if t and not n["audio"]]


class PromptBook:
    """Prompt text → 8 kHz A-law audio, synthesised once per text (in a thread); a menu
    node's sound file (``NAME.al``, made by Vmeste) read once; the music on hold."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cache: dict[str, asyncio.Task] = {}
        self._music = b""
        self._files: dict[str, bytes] = {}  # a sound file's name changes with its content

    async def sound(self, node: dict) -> bytes:
        """A menu node's prompt: its recording or synthesised speech; its text said here
        when the file is missing (Vmeste had no espeak-ng, or it lives on another host)."""
        path = node.get("audio", "")
        if path in self._files:
            return self._files[path]
        if path:
            with contextlib.suppress(OSError):
                self._files[path] = await asyncio.to_thread(Path(path).read_bytes)
                return self._files[path]
        return await self.audio(node.get("prompt", "")) if node.get("prompt") else b""

    def music(self) -> bytes:
        if not self._music:
            self._music = rtp.hold_music()
        return self._music

    async def audio(self, text: str) -> bytes:
        if not text:
            return b""
        # One synthesis per text however many callers ask at once (they share its task).
        if text not in self.cache:
            self.cache[text] = asyncio.ensure_future(asyncio.to_thread(self._read, text))
        try:
            return await asyncio.shield(self.cache[text])
        except Exception:
            self.cache.pop(text, None)  # tried again by the next caller
            raise

    def _read(self, text: str) -> bytes:
        return rtp.synthesise(text, self.directory).read_bytes()


async def sounds(caller: Caller, menu: dict, node_ids: list[str]) -> bytes:
    parts = [await caller.app.prompts.sound(menu["nodes"][n]) for n in node_ids]
    return b"".join(parts)


async def walk(caller: Caller, menu: dict) -> ivrwalk.End:
    """Play and listen until the walk ends (the caller hanging up cancels it)."""
    step = ivrwalk.enter(menu)
    while step.end is None:
        done = caller.stream.play(await sounds(caller, menu, step.play))
        node = menu["nodes"][step.position.node]
        pressed = await key(caller, done, node["timeout_seconds"])
        step = ivrwalk.press(menu, step.position, pressed)
        if step.position is not None:  # the keys so far: a caller who hangs up is counted
            caller.ivr_path = "-".join(step.position.keys)
    caller.ivr_path = step.end.ivr_path
    if step.end.kind in SERVED_ENDS:  # what they came for: a hang-up now is no abandon
        caller.state = "served"
    if step.play:  # a message on the way, the end's own prompt: heard whole
        await caller.stream.play(await sounds(caller, menu, step.play))
    return step.end


async def key(caller: Caller, prompt_done: asyncio.Future, timeout: float) -> str | None:
    """The caller's next key: during the prompt (it stops) or within ``timeout`` after it.
    The wait for a key ends with this call, whatever ends it (the caller hanging up)."""
    stream = caller.stream
    if not stream.digits.empty():
        stream.stop()
        return stream.digits.get_nowait()
    getter = asyncio.ensure_future(stream.digits.get())
    try:
        await asyncio.wait({getter, prompt_done}, return_when=asyncio.FIRST_COMPLETED)
        if not getter.done():
            try:
                return await asyncio.wait_for(getter, timeout)
            except TimeoutError:
                return None
        stream.stop()
        return getter.result()
    finally:
        getter.cancel()  # no-op once it got its key


async def serve(caller: Caller, menu: dict, end: ivrwalk.End) -> None:
    """Where the walk led: a queue (wait, with a callback asked for at once for a callback
    node), an outside number, the robot's answer or a message said, then goodbye."""
    if end.kind in ("queue", "callback"):
        return await caller.queue(end, callback=end.kind == "callback")
    if end.kind == "transfer":
        return await handover.transfer_out(caller, end.number)
    if end.kind == "robot":
        node = menu["nodes"][end.node]
        await caller.stream.play(await caller.app.prompts.audio(node.get("text", "")))
    await caller.say_and_hang_up(_("До свидания."))


def announcement(status: dict) -> str:
    """The place in the queue and the expected wait, as said (numbers read in Russian)."""
    position = status.get("position")
    if not position:
        return _("Пожалуйста, оставайтесь на линии, вам ответит первый освободившийся оператор.")
    minutes = max(1, round((status.get("expected_wait_seconds") or 0) / 60))
    return _(
        "Ваш номер в очереди: %(position)d. Примерное время ожидания, в минутах: %(minutes)d."
    ) % {"position": position, "minutes": minutes}


async def hold(caller: Caller) -> None:
    """While the caller waits: the announcement, music, again every ANNOUNCE_SECONDS; the
    callback offer once Vmeste says the queue's threshold has passed. Quiet while an
    agent's phone rings (the caller keeps hearing the music)."""
    music = caller.app.prompts.music()
    while True:
        if caller.callback_offer.is_set() and caller.state == "queue":
            caller.callback_offer.clear()
            if await _offer_callback(caller):
                return
        if caller.state == "queue":
            status = {}
            with contextlib.suppress(VmesteUnavailable):
                status = await caller.app.vmeste.queue_status(caller.call_id)
            said = await caller.app.prompts.audio(announcement(status))
            if caller.state == "queue":
                await caller.stream.play(said)
            if caller.state == "queue":
                caller.stream.play(music, repeat=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(caller.callback_offer.wait(), ANNOUNCE_SECONDS)


async def _offer_callback(caller: Caller) -> bool:
    """The callback offer: the key → the caller keeps their place and the call ends."""
    while not caller.stream.digits.empty():  # keys pressed while on hold mean nothing
        caller.stream.digits.get_nowait()
    offer = _(
        "Если хотите, чтобы мы вам перезвонили, нажмите %(digit)s. Ваше место в очереди сохранится."
    ) % {"digit": CALLBACK_DIGIT}
    done = caller.stream.play(await caller.app.prompts.audio(offer))
    pressed = await key(caller, done, OFFER_SECONDS)
    if pressed != CALLBACK_DIGIT or caller.state != "queue":
        return False
    await caller.request_callback()
    return True


def in_menu(caller: Caller) -> dict | None:
    """The caller as the heartbeat tells them while in the voice menu, unknown to Vmeste
    until they reach a queue or hang up (None: not in the menu, or a Call-ID too long for
    Vmeste, whose offer would be refused too: listed, it would have the whole heartbeat
    refused)."""
    if caller.offered or caller.state not in ("menu", "served") or not caller.line:
        return None
    if len(caller.call_id) > CALL_ID_LENGTH:
        return None
    seconds = round(time.monotonic() - caller.answered_at, 3)
    told = {**caller.told(), "menu_seconds": seconds, "served": caller.state == "served"}
    return {"call_id": caller.call_id, **told}
