"""Parts an app adds to the operator's call card (or the person card), declared by that app.

An app lists its parts in its AppConfig (`panels = (Panel(...), ...)`); the workplace reads
the installed apps' lists (`workplace.panels`) and shows them, without knowing the apps by
name. This dataclass sits in the lowest layer so that any app may declare a panel without
importing the workplace, which sits above them all.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDE = "side"  # a tab of the card's side column
BAR = "bar"  # the card's top bar (the contact centre's agent toolbar)
POP = "pop"  # above the form (the banner of an incoming call)
PERSON = "person"  # the person card, under the card's own blocks
PLACES = (SIDE, BAR, POP, PERSON)


@dataclass(frozen=True)
class Panel:
    """One part of the call card. Its template is included with the card's context plus
    `panel` (this panel, with `href`: its `url` reversed, and `now`: that URL for the person
    already chosen, when `per_person`)."""

    key: str  # unique among the panels: the tab and pane are `tab-<key>`, `pane-<key>`
    title: str  # the tab's label (SIDE)
    template: str
    place: str = SIDE
    url: str = ""  # the name of a URL the panel fetches (`per_person`: it takes a person id)
    per_person: bool = False
    styles: tuple[str, ...] = ()  # static files the card's <head> loads for it
    scripts: tuple[str, ...] = ()
    order: int = 50  # smaller first

    def __post_init__(self) -> None:
        if self.place not in PLACES:
            raise ValueError(f"panel {self.key}: place must be one of {PLACES}")
