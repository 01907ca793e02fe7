"""The checks of a configuration's queues and agents, and the rules that span sections
(a mixin of `checks.Checker`: it uses the checker's readers and `fail`)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from vmeste.launch import document as doc

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
SKILL_LEVELS = range(1, 6)
PRIORITY_RULES = ("age_60_plus", "critical", "returning_urgent")


class RoutingChecks:
    def queues(self, raw, line_code: str) -> list[dict]:
        queues = []
        for i, item in enumerate(self.listing(raw, "queues")):
            path = f"queues[{i}]"
            data = self.mapping(item, path, doc.QUEUE_KEYS)
            code = self.slug(data.get("code"), f"{path}.code")
            owner = self.known.queue_lines.get(code)
            if owner and owner != line_code:
                self.fail(
                    f"{path}.code",
                    _("очередь «%(code)s» уже есть у линии «%(line)s».")
                    % {"code": code, "line": owner},
                )
            topic = data.get("topic")
            if topic is not None and not (
                isinstance(topic, str) and topic in self.known.categories
            ):
                self.fail(f"{path}.topic", _("неизвестный код: категория «%s».") % topic)
            share = data.get("target_share", 0.8)
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
                self.fail(f"{path}.target_share", _("целевая доля — число от 0 до 1."))
                share = 0.8
            queues.append(
                {
                    "code": code,
                    "name": self.text(data.get("name"), f"{path}.name", required=True),
                    "topic": topic if isinstance(topic, str) else None,
                    "ivr_path": self.ivr_path(data.get("ivr_path"), f"{path}.ivr_path"),
                    "skill": self.slug(data.get("skill"), f"{path}.skill"),
                    "escalation": self.escalation(data.get("escalation"), f"{path}.escalation"),
                    "priority_rules": self.priority_rules(data.get("priority_rules"), path),
                    "target_share": share,
                    **self.seconds(data, path),
                    "overflow_to": self.overflow_target(data.get("overflow_to"), path),
                }
            )
        self.unique(
            [(f"queues[{i}].code", q["code"]) for i, q in enumerate(queues)], _("код очереди")
        )
        self.unique(
            [(f"queues[{i}].ivr_path", q["ivr_path"]) for i, q in enumerate(queues)],
            _("ветка меню"),
        )
        return queues

    def overflow_target(self, value, path: str) -> str | None:
        if value is not None and not isinstance(value, str):
            self.fail(f"{path}.overflow_to", _("переполнение указывается кодом очереди."))
            return None
        return value

    def ivr_path(self, value, path: str) -> str:
        value = "" if value is None else str(value)
        if value and not re.fullmatch(r"[0-9*#]+(-[0-9*#]+)*", value):
            self.fail(path, _("ветка меню: цифры через дефис, например 3 или 3-1."))
        return value

    def seconds(self, data: dict, path: str) -> dict:
        read = self.integer
        return {
            "target_seconds": read(
                data.get("target_seconds", 20), f"{path}.target_seconds", low=1, high=3600
            )
            or 20,
            "callback_after_seconds": read(
                data.get("callback_after_seconds"),
                f"{path}.callback_after_seconds",
                low=1,
                null=True,
            ),
            "overflow_after_seconds": read(
                data.get("overflow_after_seconds"), f"{path}.overflow_after_seconds", null=True
            ),
            "wrap_up_seconds": read(
                data.get("wrap_up_seconds", 30), f"{path}.wrap_up_seconds", high=3600
            )
            or 0,
        }

    def escalation(self, raw, path: str) -> list[list]:
        steps = self.listing(raw if raw is not None else [[0, 1]], path)
        try:
            pairs = [(float(after), int(level)) for after, level in steps]
        except (TypeError, ValueError):
            self.fail(path, _("шаги эскалации: список пар [секунды, уровень]."))
            return [[0, 1]]
        if not pairs or pairs[0][0] != 0 or [a for a, _l in pairs] != sorted(a for a, _l in pairs):
            self.fail(path, _("первый шаг — с 0 секунд, далее по возрастанию."))
        if any(level not in SKILL_LEVELS for _a, level in pairs):
            self.fail(path, _("уровень навыка — от 1 до 5."))
        return [[a, lvl] for a, lvl in pairs] or [[0, 1]]

    def priority_rules(self, raw, path: str) -> dict:
        rules = self.mapping(raw or {}, f"{path}.priority_rules", PRIORITY_RULES)
        clean = {}
        for rule, credit in rules.items():
            if (
                rule in PRIORITY_RULES
                and self.integer(credit, f"{path}.priority_rules.{rule}", high=3600) is not None
            ):
                clean[rule] = credit
        return clean

    def agents(self, raw, centre_codes: set[str]) -> list[dict]:
        agents = []
        for i, item in enumerate(self.listing(raw, "agents")):
            path = f"agents[{i}]"
            data = self.mapping(item, path, doc.AGENT_KEYS)
            user, centre = data.get("user"), data.get("centre")
            if not (isinstance(user, str) and user in self.known.users):
                self.fail(f"{path}.user", _("нет такого пользователя: «%s».") % user)
            if not (isinstance(centre, str) and centre in centre_codes):
                self.fail(f"{path}.centre", _("центра «%s» нет в разделе centres.") % centre)
            skills = self.mapping(data.get("skills") or {}, f"{path}.skills", None)
            bad = [
                s
                for s, level in skills.items()
                if not isinstance(s, str)
                or not SLUG.match(s)
                or isinstance(level, bool)
                or level not in SKILL_LEVELS
            ]
            if bad:
                self.fail(
                    f"{path}.skills", _("навык → уровень от 1 до 5: %s.") % ", ".join(map(str, bad))
                )
            agents.append(
                {
                    "user": str(user),
                    "centre": str(centre),
                    "skills": {s: v for s, v in skills.items() if s not in bad},
                }
            )
        self.unique([(f"agents[{i}].user", a["user"]) for i, a in enumerate(agents)], _("оператор"))
        return agents

    # -- rules across sections ------------------------------------------------------------
    def staffing(self, queues: list[dict], agents: list[dict]) -> None:
        skills = {skill for a in agents for skill in a["skills"]}
        for i, queue in enumerate(queues):
            if queue["skill"] and queue["skill"] not in skills:
                self.fail(
                    f"queues[{i}].skill",
                    _("ни у одного оператора нет навыка «%s».") % queue["skill"],
                )

    def categories_taken(self, line: dict, queues: list[dict]) -> None:
        topics = {q["topic"] for q in queues}
        if None in topics:
            return  # a queue without a topic takes every call of the line
        parents = self.known.categories
        for i, code in enumerate(line["categories"]):
            if code in parents and code not in topics and parents[code] not in topics:
                self.fail(
                    f"line.categories[{i}]",
                    _("категорию «%s» не принимает ни одна очередь.") % code,
                )

    def overflow(self, queues: list[dict]) -> None:
        targets = {q["code"]: q["overflow_to"] for q in queues}
        for i, queue in enumerate(queues):
            target = queue["overflow_to"]
            if target is not None and target not in targets:
                self.fail(f"queues[{i}].overflow_to", _("нет очереди «%s» у этой линии.") % target)
        reported: set[str] = set()
        for i, queue in enumerate(queues):
            cycle = _cycle_from(queue["code"], targets)
            if cycle and not reported & set(cycle):
                reported |= set(cycle)
                self.fail(
                    f"queues[{i}].overflow_to",
                    _("переполнение по кругу: %s.") % " → ".join([*cycle, cycle[0]]),
                )


def _cycle_from(start: str, targets: dict[str, str | None]) -> list[str] | None:
    path: list[str] = []
    current: str | None = start
    while current is not None and current in targets:
        if current in path:
            cycle = path[path.index(current) :]
            return cycle if start in cycle else None
        path.append(current)
        current = targets[current]
    return None
