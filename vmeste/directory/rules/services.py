"""The rule builder's services: what a draft means (its JSON, its words, its errors placed on
the conditions, the engine's answer for a person) and saving it — checked by the same
validator as every other door, refused when the version the editor saw is stale, and written
to the conditions' history."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from vmeste.accounts import audit
from vmeste.accounts.roles import Right
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Region
from vmeste.directory import navigator, services
from vmeste.directory.eligibility.describe import describe
from vmeste.directory.eligibility.engine import MeasureSpec, compile_measure, compile_tree, evaluate
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.models import EligibilityRule, Measure
from vmeste.directory.rules import builder as rule_builder
from vmeste.directory.rules import history as rule_history
from vmeste.people import services as people

Subject = rule_history.Subject


def require_editor(user) -> None:
    if not (user.is_authenticated and user.can(Right.EDIT_REFERENCE)):
        raise Forbidden()


def get_measure(*, measure_id: int, user) -> Measure:
    require_editor(user)
    measure = Measure.objects.prefetch_related("regions").filter(pk=measure_id).first()
    if measure is None:
        raise NotFound(_("Мера не найдена."))
    return measure


def get_rule(*, code: str, user) -> EligibilityRule:
    require_editor(user)
    rule = EligibilityRule.objects.filter(code=code).first()
    if rule is None:
        raise NotFound(_("Правило не найдено."))
    return rule


def region_names() -> dict[str, str]:
    return {r.code: r.name for r in Region.objects.all()}


def rule_names() -> dict[str, str]:
    return dict(EligibilityRule.objects.values_list("code", "name"))


def say(
    tree: dict, *, regions: dict[str, str] | None = None, rules: dict[str, str] | None = None
) -> str:
    """A stored tree in words (lists of measures and rules, the history); pass the names
    when saying many trees, so a list costs two queries, not two per row."""
    return describe(
        tree,
        region_names=regions if regions is not None else region_names(),
        rule_names=rules if rules is not None else rule_names(),
    )


# --- a draft ------------------------------------------------------------------------------


@dataclass
class Check:
    """The engine's answer for one profile: the verdict, its reasons, a mark per node."""

    who: str
    value: bool | None
    reasons: list[str]
    ask: list[str]
    marks: dict[int, bool | None] = field(default_factory=dict)


@dataclass
class Draft:
    root: rule_builder.Node
    tree: dict
    text: str
    node_errors: dict[int, list[str]]
    other_errors: dict[str, list[str]]
    check: Check | None = None
    check_error: str = ""

    @property
    def valid(self) -> bool:
        return not self.node_errors and not self.other_errors


def assess_draft(
    root: rule_builder.Node,
    *,
    measure: Measure | None = None,
    rule_code: str | None = None,
    profile: dict | None = None,
    who: str = "",
) -> Draft:
    """Everything the page shows for the tree being edited; writes nothing."""
    path = "eligibility" if measure is not None else "condition"
    serialised = rule_builder.to_tree(root, path=path)
    rules = services.rules_by_code()
    if rule_code:
        rules = {**rules, rule_code: serialised.tree}
    errors = validate(
        serialised.tree,
        rules=rules,
        region_codes=services.region_codes(),
        path=path,
        own_code=rule_code,
    )
    node_errors, other = rule_builder.errors_by_node(errors, serialised.paths)
    draft = Draft(
        root,
        serialised.tree,
        describe(serialised.tree, region_names=region_names(), rule_names=rule_names()),
        node_errors,
        other,
    )
    if profile is not None and draft.valid:
        draft.check = _check(serialised, measure=measure, rules=rules, profile=profile, who=who)
    return draft


def _check(serialised, *, measure, rules, profile: dict, who: str) -> Check:
    """The whole rule as the engine answers it (a measure's own regions included), and each
    node on its own, so the editor sees which condition let the person through or not."""
    regions = frozenset(r.code for r in measure.regions.all()) if measure else frozenset()
    spec = MeasureSpec(id=0, name="", condition=serialised.tree, regions=regions)
    verdict = evaluate(compile_measure(spec, rules), profile)
    marks = {}
    for nid, part in serialised.parts.items():
        explain, _ask = compile_tree(part, rules)
        marks[nid] = explain(profile, [])
    return Check(who, verdict.value, verdict.reasons, verdict.questions, marks)


