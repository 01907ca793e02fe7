"""The ASGI application `vmeste serve` runs (see `vmeste.core.asgi` for why its own)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
django.setup(set_prefix=False)

from vmeste.core.asgi import Handler  # noqa: E402  (models load once Django is set up)
from vmeste.core.memory import settle  # noqa: E402

application = Handler()
settle()  # last: what start-up loaded is out of the cycle collector's way
