"""The national line's voice menu in the demo: the seeds' ten recorded branches (0–9).

The branches that reach a queue are the IVR paths of `callcentre.QUEUES` (1–5 and «0»), so
a call walked through this menu lands where today's calls of that branch land; the other
four are the menu's other kinds: a recorded information message, the robot's answer from a
knowledge-base article, a callback offer and a sub-menu (an outside specialist, a message,
back to the main menu).
"""

from __future__ import annotations

from vmeste.contactcenter import ivr
from vmeste.core.models import Line

LINE = "we-are-together"
ROBOT_ARTICLE = "kb-013"  # «Оплата ЖКУ во время самоизоляции», an article of this line

MENU = {
    "line": LINE,
    "start": "main",
    "night": "night",
    "operator_queue": "wat-general",
    "nodes": [
        {"id": "main", "kind": "menu", "label": "Главное меню",
         "prompt": "Здравствуйте! Вы позвонили на общероссийскую горячую линию «Мы вместе». "
                   "Продукты и лекарства — нажмите 1. Поликлиники, больничные, вакцинация — 2. "
                   "Психологическая поддержка — 3. Меры социальной поддержки — 4. "
                   "Стать волонтёром — 5. Правила самоизоляции — 6. Оплата ЖКУ — 7. "
                   "Заказать обратный звонок — 8. Другие службы — 9. Оператор — 0.",
         "timeout_seconds": 6, "replays": 2, "default": "0",
         "options": [{"digit": "1", "to": "food"}, {"digit": "2", "to": "medical"},
                     {"digit": "3", "to": "psy"}, {"digit": "4", "to": "social"},
                     {"digit": "5", "to": "volunteer"}, {"digit": "6", "to": "isolation"},
                     {"digit": "7", "to": "utilities"}, {"digit": "8", "to": "call-me"},
                     {"digit": "9", "to": "services"}, {"digit": "0", "to": "operator"}]},
        {"id": "food", "kind": "queue", "label": "Продукты и лекарства", "queue": "wat-food"},
        {"id": "medical", "kind": "queue", "label": "Поликлиники, больничные, вакцинация",
         "queue": "wat-medical"},
        {"id": "psy", "kind": "queue", "label": "Психологическая поддержка", "queue": "wat-psy"},
        {"id": "social", "kind": "queue", "label": "Меры социальной поддержки",
         "queue": "wat-social"},
        {"id": "volunteer", "kind": "queue", "label": "Стать волонтёром",
         "queue": "wat-volunteer"},
        {"id": "isolation", "kind": "message", "label": "Правила самоизоляции",
         "prompt": "Людям старше шестидесяти пяти лет рекомендуется оставаться дома. "
                   "Продукты и лекарства доставят волонтёры: для заявки нажмите 1 в главном "
                   "меню. Возвращаемся в главное меню.",
         "next": "main"},
        {"id": "utilities", "kind": "robot", "label": "Оплата ЖКУ", "article": ROBOT_ARTICLE},
        {"id": "call-me", "kind": "callback", "label": "Обратный звонок",
         "prompt": "Оставайтесь на линии: оператор перезвонит вам на этот номер в порядке "
                   "очереди.", "queue": "wat-general"},
        {"id": "services", "kind": "menu", "label": "Другие службы",
         "prompt": "Юрист по вопросам мер поддержки — нажмите 1. Туристический и детский "
                   "кешбэк — 2. Вернуться в главное меню — 9.",
         "timeout_seconds": 6, "replays": 2, "default": "9",
         "options": [{"digit": "1", "to": "lawyer"}, {"digit": "2", "to": "cashback"},
                     {"digit": "9", "to": "main"}]},
        {"id": "lawyer", "kind": "transfer", "label": "Юрист (внешний номер)",
         "prompt": "Соединяем с юристом.", "number": "+74950000000"},
        {"id": "cashback", "kind": "message", "label": "Кешбэк",
         "prompt": "О туристическом и детском кешбэке расскажут на линии «Кешбэк». "
                   "Спасибо за звонок."},
        {"id": "operator", "kind": "queue", "label": "Другие вопросы (оператор)",
         "queue": "wat-general"},
        {"id": "night", "kind": "message", "label": "Ночное сообщение",
         "prompt": "Линия «Мы вместе» сейчас не работает. Позвоните, пожалуйста, в рабочее "
                   "время. Если жизни угрожает опасность, звоните 112."},
    ],
}  # fmt: skip


def regional_menu(line: str, greeting: str, branches: list[tuple[str, str, str]]) -> dict:
    """A regional line's short menu: a branch per queue (digit, label, queue), «0» to the
    operator (the first branch's queue) and the night message."""
    said = " ".join(f"{label} — нажмите {digit}." for digit, label, _queue in branches)
    nodes = [
        {"id": "main", "kind": "menu", "label": "Главное меню",
         "prompt": f"{greeting} {said} Оператор — 0.",
         "timeout_seconds": 6, "replays": 2, "default": "0",
         "options": [{"digit": d, "to": q} for d, _label, q in branches]
         + [{"digit": "0", "to": "operator"}]},
        *({"id": q, "kind": "queue", "label": label, "queue": q} for _d, label, q in branches),
        {"id": "operator", "kind": "queue", "label": "Оператор", "queue": branches[0][2]},
        {"id": "night", "kind": "message", "label": "Ночное сообщение",
         "prompt": "Линия сейчас не работает. Позвоните, пожалуйста, в рабочее время. "
                   "Если жизни угрожает опасность, звоните 112."},
    ]  # fmt: skip
    return {"line": line, "start": "main", "night": "night",
            "operator_queue": branches[0][2], "nodes": nodes}  # fmt: skip


REGIONAL = [
    regional_menu(
        "moscow-volunteers",
        "Вы позвонили в волонтёрский колл-центр Москвы «Мы вместе».",
        [("1", "Доставка продуктов и лекарств", "msk-delivery"),
         ("2", "Медицинские консультации", "msk-medical")],
    ),
    regional_menu(
        "volgograd-volunteers",
        "Вы позвонили в Волгоградский волонтёрский колл-центр.",
        [("1", "Продукты и лекарства", "vgg-food"),
         ("2", "Социально-психологическая помощь", "vgg-psy")],
    ),
]  # fmt: skip


def create() -> None:
    """The voice menus of the lines with several queues: the national line's ten branches,
    the Moscow and Volgograd lines' two (after the queues and the knowledge base)."""
    for menu in [MENU, *REGIONAL]:
        ivr.import_menu(menu, line=Line.objects.get(code=menu["line"]))
