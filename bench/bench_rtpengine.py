"""rtpengine's own prompts (issue 14's spike, the option ARCHITECTURE only reasoned about):
``play media`` over the ng control protocol, measured on the same machine as the Python
media application (``bench_telephony``).

One rtpengine (userspace, as `vmeste telephony up` runs it); N calls set up with ``offer``
and ``answer`` between two loopback sockets each; then ``play media`` (a WAV prompt) to
every caller at once. Measured: the command's answer time, the prompt's start (command sent
→ the caller's first RTP packet), the largest gap between the prompt's packets, and
rtpengine's CPU while the N prompts play. `VMESTE_BENCH_RTPENGINE_LEGS` (200; 20 quick).
"""

from __future__ import annotations

import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sipload import percentile

HOST = "127.0.0.1"
PROMPT_SECONDS = 4


def _log(message: str) -> None:
    print(f"[bench_rtpengine] {message}", file=sys.stderr, flush=True)


def bencode(value) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    items = sorted(value.items())
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"


def bdecode(data: bytes, at: int = 0):
    """(value, next position); strings stay bytes."""
    kind = data[at : at + 1]
    if kind == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1 : end]), end + 1
    if kind in (b"l", b"d"):
        items, at = [], at + 1
        while data[at : at + 1] != b"e":
            item, at = bdecode(data, at)
            items.append(item)
        if kind == b"l":
            return items, at + 1
        return {items[i].decode(): items[i + 1] for i in range(0, len(items), 2)}, at + 1
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1 : colon + 1 + length], colon + 1 + length


class Ng:
    def __init__(self, port: int) -> None:
        self.address = (HOST, port)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.settimeout(5)
        self.sequence = 0

    def __call__(self, command: str, **fields) -> tuple[dict, float]:
        """rtpengine's answer and how long it took, in ms."""
        self.sequence += 1
        cookie = b"c%d" % self.sequence
        started = time.perf_counter()
        self.socket.sendto(cookie + b" " + bencode({"command": command, **fields}), self.address)
        while True:
            data = self.socket.recv(65536)
            if data.startswith(cookie + b" "):
                answer, _ = bdecode(data, len(cookie) + 1)
                return answer, 1000 * (time.perf_counter() - started)


def _sdp(port: int) -> str:
    return (
        f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )


def _leg(ng: Ng, i: int) -> socket.socket:
    """One call through rtpengine: the caller's socket (which hears the prompt)."""
    caller, callee = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for s in (caller, callee):
        s.bind((HOST, 0))
        s.setblocking(False)
    caller.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    call = f"bench-{i}"
    offer, _ = ng(
        "offer", **{"call-id": call, "from-tag": "a", "sdp": _sdp(caller.getsockname()[1])}
    )
    if offer.get("result") != b"ok":
        raise RuntimeError(f"offer refused: {offer}")
    answer, _ = ng(
        "answer",
        **{"call-id": call, "from-tag": "a", "to-tag": "b", "sdp": _sdp(callee.getsockname()[1])},
    )
    if answer.get("result") != b"ok":
        raise RuntimeError(f"answer refused: {answer}")
    callee.close()
    return caller


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value


def _arrivals(s: socket.socket) -> list[float]:
    """The kernel's arrival times (wall clock) of the packets waiting on ``s``: the harness
    reads them late when it is busy sending commands, the kernel stamps them on arrival."""
    times = []
    while True:
        try:
            _data, ancillary, _flags, _addr = s.recvmsg(2048, 64)
        except BlockingIOError:
            return times
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = struct.unpack("qq", data[:16])
                times.append(seconds + nanoseconds / 1e9)


