"""How a month of a hotline's work is made up: lines, topics, dispositions, words. Pure data.

The shares follow the seeds: the national 24/7 line takes most calls, the Volgograd centre a
quarter, "Circle of Kindness" a few hundred a month; most contacts are consultations.
"""

from __future__ import annotations

# Share of contacts per line code, and the profile of the people who call it.
LINE_SHARES: dict[str, float] = {
    "we-are-together": 0.58,
    "volgograd-volunteers": 0.25,
    "moscow-volunteers": 0.08,
    "circle-of-kindness": 0.025,
    "social-coordinator": 0.045,
    "cashback": 0.02,
}
LINE_PROFILE: dict[str, str] = {
    "circle-of-kindness": "parent",
    "social-coordinator": "adult",
    "cashback": "adult",
}
# Regions a line's callers come from when the line serves the whole country but the seeds
# name its pilot regions.
LINE_REGIONS: dict[str, list[str]] = {
    "social-coordinator": ["RU-SA", "RU-TA", "RU-SAM", "RU-YAR"],
}

# Outcomes of a contact other than a registered request, relative.
DISPOSITIONS: dict[str, float] = {
    "consultation": 0.72,
    "transferred": 0.08,
    "callback_requested": 0.05,
    "wrong_number": 0.04,
    "silent": 0.03,
    "abandoned": 0.08,
}
WITHOUT_PERSON = {"wrong_number", "silent", "abandoned"}

# What requests are about, per line: (top category, subcategory, weight).
REQUEST_TOPICS: dict[str, list[tuple[str, str, float]]] = {
    "we-are-together": [
        ("groceries", "groceries-delivery", 22),
        ("groceries", "food-parcel", 8),
        ("groceries", "essentials-delivery", 4),
        ("medicines", "medicines-delivery", 18),
        ("medicines", "prescription", 5),
        ("medicines", "preferential-medicines", 4),
        ("medical-info", "doctor-at-home", 4),
        ("social-support", "state-measures", 6),
        ("social-support", "benefits-payments", 4),
        ("psychological", "loneliness", 5),
        ("psychological", "crisis", 1),
        ("home-care", "social-worker", 5),
        ("home-care", "household-help", 3),
        ("transport", "social-taxi", 3),
        ("legal", "legal-consultation", 2),
        ("spiritual", "clergy-talk", 1),
        ("accessible-environment", "rehab-equipment", 2),
        ("housing", "utilities", 2),
        ("other", "other-need", 1),
    ],
    "volgograd-volunteers": [
        ("groceries", "groceries-delivery", 25),
        ("groceries", "food-parcel", 6),
        ("medicines", "medicines-delivery", 22),
        ("social-support", "benefits-payments", 7),
        ("social-support", "state-measures", 5),
        ("psychological", "loneliness", 7),
        ("psychological", "crisis", 2),
        ("transport", "social-taxi", 6),
        ("home-care", "social-worker", 4),
        ("other", "other-need", 2),
    ],
    "moscow-volunteers": [
        ("groceries", "groceries-delivery", 40),
        ("medicines", "medicines-delivery", 35),
        ("medical-info", "doctor-at-home", 10),
        ("social-support", "state-measures", 8),
        ("other", "other-need", 3),
    ],
    "circle-of-kindness": [
        ("medicines", "rare-disease-drugs", 45),
        ("medicines", "preferential-medicines", 25),
        ("medical-info", "children-medical-aid", 30),
    ],
    "social-coordinator": [
        ("social-support", "state-measures", 40),
        ("social-support", "charity-help", 30),
        ("social-support", "benefits-payments", 20),
        ("social-support", "disability-status", 10),
    ],
    "cashback": [("social-support", "cashback", 1)],
}

# What consultations are about, per line (subcategory codes).
CONSULTATION_TOPICS: dict[str, list[str]] = {
    "we-are-together": [
        "clinic-hours", "vaccination", "qr-code", "sick-leave", "state-measures",
        "benefits-payments", "public-transport", "loneliness", "legal-consultation",
    ],
    "volgograd-volunteers": [
        "clinic-hours", "vaccination", "state-measures", "public-transport", "loneliness",
        "benefits-payments",
    ],
    "moscow-volunteers": ["clinic-hours", "sick-leave", "vaccination", "qr-code"],
    "circle-of-kindness": ["rare-disease-drugs", "children-medical-aid"],
    "social-coordinator": ["state-measures", "charity-help", "benefits-payments"],
    "cashback": ["cashback"],
}  # fmt: skip

