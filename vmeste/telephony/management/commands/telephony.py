"""`vmeste telephony check|up|media|password`: the SIP edge from the command line."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from django.core.management.base import CommandError

from vmeste.core.commands import VerbCommand, keywords
from vmeste.telephony import edge
from vmeste.telephony.check import language, run_checks
from vmeste.telephony.services import realm, set_sip_password


def _ports(text: str) -> tuple[int, int]:
    try:
        return edge.parse_ports(text)
    except ValueError as exc:
        raise CommandError(f"ports: A-B, e.g. 30000-30999 (got {text!r})") from exc


PORTS = ("sip_port", "rtp_ports", "ng_port", "cli_port", "media_sip_port", "media_rtp_ports")


class Command(VerbCommand):
    help = "The SIP edge: check what it needs, run it, run the media application."

    def add_verbs(self, verbs) -> None:
        for name in ("check", "up"):
            p = verbs.add_parser(name)
            p.add_argument("--sip-port", type=int, default=5060)
            p.add_argument("--rtp-ports", type=_ports, default=(30000, 30999))
            p.add_argument("--ng-port", type=int, default=2223)
            p.add_argument("--cli-port", type=int, default=2224)
            p.add_argument("--media-sip-port", type=int, default=5070)
            p.add_argument("--media-rtp-ports", type=_ports, default=(31000, 31999))
            p.add_argument(
                "--media-nodes",
                type=int,
                default=1,
                help="media application processes (SIP ports from --media-sip-port on)",
            )
            p.add_argument("--vmeste-url", default="http://127.0.0.1:8000")
            p.add_argument("--token-file", default="")
            p.add_argument(
                "--peer",
                action="append",
                default=[],
                help="another centre's edge, sip:host:port (failover)",
            )
            p.add_argument(
                "--gateway",
                default="",
                help="the phone network's gateway, sip:host:port (callbacks, outside numbers)",
            )
            p.add_argument("--lang", default="")
        media = verbs.add_parser("media")
        media.add_argument("--host", default="127.0.0.1")
        media.add_argument("--sip-port", type=int, default=5070)
        media.add_argument("--rtp-ports", type=_ports, default=(31000, 31999))
        media.add_argument("--edge", default="127.0.0.1:5060")
        media.add_argument("--vmeste-url", default="http://127.0.0.1:8000")
        media.add_argument("--token-file", default="")
        media.add_argument(
            "--sibling",
            action="append",
            default=[],
            help="another media node of this edge, host:port (told what is theirs)",
        )
        password = verbs.add_parser("password", help="set an agent's phone password (shown once)")
        password.add_argument("username")
        password.add_argument("--password", default="")

    def _config(self, options) -> edge.EdgeConfig:
        return edge.EdgeConfig(
            vmeste_url=options["vmeste_url"],
            token=_token(options["token_file"]),
            peers=options["peer"],
            realm=realm(),
            **keywords(options, *PORTS, "media_nodes", "gateway"),
        )

    def _check(self, options) -> None:
        lang = language(options["lang"])
        findings = run_checks(self._config(options))
        for finding in findings:
            mark = "ok " if finding.ok else "!! "
            self.stdout.write(mark + finding.text(lang))
        if not all(f.ok for f in findings):
            raise CommandError("не готово" if lang == "ru" else "not ready")

    def _up(self, options) -> None:
        from vmeste.telephony.supervisor import Child, Supervisor

        config = self._config(options)
        if not config.token:
            raise CommandError("VMESTE_TELEPHONY_TOKEN / --token-file")
        for path in edge.render(config):
            self.stdout.write(f"rendered {path}")
        (config.directory / "run").mkdir(exist_ok=True)
        token_file = edge.write_token(config)
        env = edge.child_env()
        children = [
            Child("rtpengine", edge.rtpengine_argv(config), env),
            Child("kamailio", edge.kamailio_argv(config), env),
            *(
                Child(_media_name(node), edge.media_argv(config, token_file, node), env)
                for node in range(len(edge.media_nodes(config)))
            ),
        ]
        _log_level(options["verbosity"])
        self.stdout.write(f"SIP udp:{config.host}:{config.sip_port}; logs in {config.directory}")
        Supervisor(children, config.directory / "logs").run()

    def _media(self, options) -> None:
        from vmeste.telephony.callflow import MediaApplication
        from vmeste.telephony.edgeclient import VmesteClient

        host, _, port = options["edge"].rpartition(":")
        _log_level(options["verbosity"])

        directory = edge.EdgeConfig(vmeste_url="", token="").directory
        directory.mkdir(parents=True, exist_ok=True)

        async def serve() -> None:
            app = MediaApplication(
                host=options["host"],
                sip_port=options["sip_port"],
                rtp_ports=options["rtp_ports"],
                edge=(host, int(port)),
                vmeste=VmesteClient(options["vmeste_url"], _token(options["token_file"])),
                prompts=directory / "prompts",
                state=directory,
                addresses=[_address(sibling) for sibling in options["sibling"]],
            )
            await app.start()
            await asyncio.Event().wait()

        asyncio.run(serve())

    def _password(self, options) -> None:
        account, password = set_sip_password(
            by=None, username=options["username"], password=options["password"] or None
        )
        self.stdout.write(f"{options['username']}@{account.realm}: {password}")


def _media_name(node: int) -> str:
    return "media" if node == 0 else f"media{node + 1}"


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def _log_level(verbosity: int) -> None:
    """The edge's own loggers speak at INFO (DEBUG with -v 2), whatever the site's level."""
    logging.getLogger("vmeste.telephony").setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def _token(token_file: str) -> str:
    if token_file:
        return Path(token_file).read_text().strip()
    return os.environ.get("VMESTE_TELEPHONY_TOKEN", "").strip()