def _listen(legs: list[socket.socket], sent: list[float], seconds: float) -> tuple[list, list]:
    """Each caller's first packet (ms after its command) and largest gap between packets."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    gaps: dict[int, float] = {}
    index = {s.fileno(): i for i, s in enumerate(legs)}
    deadline = time.time() + seconds
    while time.time() < deadline:
        ready, _, _ = select.select(legs, [], [], 0.05)
        for s in ready:
            i = index[s.fileno()]
            for at in _arrivals(s):
                if i not in first:
                    first[i] = 1000 * (at - sent[i])
                else:
                    gaps[i] = max(gaps.get(i, 0.0), 1000 * (at - last[i]))
                last[i] = at
    return list(first.values()), list(gaps.values())


def _measure(ng: Ng, count: int, prompt: Path, pid: int) -> dict:
    legs = [_leg(ng, i) for i in range(count)]
    commands, sent, refused = [], [], []
    cpu_before, wall_before = _cpu_seconds(pid), time.perf_counter()
    for i in range(count):
        sent.append(time.time())
        answer, took = ng(
            "play media", **{"call-id": f"bench-{i}", "from-tag": "a", "file": str(prompt)}
        )
        commands.append(took)
        if answer.get("result") != b"ok":
            refused.append(answer.get("error-reason", answer.get("result", b"")).decode())
    starts, gaps = _listen(legs, sent, PROMPT_SECONDS - 0.5)
    cpu = (_cpu_seconds(pid) - cpu_before) / (time.perf_counter() - wall_before)
    for i, s in enumerate(legs):
        ng("delete", **{"call-id": f"bench-{i}", "from-tag": "a"})
        s.close()
    return {
        "legs": count,
        "play_media_refused": len(refused),
        "refusals": sorted(set(refused))[:3],
        "legs_hearing_the_prompt": len(starts),
        "command_answer_ms_p50": percentile(commands, 0.5),
        "command_answer_ms_p99": percentile(commands, 0.99),
        "prompt_start_ms_p50": percentile(starts, 0.5),
        "prompt_start_ms_p99": percentile(starts, 0.99),
        "prompt_start_ms_max": round(max(starts), 1) if starts else None,
        "rtp_max_gap_ms_p99": percentile(gaps, 0.99),
        "rtpengine_cpu_share_of_a_core": round(cpu, 3),
    }


def run(quick: bool) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
    django.setup()
    from vmeste.telephony import edge
    from vmeste.telephony.tests import sipedge

    count = int(os.environ.get("VMESTE_BENCH_RTPENGINE_LEGS", "0")) or (20 if quick else 200)
    workdir = Path(tempfile.mkdtemp(prefix="vm_bench_rtpengine_"))
    prompt = workdir / "prompt.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(prompt), "synth",
         str(PROMPT_SECONDS), "sine", "440"],
        check=True,
    )  # fmt: skip
    ng_port, cli_port = sipedge.free_udp_ports(1)[0], sipedge.free_tcp_ports(1)[0]
    config = edge.EdgeConfig(
        vmeste_url="http://127.0.0.1:1", token="-", ng_port=ng_port, cli_port=cli_port,
        rtp_ports=sipedge.free_range(8 * count + 100), directory=workdir,
    )  # fmt: skip
    (workdir / "run").mkdir()
    log = (workdir / "rtpengine.log").open("wb")
    process = subprocess.Popen(edge.rtpengine_argv(config), stdout=log, stderr=subprocess.STDOUT)
    try:
        ng = Ng(ng_port)
        ng.socket.settimeout(0.5)
        for _ in range(60):
            try:
                if ng("ping")[0].get("result") == b"pong":
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError((workdir / "rtpengine.log").read_text()[-2000:]) from None
        ng.socket.settimeout(5)
        version = subprocess.run(["rtpengine", "--version"], capture_output=True, text=True)
        said = (version.stdout + version.stderr).strip()
        figures = {"rtpengine": said, "prompt_seconds": PROMPT_SECONDS}
        for legs in sorted({1, count}):
            _log(f"{legs} legs")
            figures[f"legs_{legs}"] = _measure(ng, legs, prompt, process.pid)
    finally:
        process.terminate()
        process.wait(10)
    return figures
