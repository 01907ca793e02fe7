"""The two-level taxonomy of needs. Deadlines are hours from registration to resolution."""

# (code, Russian, English, deadline hours, [(code, Russian, English, deadline hours | None)])
CATEGORIES: list[tuple[str, str, str, int, list[tuple[str, str, str, int | None]]]] = [
    (
        "groceries",
        "Продукты и товары первой необходимости",
        "Groceries and essentials",
        48,
        [
            ("groceries-delivery", "Доставка продуктов", "Grocery delivery", 24),
            (
                "essentials-delivery",
                "Доставка товаров первой необходимости",
                "Essentials delivery",
                48,
            ),
            ("food-parcel", "Продуктовый набор", "Food parcel", 72),
            ("hot-meals", "Горячее питание", "Hot meals", 24),
        ],
    ),
    (
        "medicines",
        "Лекарства и рецепты",
        "Medicines and prescriptions",
        24,
        [
            ("medicines-delivery", "Доставка лекарств", "Medicine delivery", 24),
            ("prescription", "Выписка рецепта", "Prescription", 48),
            ("preferential-medicines", "Льготные лекарства", "Subsidised medicines", 72),
            ("rare-disease-drugs", "Препараты при редких заболеваниях", "Rare disease drugs", 120),
        ],
    ),
    (
        "medical-info",
        "Медицинская информация",
        "Medical information",
        24,
        [
            ("clinic-hours", "Работа поликлиник", "Clinic hours", None),
            ("sick-leave", "Больничный лист", "Sick leave", None),
            ("vaccination", "Вакцинация", "Vaccination", None),
            ("qr-code", "QR-код и сертификаты", "QR codes and certificates", None),
            ("doctor-at-home", "Вызов врача на дом", "Doctor home visit", 12),
            ("children-medical-aid", "Медицинская помощь детям", "Medical aid for children", 48),
        ],
    ),
    (
        "social-support",
        "Социальная поддержка и выплаты",
        "Social support and payments",
        120,
        [
            ("state-measures", "Меры государственной поддержки", "State support measures", 120),
            ("benefits-payments", "Пособия и выплаты", "Benefits and payments", 120),
            ("disability-status", "Инвалидность и МСЭ", "Disability and assessment", 240),
            ("cashback", "Кешбэк (туристический, детский)", "Cashback programmes", 72),
            ("charity-help", "Помощь благотворительных фондов", "Charity assistance", 240),
        ],
    ),
    (
        "psychological",
        "Психологическая помощь",
        "Psychological help",
        4,
        [
            ("crisis", "Кризисная ситуация", "Crisis", 1),
            ("loneliness", "Одиночество и тревога", "Loneliness and anxiety", 24),
            ("grief", "Утрата близкого", "Bereavement", 24),
        ],
    ),
    (
        "spiritual",
        "Духовная помощь",
        "Spiritual help",
        48,
        [
            ("clergy-talk", "Беседа со священнослужителем", "Talk with a clergy member", 48),
        ],
    ),
    (
        "legal",
        "Юридическая помощь",
        "Legal help",
        120,
        [
            ("legal-consultation", "Юридическая консультация", "Legal consultation", 120),
            ("documents", "Восстановление документов", "Document recovery", 240),
        ],
    ),
    (
        "home-care",
        "Уход на дому",
        "Home care",
        72,
        [
            ("social-worker", "Социальный работник", "Social worker", 72),
            ("household-help", "Помощь по дому", "Household help", 72),
            ("respite-care", "Передышка для ухаживающих", "Respite for carers", 120),
        ],
    ),
    (
        "accessible-environment",
        "Доступная среда",
        "Accessible environment",
        240,
        [
            ("rehab-equipment", "Технические средства реабилитации", "Assistive devices", 240),
            ("home-adaptation", "Приспособление жилья", "Home adaptation", 480),
            (
                "escort",
                "Сопровождение маломобильных",
                "Escort for people with reduced mobility",
                48,
            ),
        ],
    ),
    (
        "employment",
        "Трудоустройство",
        "Employment",
        240,
        [
            ("job-search", "Поиск работы", "Job search", 240),
            ("training", "Профобучение", "Vocational training", 480),
        ],
    ),
    (
        "transport",
        "Транспорт",
        "Transport",
        48,
        [
            ("social-taxi", "Социальное такси", "Social taxi", 48),
            ("public-transport", "Общественный транспорт", "Public transport", None),
        ],
    ),
    (
        "education",
        "Образование",
        "Education",
        240,
        [
            ("inclusive-education", "Инклюзивное образование", "Inclusive education", 240),
        ],
    ),
    (
        "housing",
        "Жильё и ЖКХ",
        "Housing and utilities",
        120,
        [
            ("utilities", "Коммунальные услуги", "Utilities", 120),
            ("housing-support", "Жилищная поддержка", "Housing support", 480),
        ],
    ),
    (
        "other",
        "Другое",
        "Other",
        72,
        [
            ("other-need", "Иное", "Other need", None),
        ],
    ),
]
