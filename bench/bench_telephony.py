"""The media application spike (issue 14): which media application carries the voice menu.

Criteria: ≥ 200 concurrent menu legs on this 2-core machine, prompt start ≤ 300 ms after
the answer, RFC 4733 key presses heard in 100 % of calls, blind transfer. Measured here:

- ``python``: our asyncio user agent (``vmeste.telephony.callflow``) in its own process,
  Vmeste replaced by a stub (the menu and "ring agent X" answered at once, so the figures
  are the media application's own); the hand-over is the back-to-back re-INVITE.
- ``baresip``: one baresip process (ctrl_tcp, auto-answer, the prompt as its audio source):
  the same callers; key presses counted from its ctrl_tcp events; the hand-over is its
  ``/transfer`` (a REFER).

The callers are ``bench/sipload.py`` (one asyncio process, this one). CPU is the media
process's own (utime + stime from /proc) over the window when every leg is up.
`VMESTE_BENCH_SIP_LEGS` changes the number of concurrent legs (200; 20 with --quick);
`VMESTE_BENCH_SIP_HEADROOM=N` adds a run of the Python option with N legs.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.sipload import Agent, Load, percentile

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
LISTEN_SECONDS = 8.0  # every leg hears the prompt this long before pressing a key
RAMP_SECONDS = 2.0  # the legs start spread over this time (arrivals, not one burst)
PROMPT = (
    "Вы позвонили на горячую линию «Мы вместе». Если вам нужны продукты, нажмите 1. "
    "Если вам нужны лекарства, нажмите 2. Психологическая помощь — нажмите 3."
)


def _log(message: str) -> None:
    print(f"[bench_telephony] {message}", file=sys.stderr, flush=True)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _legs(target, count: int, base: int, cpu_pid: int, headers=None, user="line") -> dict:
    loop = asyncio.get_running_loop()
    load = Load(base)
    await loop.create_datagram_endpoint(lambda: load, local_addr=(HOST, base))
    await load.call(target, listen=0.5, headers=headers, user=user)  # warm-up: prompts made

    async def one(i: int):
        await asyncio.sleep(RAMP_SECONDS * i / count)
        return await load.call(target, listen=LISTEN_SECONDS, headers=headers, user=user)

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    await asyncio.sleep(RAMP_SECONDS + 1.0)
    cpu_before, wall_before = _cpu_seconds(cpu_pid), time.monotonic()
    await asyncio.sleep(LISTEN_SECONDS - 2.0)
    cpu = (_cpu_seconds(cpu_pid) - cpu_before) / (time.monotonic() - wall_before)
    results = await asyncio.gather(*tasks)
    load.transport.close()
    prompt = [r.prompt_ms for r in results if r.prompt_ms is not None]
    handover = [r.handover_ms for r in results if r.handover_ms is not None]
    return {
        "legs": count,
        "answered": sum(r.answered for r in results),
        "prompt_start_ms_p50": percentile(prompt, 0.5),
        "prompt_start_ms_p99": percentile(prompt, 0.99),
        "prompt_start_ms_max": round(max(prompt), 1) if prompt else None,
        "rtp_max_gap_ms_p99": percentile([r.max_gap_ms for r in results], 0.99),
        "handed_over_after_key": sum(r.handed_over for r in results),
        "key_to_handover_ms_p50": percentile(handover, 0.5),
        "key_to_handover_ms_p99": percentile(handover, 0.99),
        "ended": sum(r.ended for r in results),
        "errors": sorted({r.error for r in results if r.error}),
        "media_cpu_share_of_one_core": round(cpu, 3),
        "media_cpu_ms_per_leg_second": round(cpu * 1000 / count, 2),
    }


def _wait_sip(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    from vmeste.telephony.tests.sipedge import _answers_options

    deadline = time.monotonic() + timeout
    while not _answers_options(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the media process did not come up on {port}")
        time.sleep(0.2)


def python_option(count: int) -> dict:
    base = random.randrange(20000, 30000, 10)
    sip_port, agent_port = base, base + 2
    rtp_low, rtp_high = base + 10, base + 10 + 2 * count + 40
    load_port = rtp_high + 10
    log = ROOT / "var" / "bench" / "media.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    node = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.bench_telephony",
            "node",
            str(sip_port),
            f"{rtp_low}-{rtp_high}",
            str(agent_port),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "vmeste.settings"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_sip(sip_port, node)

        async def main():
            loop = asyncio.get_running_loop()
            agent = Agent(agent_port)
            await loop.create_datagram_endpoint(lambda: agent, local_addr=(HOST, agent_port))
            figures = await _legs(
                (HOST, sip_port), count, load_port, node.pid, headers=[("x-vmeste-line", "bench")]
            )
            figures["keys_heard"] = agent.answered - 1  # the agent rings once per heard key
            agent.transport.close()
            return figures

        figures = asyncio.run(main())
        figures.update(_node_timings(log))
        return figures
    finally:
        node.terminate()
        node.wait(10)


def _node_timings(log: Path) -> dict:
    """From the media process's own log: key heard → re-INVITE to the caller sent (the
    callers' side adds the harness's own delays under load)."""
    import re

    marks: dict[str, dict[str, int]] = {}
    for line in log.read_text(errors="replace").splitlines():
        found = re.match(r"(\d+) (\S+) (chose|bridging)", line)
        if found:
            marks.setdefault(found.group(2), {})[found.group(3)] = int(found.group(1))
    spans = [m["bridging"] - m["chose"] for m in marks.values() if len(m) == 2]
    return {
        "media_key_to_reinvite_ms_p50": percentile(spans, 0.5),
        "media_key_to_reinvite_ms_p99": percentile(spans, 0.99),
    }


class StubVmeste:
    """Vmeste answering at once: one menu, and every caller rung to "agent" on offer."""

    async def menu(self, line: str) -> dict:
        option = {"digit": "1", "kind": "queue", "label": "", "queue": "q", "menu": None}
        menu = {
            "path": "",
            "prompt": PROMPT,
            "options": [option],
            "timeout_seconds": 60,
            "replays": 0,
            "default": "",
        }
        return {"line": line, "centre": "c", "is_open": True, "menu": menu, "closed_message": ""}

    async def event(self, type: str, call_id: str, **data) -> dict:
        if type == "call_offered":
            return {"rung": [{"call_id": call_id, "agent": "agent", "callback": False}]}
        return {"rung": []}

    async def agent_event(self, agent: str, event: str) -> dict:
        return {"rung": []}

    async def heartbeat(self, node: str = "", calls: list[str] | None = None) -> dict:
        return {"rung": []}


def node(sip_port: int, rtp_ports: str, agent_port: int) -> None:
    import django

    django.setup()
    import logging

    logging.getLogger("vmeste.telephony").setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter("%(relativeCreated)d %(message)s"))
    from vmeste.telephony.callflow import MediaApplication
    from vmeste.telephony.edge import parse_ports

    async def serve():
        app = MediaApplication(
            host=HOST,
            sip_port=sip_port,
            rtp_ports=parse_ports(rtp_ports),
            edge=(HOST, agent_port),
            vmeste=StubVmeste(),
            prompts=ROOT / "var" / "bench" / "prompts",
        )
        await app.start()
        await asyncio.Event().wait()

    asyncio.run(serve())


BARESIP_CONFIG = """poll_method epoll
sip_listen {host}:{sip}
call_max_calls 4000
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
audio_source aufile,{prompt}
audio_srate 8000
audio_channels 1
rtp_ports {low}-{high}
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen {host}:{ctrl}
"""


def baresip_option(count: int, workdir: Path) -> dict:
    """One baresip for all legs: auto-answer, the prompt as the audio source; each key
    press it reports on ctrl_tcp is answered with its /transfer (of its current call:
    ctrl_tcp names no call, which is this option's weak point)."""
    from vmeste.telephony import rtp
    from vmeste.telephony.tests.sipedge import free_tcp_ports

    base = random.randrange(30000, 40000, 10)
    sip_port, (ctrl_port,) = base, free_tcp_ports(1)
    low, high = base + 10, base + 10 + 2 * count + 40
    workdir.mkdir(parents=True, exist_ok=True)
    prompt = workdir / "prompt.wav"
    speech = rtp.synthesise(PROMPT, workdir)  # 8 kHz A-law; baresip reads 16-bit WAV
    subprocess.run(
        ["sox", "-t", "al", "-r", "8000", "-c", "1", str(speech), "-b", "16", str(prompt)],
        check=True,
    )
    (workdir / "config").write_text(
        BARESIP_CONFIG.format(
            host=HOST, sip=sip_port, prompt=prompt, low=low, high=high, ctrl=ctrl_port
        )
    )
    (workdir / "accounts").write_text(
        f"<sip:media@{HOST}>;regint=0;answermode=auto;audio_codecs=PCMA\n"
    )
    process = subprocess.Popen(
        ["baresip", "-f", str(workdir)],
        stdout=(workdir / "log").open("wb"),
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.5)

        async def main():
            reader, writer = await asyncio.open_connection(HOST, ctrl_port)
            heard: set[str] = set()
            control = asyncio.create_task(_control(reader, writer, heard, base + 5))
            figures = await _legs((HOST, sip_port), count, high + 10, process.pid, user="media")
            control.cancel()
            writer.close()
            figures["keys_heard"] = len(heard) - 1  # the warm-up call pressed one too
            return figures

        return asyncio.run(main())
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # it hangs its calls up first, politely
            process.kill()
            process.wait()


async def _control(reader, writer, heard: set[str], agent_port: int) -> None:
    import json

    while True:
        head = await reader.readuntil(b":")
        data = await reader.readexactly(int(head[:-1]) + 1)
        event = json.loads(data[:-1])
        if event.get("type") == "CALL_DTMF_START":
            heard.add(event.get("id", ""))
            command = json.dumps(
                {
                    "command": "transfer",
                    "token": event.get("id", ""),
                    "params": f"sip:agent@{HOST}:{agent_port}",
                }
            ).encode()
            writer.write(str(len(command)).encode() + b":" + command + b",")
            await writer.drain()


def run(quick: bool) -> dict:
    count = int(os.environ.get("VMESTE_BENCH_SIP_LEGS", "0")) or (20 if quick else 200)
    figures = {
        "criteria": {"legs": 200, "prompt_start_ms": 300, "keys_heard_share": 1.0},
        "load_average_before": os.getloadavg()[0],
    }
    _log(f"python option, {count} legs")
    figures["python"] = python_option(count)
    more = int(os.environ.get("VMESTE_BENCH_SIP_HEADROOM", "0"))
    if more:
        _log(f"python option, {more} legs (headroom)")
        figures["python_headroom"] = python_option(more)
    _log(f"baresip option, {count} legs")
    figures["baresip"] = baresip_option(count, ROOT / "var" / "bench" / "baresip")
    figures["load_average_after"] = os.getloadavg()[0]
    return figures


if __name__ == "__main__":
    if sys.argv[1] == "node":
        node(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
