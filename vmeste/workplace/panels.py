"""The call card's parts declared by the installed apps (`core.panels.Panel` in their
AppConfig's `panels`), resolved for one card."""

from __future__ import annotations

from django.apps import apps
from django.urls import reverse

from vmeste.core.panels import BAR, PERSON, POP, SIDE, Panel


def registered() -> list[Panel]:
    """Every installed app's panels, in their order; a key declared twice is a mistake."""
    found: dict[str, Panel] = {}
    for config in apps.get_app_configs():
        for panel in getattr(config, "panels", ()):
            if panel.key in found:
                raise ValueError(f"two panels named {panel.key!r}")
            found[panel.key] = panel
    return sorted(found.values(), key=lambda p: (p.order, p.key))


def _shown(panel: Panel, person_id: int | None) -> dict:
    shown = {"key": panel.key, "title": panel.title, "template": panel.template}
    shown["href"] = shown["now"] = ""
    if panel.url and panel.per_person:
        # The browser puts the chosen person's id in place of the 0 («Это он(а)»).
        shown["href"] = reverse(panel.url, args=[0])
        if person_id:
            shown["now"] = reverse(panel.url, args=[person_id])
    elif panel.url:
        shown["href"] = reverse(panel.url)
    return shown


def for_card(person_id: int | None = None) -> dict:
    """The panels by place, with the static files they need."""
    panels = registered()
    return {
        "side_panels": [_shown(p, person_id) for p in panels if p.place == SIDE],
        "bar_panels": [_shown(p, person_id) for p in panels if p.place == BAR],
        "pop_panels": [_shown(p, person_id) for p in panels if p.place == POP],
        "panel_styles": list(dict.fromkeys(s for p in panels for s in p.styles)),
        "panel_scripts": list(dict.fromkeys(s for p in panels for s in p.scripts)),
    }


def for_person_card() -> list[dict]:
    """The parts the apps add to the person card (each template reads `person`, `user`)."""
    return [_shown(p, None) for p in registered() if p.place == PERSON]
