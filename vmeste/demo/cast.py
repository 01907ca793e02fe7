"""The demo's centres and staff: one login per role, scoped the way a real centre would be.

The passwords are public on purpose (printed by `vmeste demoinfo`): the demo is meant to be
opened by anyone in the room. Never load the demo into a production database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoCentre:
    code: str
    kind: str  # national | regional
    name_ru: str
    name_en: str
    region: str | None
    lines: tuple[str, ...]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    centre: str | None
    regions: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    answers_calls: bool = False  # appears as the operator of contacts
    handles_requests: bool = False  # appears as an assignee
    extra: dict = field(default_factory=dict)

    @property
    def password(self) -> str:
        return f"demo-{self.username}"

    @property
    def scope(self) -> str:
        regions = ", ".join(self.regions) or "все регионы"
        lines = ", ".join(self.lines) or "все линии"
        return f"{regions}; {lines}"


CENTRES: list[DemoCentre] = [
    DemoCentre(
        "national",
        "national",
        "Федеральный колл-центр «Мы вместе»",
        "We Are Together national centre",
        None,
        ("we-are-together", "circle-of-kindness", "cashback", "social-coordinator"),
    ),
    DemoCentre(
        "volgograd",
        "regional",
        "Волгоградский региональный колл-центр",
        "Volgograd regional centre",
        "RU-VGG",
        ("volgograd-volunteers", "we-are-together"),
    ),
    DemoCentre(
        "moscow",
        "regional",
        "Московский волонтёрский колл-центр",
        "Moscow volunteer centre",
        "RU-MOW",
        ("moscow-volunteers", "we-are-together"),
    ),
    DemoCentre(
        "tatarstan",
        "regional",
        "Колл-центр «Социальный координатор» в Татарстане",
        "Social Coordinator centre, Tatarstan",
        "RU-TA",
        ("social-coordinator", "we-are-together"),
    ),
]

VGG = ("RU-VGG",)
MOW = ("RU-MOW",)
TAT = ("RU-TA",)
NATIONAL_LINES = ("we-are-together", "circle-of-kindness", "cashback", "social-coordinator")

USERS: list[DemoUser] = [
    DemoUser("admin", "administrator", "Анна", "Админова", "national"),
    DemoUser("supervisor", "supervisor", "Сергей", "Старшинов", "national"),
    DemoUser(
        "operator", "operator", "Ольга", "Операторова", "national",
        lines=NATIONAL_LINES, answers_calls=True, handles_requests=True,
    ),
    DemoUser(
        "operator2", "operator", "Денис", "Звонарёв", "national",
        lines=("we-are-together",), answers_calls=True, handles_requests=True,
    ),
    DemoUser(
        "coordinator", "coordinator", "Мария", "Координатова", "national",
        handles_requests=True,
    ),
    DemoUser("analyst", "analyst", "Артём", "Счётов", "national"),
    DemoUser("telephony", "telephony", "Телефония", "Сервис", "national"),
    DemoUser(
        "supervisor.vgg", "supervisor", "Виктор", "Сменов", "volgograd",
        regions=VGG, lines=("volgograd-volunteers", "we-are-together"),
    ),
    DemoUser(
        "operator.vgg", "operator", "Галина", "Волжская", "volgograd",
        regions=VGG, lines=("volgograd-volunteers",), answers_calls=True, handles_requests=True,
    ),
    DemoUser(
        "coordinator.vgg", "coordinator", "Павел", "Ведущий", "volgograd",
        regions=VGG, lines=("volgograd-volunteers", "we-are-together"), handles_requests=True,
    ),
    DemoUser(
        "volunteer.vgg", "volunteer", "Дарья", "Добровольская", "volgograd",
        regions=VGG, lines=("volgograd-volunteers",), answers_calls=True,
    ),
    DemoUser(
        "courier.vgg", "courier", "Илья", "Доставкин", "volgograd",
        regions=VGG, lines=("volgograd-volunteers",),
    ),
    DemoUser(
        "manager.vgg", "regional_manager", "Елена", "Областная", "volgograd", regions=VGG,
    ),
    DemoUser(
        "operator.msk", "operator", "Ксения", "Столичная", "moscow",
        regions=MOW, lines=("moscow-volunteers", "we-are-together"),
        answers_calls=True, handles_requests=True,
    ),
    DemoUser(
        "volunteer.msk", "volunteer", "Никита", "Помогайкин", "moscow",
        regions=MOW, lines=("moscow-volunteers",), answers_calls=True,
    ),
    DemoUser(
        "coordinator.tat", "coordinator", "Айгуль", "Сафина", "tatarstan",
        regions=TAT, lines=("social-coordinator",), answers_calls=True, handles_requests=True,
    ),
    DemoUser(
        "manager.tat", "regional_manager", "Рустам", "Гарипов", "tatarstan", regions=TAT,
    ),
]  # fmt: skip

CENTRE_CODES = [centre.code for centre in CENTRES]
USERNAMES = [user.username for user in USERS]
