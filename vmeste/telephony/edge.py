"""The SIP edge's configuration: what `vmeste telephony up` renders and starts.

Kamailio's configuration comes from the template ``edge/kamailio.cfg`` with the values of
``EdgeConfig``; rtpengine and the media application take theirs on the command line.
Everything is rendered into ``$VMESTE_DATA_DIR/telephony/`` (token-bearing files 0600).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

TEMPLATE = Path(__file__).resolve().parent / "edge" / "kamailio.cfg"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
MEDIA_SET = 1  # this centre's media nodes, taken in turn
PEER_SET = 2  # other centres' edges, by priority, once none of ours answers


@dataclass
class EdgeConfig:
    vmeste_url: str
    token: str
    host: str = "127.0.0.1"
    sip_port: int = 5060
    rtp_ports: tuple[int, int] = (30000, 30999)
    ng_port: int = 2223
    cli_port: int = 2224  # rtpengine's own command line (rtpengine-ctl)
    media_sip_port: int = 5070
    media_rtp_ports: tuple[int, int] = (31000, 31999)
    # Media application processes (one asyncio loop each uses one core at most): node i
    # listens on media_sip_port + i and takes the i-th share of media_rtp_ports.
    media_nodes: int = 1
    http_timeout: int = 2  # seconds: connect and whole request to Vmeste
    # The shortest registration the registrar keeps (a phone asking less gets this), and how
    # often it looks for registrations run out (each one: the agent goes offline in Vmeste).
    min_expires: int = 60
    expiry_check_seconds: int = 10
    realm: str = "vmeste"
    debug: int = 1
    # Other centres' edges (sip:host:port), tried in this order when ours does not answer.
    peers: list[str] = field(default_factory=list)
    # The phone network's gateway (sip:host:port): where the media application's calls to a
    # number go (callbacks, a transfer to an outside specialist); "" = none, they get 480.
    gateway: str = ""
    directory: Path = field(default_factory=lambda: Path(settings.DATA_DIR) / "telephony")

    @property
    def kamailio_cfg(self) -> Path:
        return self.directory / "kamailio.cfg"


def parse_ports(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"(\d{2,5})-(\d{2,5})", text.strip())
    if not found or not 1024 <= int(found.group(1)) < int(found.group(2)) <= 65535:
        raise ValueError(text)
    return int(found.group(1)), int(found.group(2))


def render(config: EdgeConfig) -> list[Path]:
    """Write Kamailio's configuration and the dispatcher list; answer the files written."""
    config.directory.mkdir(parents=True, exist_ok=True)
    values = {
        "DEBUG": str(config.debug),
        "HOST": config.host,
        "SIP_PORT": str(config.sip_port),
        "MODULES": MODULES,
        "HTTP_TIMEOUT": str(config.http_timeout),
        "MIN_EXPIRES": str(config.min_expires),
        "EXPIRY_CHECK_SECONDS": str(config.expiry_check_seconds),
        "DIR": str(config.directory),
        "NG_PORT": str(config.ng_port),
        "VMESTE_URL": config.vmeste_url.rstrip("/"),
        "TOKEN": config.token,
        "REALM": config.realm,
        "MEDIA_SET": str(MEDIA_SET),
        "PEER_SET": str(PEER_SET),
        "PEERS": str(len(config.peers)),
        "GATEWAY": config.gateway,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        if '"' in value or "\n" in value:
            raise ValueError(f"{name} may not hold quotes or new lines")
        text = text.replace("{{" + name + "}}", value)
    left = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if left:
        raise ValueError(f"not filled in: {', '.join(left)}")
    written = [_write(config.kamailio_cfg, text, private=True)]
    # This centre's media nodes share the calls (round robin, kamailio.cfg); the peers
    # are tried by priority, highest first, in the order given.
    lines = [f"{MEDIA_SET} sip:{config.host}:{port} 0 1" for port, _rtp in media_nodes(config)]
    top = len(config.peers)
    lines += [f"{PEER_SET} {peer} 0 {top - n}" for n, peer in enumerate(config.peers)]
    written.append(_write(config.directory / "dispatcher.list", "\n".join(lines) + "\n"))
    return written


def _write(path: Path, text: str, private: bool = False) -> Path:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(text)
    if private:
        partial.chmod(0o600)
    partial.replace(path)
    return path


def kamailio_argv(config: EdgeConfig) -> list[str]:
    return [
        "kamailio",
        "-DD",
        "-E",
        "-f",
        str(config.kamailio_cfg),
        "-Y",
        str(config.directory / "run"),
        "-w",
        str(config.directory),
    ]


def rtpengine_argv(config: EdgeConfig) -> list[str]:
    low, high = config.rtp_ports
    # --config-file=none: Debian's /etc/rtpengine/rtpengine.conf (ports 2223–2225, the
    # kernel table) must not be mixed into ours.
    return [
        "rtpengine",
        "--config-file=none",
        "--table=-1",
        f"--interface={config.host}",
        f"--listen-ng={config.host}:{config.ng_port}",
        f"--listen-cli={config.host}:{config.cli_port}",
        f"--port-min={low}",
        f"--port-max={high}",
        "--foreground",
        "--log-stderr",
        "--no-fallback",
        f"--pidfile={config.directory / 'run' / 'rtpengine.pid'}",
    ]


def media_nodes(config: EdgeConfig) -> list[tuple[int, tuple[int, int]]]:
    """Each media node's SIP port and RTP ports (an even-sized share of the range)."""
    low, high = config.media_rtp_ports
    count = max(1, config.media_nodes)
    share = (high - low + 1) // count // 2 * 2
    if share < 2:
        raise ValueError("the media RTP range is too small for so many nodes")
    return [
        (config.media_sip_port + i, (low + i * share, low + (i + 1) * share - 1))
        for i in range(count)
    ]


def media_argv(config: EdgeConfig, token_file: Path, node: int = 0) -> list[str]:
    """The command line of media node ``node`` (0 = the first)."""
    nodes = media_nodes(config)
    port, (low, high) = nodes[node]
    siblings = [f"{config.host}:{other}" for other, _rtp in nodes if other != port]
    return [
        sys.executable,
        "-m",
        "vmeste",
        "telephony",
        "media",
        "--host",
        config.host,
        "--sip-port",
        str(port),
        "--rtp-ports",
        f"{low}-{high}",
        "--edge",
        f"{config.host}:{config.sip_port}",
        "--vmeste-url",
        config.vmeste_url,
        "--token-file",
        str(token_file),
        *(f"--sibling={sibling}" for sibling in siblings),
    ]


def write_token(config: EdgeConfig) -> Path:
    return _write(config.directory / "token", config.token, private=True)


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
