"""The hotlines described in the seeds. Only the national number is published in them;
the other lines get their numbers from the administrator."""

# code, Russian, English, prefix, phones, 24/7, opens, closes, regions (empty = all),
# top categories (empty = all), intake fields
LINES: list[dict] = [
    {
        "code": "we-are-together",
        "name_ru": "Мы вместе — общероссийская горячая линия",
        "name_en": "We Are Together national hotline",
        "number_prefix": "",
        "phones": ["+78002003411"],
        "is_24_7": True,
        "regions": [],
        "categories": [],
        "intake_fields": [
            {"code": "age_60_plus", "label": "Абоненту 60 лет или больше?", "required": True},
            {"code": "self_isolation", "label": "На самоизоляции?", "required": True},
            {"code": "lives_alone", "label": "Живёт один?", "required": False},
        ],
        "intake_script": (
            "Здравствуйте, горячая линия «Мы вместе». Меня зовут …, чем могу помочь?\n"
            "1. Уточните, кому нужна помощь и где человек живёт.\n"
            "2. Спросите согласие на обработку персональных данных.\n"
            "3. Выясните, что нужно: продукты, лекарства, консультация.\n"
            "4. Согласуйте адрес и удобное время доставки."
        ),
    },
    {
        "code": "moscow-volunteers",
        "name_ru": "#МыВместе — волонтёрский колл-центр Москвы",
        "name_en": "#WeAreTogether Moscow volunteer call centre",
        "number_prefix": "",
        "phones": ["+78002003411"],
        "is_24_7": False,
        "opens_at": "07:30",
        "closes_at": "16:00",
        "regions": ["RU-MOW"],
        "categories": ["groceries", "medicines", "medical-info", "social-support", "other"],
        "intake_fields": [
            {"code": "delivery_time", "label": "Удобное время доставки", "required": False},
        ],
        "intake_script": (
            "Соберите первичную информацию и проконсультируйте. Вопросы о медицине —"
            " переводите на специалиста."
        ),
    },
    {
        "code": "volgograd-volunteers",
        "name_ru": "Волгоградский областной волонтёрский колл-центр",
        "name_en": "Volgograd regional volunteer call centre",
        "number_prefix": "VGG",
        "phones": [],
        "is_24_7": True,
        "regions": ["RU-VGG"],
        "categories": [],
        "intake_fields": [
            {"code": "district", "label": "Район области", "required": True},
        ],
        "intake_script": (
            "Круглосуточная линия с социально-психологической поддержкой. При кризисной"
            " ситуации — сразу соедините с психологом."
        ),
    },
    {
        "code": "circle-of-kindness",
        "name_ru": "Информационная линия «Круг добра»",
        "name_en": "Circle of Kindness info line",
        "number_prefix": "KD",
        "phones": [],
        "is_24_7": False,
        "opens_at": "09:00",
        "closes_at": "21:00",
        "regions": [],
        "categories": ["medicines", "medical-info"],
        "intake_fields": [
            {"code": "diagnosis", "label": "Диагноз ребёнка", "required": True},
            {"code": "child_age", "label": "Возраст ребёнка", "required": True},
        ],
        "intake_script": (
            "Расскажите, с какими заболеваниями и препаратами работает фонд, и как подать"
            " заявку на помощь ребёнку."
        ),
    },
    {
        "code": "social-coordinator",
        "name_ru": "Социальный координатор",
        "name_en": "Social Coordinator",
        "number_prefix": "SC",
        "phones": [],
        "is_24_7": False,
        "opens_at": "09:00",
        "closes_at": "20:00",
        "regions": [],
        "categories": [],
        "intake_fields": [
            {"code": "situation", "label": "Жизненная ситуация", "required": True},
            {"code": "household_size", "label": "Сколько человек в семье", "required": False},
        ],
        "intake_script": (
            "Короткое интервью о потребностях; проверьте меры государственной поддержки,"
            " затем — благотворительные фонды региона."
        ),
    },
    {
        "code": "cashback",
        "name_ru": "Линия по вопросам кешбэка",
        "name_en": "Cashback questions line",
        "number_prefix": "CB",
        "phones": [],
        "is_24_7": False,
        "opens_at": "09:00",
        "closes_at": "21:00",
        "regions": [],
        "categories": ["social-support"],
        "intake_fields": [],
        "intake_script": "Консультация по туристическому и детскому кешбэку.",
    },
]
