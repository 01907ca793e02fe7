import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmeste.settings")
application = get_wsgi_application()

from vmeste.core.memory import settle  # noqa: E402  (once Django is set up)

settle()  # last: what start-up loaded is out of the cycle collector's way
