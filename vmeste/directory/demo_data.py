"""Demo content of the navigator. Everything here is invented and marked «демо»: no real
organization, legal citation or amount. Measures describe kinds of support in general words."""

from __future__ import annotations

PILOT_REGIONS = ("RU-SA", "RU-TA", "RU-SAM", "RU-YAR", "RU-VGG", "RU-MOW")

RULES = {
    "age-60-plus": ("60 лет и старше", {"fact": "age", "op": ">=", "value": 60}),
    "low-income": (
        "доход ниже прожиточного минимума",
        {
            "any": [
                {"fact": "low_income", "op": "is", "value": True},
                {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1}},
            ]
        },
    ),
    "disability-1-2": (
        "инвалидность I или II группы",
        {"fact": "disability_group", "op": "in", "value": ["1", "2"]},
    ),
}

AGE = {"fact": "age", "op": ">=", "value": 65}
ALONE = {"fact": "lives_alone", "op": "is", "value": True}


def flag(code: str, value: bool = True) -> dict:
    return {"fact": code, "op": "is", "value": value}


# (code, name, needs, condition, documents, channels)
FEDERAL = [
    (
        "home-social-service",
        "Социальное обслуживание на дому",
        ["social-worker", "household-help"],
        {"any": [{"all": [{"rule": "age-60-plus"}, ALONE]}, {"rule": "disability-1-2"}]},
        ["паспорт", "заявление"],
        ["mfc", "agency"],
    ),
    (
        "preferential-medicines",
        "Лекарства по льготному рецепту",
        ["preferential-medicines"],
        {"any": [flag("has_disability"), flag("veteran")]},
        ["паспорт", "СНИЛС"],
        ["agency"],
    ),
    (
        "rehab-equipment",
        "Технические средства реабилитации",
        ["rehab-equipment"],
        flag("has_disability"),
        ["паспорт", "ИПРА"],
        ["online", "agency"],
    ),
    (
        "child-low-income",
        "Ежемесячная выплата на ребёнка в семье с низким доходом",
        ["benefits-payments"],
        {"all": [{"fact": "household_size", "op": ">=", "value": 2}, {"rule": "low-income"}]},
        ["паспорт", "свидетельство о рождении"],
        ["online", "mfc"],
    ),
    (
        "pregnancy-low-income",
        "Выплата беременным с низким доходом",
        ["benefits-payments"],
        {"all": [flag("pregnant"), {"rule": "low-income"}]},
        ["паспорт", "справка о сроке беременности"],
        ["online", "mfc"],
    ),
    (
        "care-compensation",
        "Компенсация неработающему, ухаживающему за инвалидом",
        ["respite-care", "benefits-payments"],
        {"all": [flag("caregiver"), flag("unemployed")]},
        ["паспорт", "СНИЛС"],
        ["online", "agency"],
    ),
    (
        "job-search",
        "Содействие в поиске работы",
        ["job-search"],
        {"all": [flag("unemployed"), {"fact": "age", "op": "between", "value": [16, 70]}]},
        ["паспорт"],
        ["online", "agency"],
    ),
    (
        "vocational-training",
        "Профобучение безработных",
        ["training"],
        flag("unemployed"),
        ["паспорт", "документ об образовании"],
        ["agency"],
    ),
    (
        "free-legal-aid",
        "Бесплатная юридическая помощь",
        ["legal-consultation"],
        {
            "any": [
                {"rule": "low-income"},
                flag("has_disability"),
                {"rule": "age-60-plus"},
                flag("orphanage_graduate"),
            ]
        },
        ["паспорт"],
        ["agency"],
    ),
    (
        "crisis-help",
        "Экстренная психологическая помощь",
        ["crisis", "loneliness"],
        {},
        [],
        ["agency"],
    ),
    (
        "rare-diseases-children",
        "Лекарства детям с редкими заболеваниями",
        ["rare-disease-drugs", "children-medical-aid"],
        flag("seriously_ill_child"),
        ["свидетельство о рождении", "медицинское заключение"],
        ["agency"],
    ),
    (
        "orphan-housing",
        "Жильё выпускникам детских домов",
        ["housing-support"],
        {"all": [flag("orphanage_graduate"), {"fact": "age", "op": "between", "value": [18, 23]}]},
        ["паспорт"],
        ["mfc", "agency"],
    ),
    (
        "utilities-subsidy",
        "Субсидия на оплату жилья и коммунальных услуг",
        ["utilities"],
        {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
        ["паспорт", "справка о доходах"],
        ["online", "mfc"],
    ),
    (
        "veteran-home-help",
        "Помощь по дому ветеранам",
        ["household-help"],
        {"all": [flag("veteran"), {"rule": "age-60-plus"}]},
        ["паспорт", "удостоверение ветерана"],
        ["agency"],
    ),
    (
        "escort",
        "Сопровождение маломобильных граждан",
        ["escort"],
        flag("reduced_mobility"),
        ["паспорт"],
        ["agency"],
    ),
    (
        "disability-status",
        "Помощь в оформлении инвалидности",
        ["disability-status"],
        {"any": [flag("chronic_illness"), flag("reduced_mobility")]},
        ["паспорт", "направление врача"],
        ["online", "agency"],
    ),
]

REGIONAL = [
    (
        "food-parcel-elderly",
        "Продуктовый набор пожилым",
        ["food-parcel"],
        {
            "all": [
                {"rule": "age-60-plus"},
                {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
            ]
        },
    ),
    (
        "social-taxi",
        "Социальное такси",
        ["social-taxi"],
        {"any": [flag("reduced_mobility"), {"rule": "disability-1-2"}]},
    ),
    (
        "isolation-groceries",
        "Доставка продуктов на самоизоляции",
        ["groceries-delivery"],
        {"all": [flag("self_isolation"), {"any": [AGE, flag("chronic_illness")]}]},
    ),
    (
        "large-family-payment",
        "Выплата многодетным семьям",
        ["benefits-payments"],
        {"all": [flag("large_family"), {"fact": "household_size", "op": ">=", "value": 5}]},
    ),
    ("hot-meals", "Горячее питание малоимущим", ["hot-meals"], {"rule": "low-income"}),
    ("carer-respite", "Передышка для ухаживающих", ["respite-care"], flag("caregiver")),
    (
        "home-adaptation",
        "Приспособление жилья для инвалидов",
        ["home-adaptation"],
        {"fact": "disability_group", "op": "in", "value": ["1", "2", "child"]},
    ),
    (
        "medicines-delivery",
        "Доставка лекарств одиноким",
        ["medicines-delivery"],
        {"all": [{"any": [AGE, flag("chronic_illness"), flag("reduced_mobility")]}, ALONE]},
    ),
]

# Organization kinds: (kind, name pattern, [(service name, needs)])
KINDS = [
    (
        "foundation",
        "Благотворительный фонд «{word}»",
        [
            ("Адресная помощь семьям", ["charity-help", "food-parcel"]),
            ("Помощь тяжелобольным детям", ["rare-disease-drugs", "children-medical-aid"]),
        ],
    ),
    (
        "npo",
        "АНО «{word}»",
        [
            (
                "Волонтёрская доставка продуктов и лекарств",
                ["groceries-delivery", "medicines-delivery"],
            ),
            ("Телефон доверия для пожилых", ["loneliness", "crisis"]),
        ],
    ),
    (
        "social_protection",
        "Центр социального обслуживания «{word}»",
        [
            ("Социальный работник на дому", ["social-worker", "household-help"]),
            ("Пункт горячего питания", ["hot-meals"]),
        ],
    ),
    (
        "npo",
        "Общественная организация инвалидов «{word}»",
        [
            ("Сопровождение и социальное такси", ["escort", "social-taxi"]),
            ("Прокат средств реабилитации", ["rehab-equipment"]),
        ],
    ),
    (
        "mfc",
        "МФЦ «{word}»",
        [
            (
                "Приём заявлений на меры поддержки",
                ["state-measures", "benefits-payments", "documents"],
            )
        ],
    ),
    (
        "agency",
        "Центр занятости «{word}»",
        [("Подбор вакансий и обучение", ["job-search", "training"])],
    ),
    (
        "npo",
        "Юридическая клиника «{word}»",
        [("Бесплатные юридические консультации", ["legal-consultation", "documents"])],
    ),
    (
        "foundation",
        "Фонд помощи ухаживающим «{word}»",
        [("Передышка и обучение уходу", ["respite-care"])],
    ),
]

WORDS = [
    "Забота", "Опора", "Вместе", "Надежда", "Участие", "Мост", "Родные люди", "Тёплый дом",
    "Старшее поколение", "Шаг навстречу", "Открытые двери", "Соседи", "Добрые руки", "Маяк",
    "Плечо", "Круг", "Росток", "Пристань", "Лад", "Подсолнух",
]  # fmt: skip