def check_profile(data, *, user) -> tuple[dict | None, str]:
    """The profile to check the draft on: a person in the user's scope (their card is read,
    so it is audited like opening it), or the facts typed in the box; (None, "") for none."""
    raw_person = data.get("chk-person", "").strip()
    if raw_person:
        person = _person_to_check(raw_person, user)
        return services.profile_of(person), _("человек № %s") % person.pk
    typed = {
        key.removeprefix("chk-"): data.get(key)
        for key in data
        if key.startswith("chk-") and key != "chk-person" and data.get(key, "").strip()
    }
    if not typed:
        return None, ""
    if typed.get("disability_group") == "no":  # said «no disability»: known, not unknown
        typed["disability_group"] = ""
    return navigator.profile_from_params(typed), _("указанные признаки")


def _person_to_check(raw: str, user):
    """A person's number, or a phone (ten digits or more): the newest person with it."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    not_found = ValidationFailed(
        {"chk-person": _("Человек с таким номером или телефоном не найден в вашей зоне.")}
    )
    try:
        if raw.isdecimal() and len(raw) < 10:
            return people.get_person(
                person_id=int(raw), user=user, purpose=audit.Purpose.ELIGIBILITY
            )
        if len(digits) >= 10:
            found = people.find_by_phone(phone=raw, user=user, purpose=audit.Purpose.ELIGIBILITY)
            if found:
                return found[0]
            raise not_found
    except (NotFound, Forbidden) as exc:
        raise not_found from exc
    except ValidationFailed as exc:
        if exc is not_found:
            raise
        raise ValidationFailed({"chk-person": _("Некорректный номер телефона.")}) from exc
    raise ValidationFailed({"chk-person": _("Укажите номер человека или его телефон.")})


# --- saving -------------------------------------------------------------------------------


@transaction.atomic
def save_measure_conditions(
    *, measure_id: int, tree: dict, expected_version: int, actor, channel: str = "web"
) -> tuple[Measure, bool]:
    """Replace a measure's conditions; (measure, whether anything changed). A stale version is
    a conflict, an invalid tree a refusal: in both cases nothing is written."""
    require_editor(actor)
    measure = Measure.objects.select_for_update().filter(pk=measure_id).first()
    if measure is None:
        raise NotFound(_("Мера не найдена."))
    if measure.version != expected_version:
        raise Conflict(services.stale_message(Subject.MEASURE, measure.pk, measure.version))
    errors = validate(tree, rules=services.rules_by_code(), region_codes=services.region_codes())
    if errors:
        raise ValidationFailed(errors, _("Условия не сохранены: исправьте ошибки."))
    if tree == measure.eligibility:
        return measure, False
    before = measure.eligibility
    measure.eligibility = tree
    measure.version += 1
    measure.save(update_fields=["eligibility", "version", "updated_at"])
    rule_history.record_change(
        subject=Subject.MEASURE, object_id=measure.pk, code=measure.code,
        version=measure.version, before=before, after=tree, actor=actor, channel=channel,
    )  # fmt: skip
    return measure, True


def save_named_rule(
    *,
    code: str,
    name: str,
    description: str,
    tree: dict,
    expected_version: int,
    actor,
) -> tuple[EligibilityRule, bool]:
    """A named rule from the builder (`expected_version` 0: a new one, its code must be free)."""
    require_editor(actor)
    current = EligibilityRule.objects.filter(code=code).first()
    if expected_version == 0 and current is not None:
        raise ValidationFailed({"code": _("Правило с кодом «%s» уже есть.") % code})
    if (
        current is not None
        and current.version == expected_version
        and (current.name, current.description, current.condition) == (name, description, tree)
    ):
        return current, False
    rule = services.save_rule(
        code=code,
        name=name.strip(),
        condition=tree,
        actor=actor,
        description=description.strip(),
        expected_version=expected_version,
        channel="web",
    )
    return rule, True