# How a resolved request was helped, by top category.
OUTCOME_HOW: dict[str, list[tuple[str, float]]] = {
    "groceries": [("delivery", 0.85), ("organization", 0.1), ("other", 0.05)],
    "medicines": [("delivery", 0.7), ("measure", 0.15), ("organization", 0.15)],
    "medical-info": [("consultation", 0.7), ("organization", 0.3)],
    "social-support": [("measure", 0.55), ("organization", 0.3), ("consultation", 0.15)],
    "psychological": [("consultation", 0.8), ("organization", 0.2)],
}
DEFAULT_HOW = [("organization", 0.5), ("consultation", 0.3), ("other", 0.2)]

DESCRIPTIONS: dict[str, list[str]] = {
    "groceries": [
        "Нужны продукты: хлеб, молоко, крупы. На самоизоляции, выйти в магазин не может.",
        "Просит доставить продукты и воду. Живёт одна, родственники в другом городе.",
        "Продуктовый набор на неделю, оплатит при получении.",
        "Нужны продукты и средства гигиены, плохо ходит.",
    ],
    "medicines": [
        "Закончились лекарства от давления, рецепт на руках.",
        "Нужно привезти лекарства из аптеки, список продиктовала.",
        "Не может получить льготный препарат в аптеке, просит помочь.",
        "Ребёнку нужен препарат, которого нет в аптеках региона.",
    ],
    "medical-info": [
        "Просит вызвать врача на дом: температура третий день.",
        "Нужна консультация о медицинской помощи ребёнку и порядке госпитализации.",
        "Не может записаться к врачу, просит помочь.",
    ],
    "social-support": [
        "Интересуется мерами поддержки для пенсионеров, просит помочь с заявлением.",
        "Задерживается выплата пособия, просит разобраться.",
        "Нужна помощь благотворительного фонда: семья в трудной ситуации.",
        "Просит помочь оформить инвалидность.",
    ],
    "psychological": [
        "Тревожно, одиноко, просит поговорить с психологом.",
        "Тяжёлое состояние после утраты, просит помощи специалиста.",
    ],
    "home-care": [
        "Нужен социальный работник: помощь по дому и с покупками.",
        "Ухаживает за мужем после инсульта, просит помощи.",
    ],
    "transport": ["Нужна поездка в поликлинику на социальном такси."],
    "legal": ["Вопрос о наследстве и документах на квартиру."],
    "spiritual": ["Просит о беседе со священником."],
}
DEFAULT_DESCRIPTION = ["Просит помощи, подробности в комментарии оператора."]

COMMENTS: list[str] = [
    "Позвонили, уточнили адрес и время.",
    "Передано волонтёру, ждём подтверждения.",
    "Абонент не отвечает, перезвоним вечером.",
    "Уточнили список, всё в наличии.",
    "Связались с соцзащитой, ответ в течение двух дней.",
    "Заявитель просит перенести на завтра.",
]
WAITING_REASONS: list[str] = [
    "Ждём ответа соцзащиты.",
    "Ждём рецепт от поликлиники.",
    "Ждём подтверждения от фонда.",
]
REJECT_REASONS: list[str] = [
    "Помощь уже оказана родственниками.",
    "Вне компетенции линии, дана консультация.",
]
CANCEL_REASONS: list[str] = [
    "Заявитель отказался от помощи.",
    "Дубль заявки.",
    "Не удалось связаться с заявителем.",
]
NOT_HELPED_NOTES: list[str] = [
    "Меры поддержки не положены, фондов по профилю в регионе нет.",
    "Препарат закончился у поставщика.",
]
HELPED_NOTES: list[str] = [
    "Доставлено, заявитель благодарит.",
    "Оформлено, выплата назначена.",
    "Фонд взял на сопровождение.",
    "",
]
