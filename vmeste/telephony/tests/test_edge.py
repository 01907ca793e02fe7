"""`vmeste telephony check` and `up`: rendered configurations, the checks, the supervisor."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmeste.telephony import edge
from vmeste.telephony.check import language, run_checks
from vmeste.telephony.supervisor import Child, Supervisor


def _config(tmp_path, **kwargs) -> edge.EdgeConfig:
    values = {"vmeste_url": "http://127.0.0.1:9", "token": "tok-en", **kwargs}
    return edge.EdgeConfig(directory=tmp_path, **values)


def test_the_rendered_kamailio_configuration_is_filled_in_and_private(tmp_path):
    peers = ["sip:10.0.0.7:5060", "sip:10.0.0.8:5060"]
    config = _config(tmp_path, sip_port=15999, peers=peers, media_nodes=2)
    cfg, dispatcher = edge.render(config)
    text = cfg.read_text()
    assert "{{" not in text and "listen=udp:127.0.0.1:15999" in text
    assert "Authorization: Bearer tok-en" in text
    assert cfg.stat().st_mode & 0o077 == 0  # the token is in it
    assert dispatcher.read_text().splitlines() == [
        "1 sip:127.0.0.1:5070 0 1",  # our media nodes, in turn
        "1 sip:127.0.0.1:5071 0 1",
        "2 sip:10.0.0.7:5060 0 2",  # then the peers, by priority
        "2 sip:10.0.0.8:5060 0 1",
    ]
    with pytest.raises(ValueError):
        edge.render(_config(tmp_path, realm='a"b'))


@pytest.mark.skipif(not shutil.which("kamailio"), reason="kamailio is not installed")
def test_kamailio_accepts_the_rendered_configuration(tmp_path):
    config = _config(tmp_path)
    edge.render(config)
    checked = subprocess.run(
        ["kamailio", "-c", "-f", str(config.kamailio_cfg)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]


def test_media_nodes_share_the_rtp_range_and_know_each_other(tmp_path):
    config = _config(tmp_path, media_rtp_ports=(31000, 31999), media_nodes=3)
    assert edge.media_nodes(config) == [
        (5070, (31000, 31331)),
        (5071, (31332, 31663)),
        (5072, (31664, 31995)),
    ]
    argv = edge.media_argv(config, tmp_path / "token", 1)
    assert argv[argv.index("--sip-port") + 1] == "5071"
    assert argv[argv.index("--rtp-ports") + 1] == "31332-31663"
    assert [a for a in argv if a.startswith("--sibling")] == [
        "--sibling=127.0.0.1:5070",
        "--sibling=127.0.0.1:5072",
    ]
    with pytest.raises(ValueError):
        edge.media_nodes(_config(tmp_path, media_rtp_ports=(31000, 31003), media_nodes=3))


def test_port_ranges_are_read_strictly():
    assert edge.parse_ports("30000-30999") == (30000, 30999)
    for bad in ["30999-30000", "80-90", "x", "30000-70000"]:
        with pytest.raises(ValueError):
            edge.parse_ports(bad)


def test_check_says_what_is_missing_in_the_users_language(tmp_path, monkeypatch):
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    config = _config(tmp_path, sip_port=busy.getsockname()[1], http_timeout=1)
    found = run_checks(
        config,
        which=lambda name: None if name == "rtpengine" else f"/x/{name}",
        modules=str(tmp_path),
    )
    busy.close()
    failed = {f.key for f in found if not f.ok}
    assert {"binary_missing", "module_missing", "port_busy", "url_bad"} <= failed
    missing = next(f for f in found if f.key == "binary_missing")
    assert missing.text("ru") == "нет программы rtpengine: apt-get install rtpengine-daemon"
    assert missing.text("en") == "program rtpengine missing: apt-get install rtpengine-daemon"
    port = next(f for f in found if f.key == "port_busy")
    assert "занят" in port.text("ru") and "taken" in port.text("en")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    assert language() == "en" and language("ru") == "ru"
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert language() == "ru"
    no_token = run_checks(_config(tmp_path, token=""), which=lambda n: "/x")
    assert any(f.key == "token_missing" for f in no_token)


def test_a_crashed_child_is_restarted_with_back_off_and_all_stop_together(tmp_path):
    crasher = Child("crasher", [sys.executable, "-c", "import sys; sys.exit(3)"])
    steady = Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor([crasher, steady], tmp_path / "logs", backoff=0.2, max_backoff=0.4)
    started = time.monotonic()
    supervisor.run(
        until=lambda: len(crasher.history) >= 3 or time.monotonic() - started > 20, poll=0.05
    )
    assert crasher.history[:3] == [h for h in crasher.history[:3] if h.startswith("exit 3 ")]
    assert len(crasher.history) >= 3
    # 0.2 s, then 0.4 s (the cap): the third exit cannot come before 0.6 s of waiting.
    assert time.monotonic() - started >= 0.6
    assert steady.history == [] and steady.process.poll() is not None  # stopped by us
    assert (tmp_path / "logs" / "steady.log").exists()


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_the_children_end_with_the_supervisor_even_killed_outright(tmp_path, how):
    """The supervisor in its own process: SIGTERM ends it and every child it started; a
    SIGKILL leaves it no time, and its children end all the same (no orphan on the ports)."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from vmeste.telephony.supervisor import Child, Supervisor\n"
        "child = Child('sleeper', [sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "s = Supervisor([child], Path(sys.argv[1]))\n"
        "import threading\n"
        "threading.Timer(0.5, lambda: print(child.process.pid, flush=True)).start()\n"
        "s.run()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    pid = int(process.stdout.readline())
    getattr(process, how)()
    assert process.wait(10) == (0 if how == "terminate" else -9)

    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        return state == "Z"

    deadline = time.monotonic() + 5
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone()
