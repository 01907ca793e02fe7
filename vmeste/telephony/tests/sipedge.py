"""The SIP edge for tests and the bench: Kamailio, rtpengine and the media application
started on free loopback ports, and SIPp peers run against it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from vmeste.telephony import edge

SCENARIOS = Path(__file__).resolve().parent / "sipp"
NEEDED = ("kamailio", "rtpengine", "sipp", "espeak-ng", "sox")


def missing_binaries() -> list[str]:
    return [name for name in NEEDED if not shutil.which(name)]


# Ports for the edge and its peers come from below the kernel's ephemeral range (32768 and
# up on Linux), so no port the kernel hands out (an HTTP client's, a socket bound to 0) can
# land in them, and each test worker has its own slice, so two workers' edges never pick
# the same port: a port chosen free but not yet bound by its SIPp could otherwise be bound
# meanwhile by the other worker's rtpengine, and the agent's phone would never ring.
LOWEST, HIGHEST = 10000, 32767
# Every single port keeps the next three to itself: a SIPp phone's media takes its port and
# the one two above (its video echo), and the second media node listens one above the first.
STEP = 4


class _Ports:
    """This process's slice of ports, handed out in order; a port still bound (a process
    of an earlier test not gone yet, a broker's listener) is passed over."""

    def __init__(self) -> None:
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        index = int(worker) if worker.isdigit() else 0
        width = (HIGHEST - LOWEST) // max(workers, 1)
        self.low = LOWEST + width * (index % max(workers, 1))
        self.high = self.low + width - 1
        self.next = self.low

    def take(self, size: int, kind: int) -> int:
        """The first port of ``size`` ports in a row, none bound now."""
        for _ in range((self.high - self.low) // STEP + 1):
            if self.next + size + STEP > self.high:
                self.next = self.low  # the earliest tests' processes are long gone
            first = self.next
            self.next += (size // STEP + 1) * STEP
            if all(_bindable(port, kind) for port in range(first, first + size)):
                return first
        raise RuntimeError(f"no {size} free ports between {self.low} and {self.high}")


_PORTS = _Ports()


def _bindable(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_tcp_ports(count: int) -> list[int]:
    return free_udp_ports(count, socket.SOCK_STREAM)


def free_udp_ports(count: int, kind: int = socket.SOCK_DGRAM) -> list[int]:
    """``count`` ports of this process's slice, each followed by three left unused."""
    return [_PORTS.take(1, kind) for _ in range(count)]


def free_range(size: int = 200) -> tuple[int, int]:
    """A block of UDP ports none of which is bound now, starting on an even port (RTP)."""
    first = _PORTS.take(size + 1, socket.SOCK_DGRAM)
    low = first + first % 2
    return low, low + size - 1


@dataclass
class Edge:
    config: edge.EdgeConfig
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Seconds each part may take to answer once started: the media application imports
    # Django first, which took over 15 s while other suites held two cores at load 20.
    patience: float = 60.0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.config.sip_port}"

    def start(self, *, media: bool = True, media_port: int | None = None) -> Edge:
        """Kamailio and rtpengine, and the media application on ``media_port`` (by default
        the configuration's own media node)."""
        edge.render(self.config)
        (self.config.directory / "run").mkdir(exist_ok=True)
        logs = self.config.directory / "logs"
        logs.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "VMESTE_DATA_DIR": str(self.config.directory.parent),
        }
        self._run("rtpengine", edge.rtpengine_argv(self.config), env, logs)
        self._wait(lambda: _rtpengine_pong(self.config.ng_port), "rtpengine's ng ping")
        self._run("kamailio", edge.kamailio_argv(self.config), env, logs)
        if media:
            token = edge.write_token(self.config)
            for node in range(len(edge.media_nodes(self.config))):
                argv = edge.media_argv(self.config, token, node)
                if media_port is not None and node == 0:
                    argv[argv.index("--sip-port") + 1] = str(media_port)
                self._run(
                    "media" if node == 0 else f"media{node + 1}",
                    [sys.executable, "-m", "vmeste", "telephony", "-v", "2", *argv[4:]],
                    env,
                    logs,
                )
        try:
            self._wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, name: str, argv: list[str], env: dict, logs: Path) -> None:
        with (logs / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def _wait_listening(self) -> None:
        """Until Kamailio answers OPTIONS and the media application its own."""
        targets = [self.config.sip_port]
        for name, process in self.processes.items():
            if name.startswith("media"):
                targets.append(int(process.args[process.args.index("--sip-port") + 1]))
        for port in targets:
            self._wait(lambda p=port: _answers_options(p), f"SIP on {port}")

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.patience
        while not ready():
            for name, process in self.processes.items():
                if process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"no answer: {what}")
            time.sleep(0.1)

    def log(self, name: str) -> str:
        path = self.config.directory / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _rtpengine_pong(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        s.sendto(b"probe d7:command4:pinge", ("127.0.0.1", port))
        try:
            return b"pong" in s.recv(512)
        except OSError:
            return False


def _answers_options(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.3)
        local = s.getsockname()[1]
        s.sendto(
            (
                f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKprobe{local}\r\n"
                f"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1:{port}>\r\n"
                f"Call-ID: probe-{local}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode(),
            ("127.0.0.1", port),
        )
        try:
            return s.recv(4096).startswith(b"SIP/2.0 200")
        except OSError:
            return False


@dataclass
class Sipp:
    """One SIPp process with a scenario of ours; ``wait()`` answers its exit code."""

    process: subprocess.Popen
    messages: Path

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -1

    def logged(self) -> list[list[str]]:
        """The lines its scenario logged (``<log message>``), split on spaces (a SIP URI's
        ``sip:`` left out)."""
        name = Path(self.process.args[self.process.args.index("-sf") + 1]).stem
        lines = []
        for path in sorted(self.messages.parent.glob(f"{name}_*_logs.log")):
            for line in path.read_text(errors="replace").splitlines():
                lines.append([word.removeprefix("sip:") for word in line.split()])
        return [words for words in lines if words]

    def received(self, start: str) -> list[str]:
        """The first lines of the messages it received that start with ``start``."""
        return [m.splitlines()[0] if m else "" for m in self.messages_received(start)]

    def messages_received(self, start: str = "") -> list[str]:
        """The messages it received (each whole, its lines stripped) that start with
        ``start``, in order."""
        if not self.messages.exists():
            return []
        text = self.messages.read_text(errors="replace")
        found = []
        for chunk in text.split("message received")[1:]:
            lines = []  # up to the next entry's rule ("-----… time"): what we sent after
            for line in chunk.splitlines()[1:]:
                if line.startswith("-----"):
                    break
                if line.strip():
                    lines.append(line.strip())
            found.append("\n".join(lines))
        return [message for message in found if message.startswith(start)]


def sipp(
    workdir: Path,
    scenario: str,
    *args: str,
    name: str,
    port: int,
    media_port: int | None = None,
    target: str = "",
    timeout: int = 60,
    digit: str = "",
    replace: dict[str, str] | None = None,
    calls: int = 1,
) -> Sipp:
    """SIPp with one of our scenarios, its ``@WORD@`` marks replaced (``replace``), placing
    or taking ``calls`` calls."""
    text = (SCENARIOS / scenario).read_text().replace("@DIGIT@", digit)
    for mark, value in (replace or {}).items():
        text = text.replace(f"@{mark}@", value)
    path = workdir / f"{name}.xml"
    path.write_text(text)
    messages = workdir / f"{name}.messages"
    argv = [
        "sipp",
        "-sf",
        str(path),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        str(calls),
        "-nostdin",
        "-timeout",
        f"{timeout}s",
        "-timeout_error",
        "-trace_msg",
        "-message_file",
        str(messages),
        "-trace_logs",
        *args,
    ]
    if media_port is not None:
        argv += ["-mp", str(media_port)]
    if target:
        argv.append(target)
    out = (workdir / f"{name}.out").open("wb")
    process = subprocess.Popen(
        argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    out.close()
    return Sipp(process, messages)


PCAPS = "/usr/share/sip-tester"  # SIPp's own captures (Debian sip-tester)
KEY_CAPTURES = {"#": "pound", "*": "star", **{d: d for d in "0123456789"}}


def keys_xml(keys: str, *, gap_ms: int = 1500) -> str:
    """The scenario steps that press ``keys`` (RFC 4733 captures), each after ``gap_ms``;
    each press is logged as "key CALL-ID SECONDS MICROSECONDS"."""
    steps = []
    for key in keys:
        steps.append(
            f'  <pause milliseconds="{gap_ms}"/>\n  <nop><action>\n'
            f'    <exec play_pcap_audio="{PCAPS}/dtmf_2833_{KEY_CAPTURES[key]}.pcap"/>\n'
            '    <gettimeofday assign_to="s,us"/>\n'
            f'    <log message="key [call_id] [$s] [$us]"/>\n  </action></nop>'
        )
    return "\n".join(steps)


def caller(keys: str, *, then: str = "connected", stay_ms: int = 0, gap_ms: int = 1500) -> dict:
    """The ``replace`` marks of ``caller_keys.xml``: press ``keys``, then wait to be
    connected and for the agent to hang up (``then="connected"``), or hang up ``stay_ms``
    after the last key (``then="leaves"``)."""
    end = (SCENARIOS / f"caller_{then}.part").read_text().replace("@STAY_MS@", str(stay_ms))
    return {"KEYS": keys_xml(keys, gap_ms=gap_ms), "END": end}


def double_rings(logged: list[list[str]]) -> list[tuple[str, str]]:
    """(agent, call) for each time a phone rang while it still had another call: from the
    phones' "ring AGENT CALL …" and "end AGENT CALL …" lines (a call never ended keeps its
    phone busy)."""
    events = sorted(
        (logged_at(words), words[0] == "ring", words[1], words[2])
        for words in logged
        if words[0] in ("ring", "end") and len(words) == 5
    )
    busy: dict[str, set[str]] = {}
    doubles = []
    for _at, ring, agent, call in events:
        calls = busy.setdefault(agent, set())
        if ring:
            if calls:
                doubles.append((agent, call))
            calls.add(call)
        else:
            calls.discard(call)
    return doubles


def logged_at(words: list[str]) -> float:
    """The time of a logged line: SIPp's ``gettimeofday`` seconds and microseconds, last."""
    return float(words[-2]) + float(words[-1]) / 1e6
