"""`vmeste telephony up` as an operator runs it: three real children under one supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmeste.telephony.check import port_free
from vmeste.telephony.tests.sipedge import (
    _answers_options,
    free_range,
    free_tcp_ports,
    free_udp_ports,
    missing_binaries,
)

pytestmark = [
    pytest.mark.sip,
    pytest.mark.skipif(
        bool(missing_binaries()),
        reason=f"Debian packages missing: {', '.join(missing_binaries())} (see .ci/run)",
    ),
]


def _until(check, timeout: float = 60.0) -> bool:
    # 60 s, as the SIP harness waits (sipedge.Edge.patience): a check that cannot come true
    # fails all the same, and on two shared, loaded cores the media application alone was
    # seen taking 44 s to import and answer.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _children(pid: int) -> dict[str, int]:
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and cmdline.strip():
            words = cmdline.split()
            name = os.path.basename(words[0])
            if "telephony media" in cmdline:  # each node by its SIP port
                name = f"media:{words[words.index('--sip-port') + 1]}"
            found[name] = int(entry)
    return found


def _two_free_udp_ports() -> int:
    """A port free with the next one too (two media nodes)."""
    for _ in range(100):
        (port,) = free_udp_ports(1)
        if port_free("127.0.0.1", port + 1):
            return port
    raise RuntimeError("no two free ports in a row")


def test_up_runs_the_three_restarts_a_crashed_one_and_sigterm_stops_all(tmp_path):
    sip, ng = free_udp_ports(2)
    media = _two_free_udp_ports()
    (cli,) = free_tcp_ports(1)
    rtp, media_rtp = free_range(), free_range()
    token = tmp_path / "token"
    token.write_text("not-checked-by-up")
    env = {**os.environ, "VMESTE_DATA_DIR": str(tmp_path / "data")}
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vmeste",
            "telephony",
            "up",
            "--sip-port",
            str(sip),
            "--rtp-ports",
            f"{rtp[0]}-{rtp[1]}",
            "--ng-port",
            str(ng),
            "--cli-port",
            str(cli),
            "--media-sip-port",
            str(media),
            "--media-rtp-ports",
            f"{media_rtp[0]}-{media_rtp[1]}",
            "--media-nodes",
            "2",
            "--vmeste-url",
            "http://127.0.0.1:9",
            "--token-file",
            str(token),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _until(lambda: all(_answers_options(port) for port in (sip, media, media + 1))), (
            up.pid
        )
        children = _children(up.pid)
        assert {"kamailio", "rtpengine", f"media:{media}", f"media:{media + 1}"} <= set(children)
        config = tmp_path / "data" / "telephony" / "kamailio.cfg"
        assert config.exists() and config.stat().st_mode & 0o077 == 0
        first = children[f"media:{media}"]
        os.kill(first, signal.SIGKILL)  # a crash
        assert _until(lambda: _children(up.pid).get(f"media:{media}", first) != first)
        assert _until(lambda: _answers_options(media))
        up.send_signal(signal.SIGTERM)
        output, _ = up.communicate(timeout=20)
        assert up.returncode == 0
        assert "media exited with -9" in output and "restarting in 1.0 s" in output
        for name, pid in _children_gone(children).items():
            assert pid is None, name
    finally:
        if up.poll() is None:  # SIGTERM: the supervisor takes its children down with it
            up.terminate()
            up.wait(20)


def _children_gone(children: dict[str, int]) -> dict[str, int | None]:
    return {
        name: pid if os.path.exists(f"/proc/{pid}") and not _zombie(pid) else None
        for name, pid in children.items()
    }


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
