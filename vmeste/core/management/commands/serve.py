"""`vmeste serve`: the production ASGI server (uvicorn), serving its own static files."""

import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Vmeste with uvicorn (ASGI), static files included."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("VMESTE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("VMESTE_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("VMESTE_WORKERS", "1"))
        )
        parser.add_argument("--log-level", default="warning")

    def handle(self, *args, host: str, port: int, workers: int, log_level: str, **options):
        import uvicorn

        self.stdout.write(f"Vmeste: http://{host}:{port}/", ending="\n")
        self.stdout.flush()
        uvicorn.run(
            "vmeste.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            lifespan="off",
            access_log=False,
            # X-Forwarded-For is read by Django, from VMESTE_TRUSTED_PROXIES only
            # (vmeste/core/clientip.py); uvicorn would believe any loopback peer.
            proxy_headers=False,
        )
