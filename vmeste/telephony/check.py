"""`vmeste telephony check`: what the edge needs and what is missing, in Russian and English.

The messages are kept here in both languages (the command runs without a session, and a
hotline's technician reads it in a terminal); the language is the user's: ``--lang`` or the
``LANG`` of the shell.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from vmeste.telephony.edge import MODULES, EdgeConfig, media_nodes

BINARIES = {
    "kamailio": "kamailio",
    "rtpengine": "rtpengine-daemon",
    "sipp": "sip-tester",
    "espeak-ng": "espeak-ng",
    "sox": "sox",
}
KAMAILIO_MODULES = {
    "http_client.so": "kamailio-utils-modules",
    "jansson.so": "kamailio-json-modules",
    "dispatcher.so": "kamailio",
    "rtpengine.so": "kamailio",
    "registrar.so": "kamailio",
    "auth.so": "kamailio",
}

TEXT = {
    "binary_ok": ("программа {name} найдена: {path}", "program {name} found: {path}"),
    "binary_missing": (
        "нет программы {name}: apt-get install {package}",
        "program {name} missing: apt-get install {package}",
    ),
    "module_ok": ("модуль Kamailio {name} есть", "Kamailio module {name} present"),
    "module_missing": (
        "нет модуля Kamailio {name}: apt-get install {package}",
        "Kamailio module {name} missing: apt-get install {package}",
    ),
    "port_ok": ("порт {proto} {port} ({what}) свободен", "port {proto} {port} ({what}) is free"),
    "port_busy": (
        "порт {proto} {port} ({what}) занят другой программой: выберите другой",
        "port {proto} {port} ({what}) is taken by another program: choose another",
    ),
    "url_bad": (
        "Vmeste по адресу {url} не отвечает: {error}",
        "Vmeste does not answer at {url}: {error}",
    ),
    "url_ok": ("Vmeste отвечает по адресу {url}", "Vmeste answers at {url}"),
    "token_missing": (
        "нет токена телефонии: задайте VMESTE_TELEPHONY_TOKEN или --token-file",
        "no telephony token: set VMESTE_TELEPHONY_TOKEN or --token-file",
    ),
    "token_refused": (
        "Vmeste отклоняет токен телефонии ({status}): нужна служебная учётная "
        "запись с ролью «телефония»",
        "Vmeste refuses the telephony token ({status}): it must belong to a "
        "service account with the «telephony» role",
    ),
    "token_ok": ("токен телефонии принят", "the telephony token is accepted"),
    "ports_overlap": (
        "диапазоны RTP rtpengine и медиаприложения пересекаются",
        "the RTP ranges of rtpengine and the media application overlap",
    ),
    "speech_missing": (
        "нет синтеза речи (espeak-ng и sox): подсказки не прозвучат",
        "no speech synthesis (espeak-ng and sox): prompts cannot be played",
    ),
}


@dataclass
class Finding:
    ok: bool
    key: str
    values: dict

    def text(self, lang: str) -> str:
        ru, en = TEXT[self.key]
        return (en if lang.startswith("en") else ru).format(**self.values)


def language(explicit: str = "") -> str:
    chosen = explicit or os.environ.get("LANGUAGE", "") or os.environ.get("LANG", "")
    return "en" if chosen.lower().startswith("en") else "ru"


def run_checks(config: EdgeConfig, *, which=shutil.which, modules: str = MODULES) -> list[Finding]:
    found: list[Finding] = []
    for name, package in BINARIES.items():
        path = which(name)
        found.append(
            Finding(
                bool(path),
                "binary_ok" if path else "binary_missing",
                {"name": name, "path": path or "", "package": package},
            )
        )
    for name, package in KAMAILIO_MODULES.items():
        present = (Path(modules) / name).exists()
        found.append(
            Finding(
                present,
                "module_ok" if present else "module_missing",
                {"name": name, "package": package},
            )
        )
    found += _ports(config)
    found += _vmeste(config)
    return found


def _ports(config: EdgeConfig) -> list[Finding]:
    wanted = [
        ("udp", config.sip_port, "SIP"),
        ("udp", config.ng_port, "rtpengine ng"),
    ]
    wanted += [("udp", port, "media SIP") for port, _rtp in media_nodes(config)]
    wanted.append(("tcp", config.cli_port, "rtpengine cli"))
    found = []
    for proto, port, what in wanted:
        free = port_free(config.host, port, proto)
        found.append(
            Finding(
                free,
                "port_ok" if free else "port_busy",
                {"proto": proto.upper(), "port": port, "what": what},
            )
        )
    a, b = config.rtp_ports
    c, d = config.media_rtp_ports
    if a <= d and c <= b:
        found.append(Finding(False, "ports_overlap", {}))
    return found


def port_free(host: str, port: int, proto: str = "udp") -> bool:
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _vmeste(config: EdgeConfig) -> list[Finding]:
    url = config.vmeste_url.rstrip("/")
    if not config.token:
        return [Finding(False, "token_missing", {})]
    request = urllib.request.Request(
        f"{url}/api/v1/telephony/edge/route?number=0",
        headers={"Authorization": f"Bearer {config.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=config.http_timeout) as response:
            json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return [
            Finding(True, "url_ok", {"url": url}),
            Finding(False, "token_refused", {"status": refused.code}),
        ]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return [Finding(False, "url_bad", {"url": url, "error": getattr(exc, "reason", exc)})]
    return [Finding(True, "url_ok", {"url": url}), Finding(True, "token_ok", {})]
