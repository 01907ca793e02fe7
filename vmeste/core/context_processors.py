from django.conf import settings
from django.http import HttpRequest


def workplace(request: HttpRequest) -> dict:
    return {"VMESTE_DEMO": settings.DEMO}
