import pytest

from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Centre, Line


@pytest.fixture
def national(make_user):
    """The national line's menu: two branches at the top, one under «3», and its agents."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    centre.lines.add(line)
    for path, code, name in [
        ("1", "food", "Продукты"),
        ("2", "meds", "Лекарства"),
        ("3-1", "psy", "Психолог"),
        ("3-2", "law", "Юрист"),
    ]:
        Queue.objects.create(
            line=line, code=code, name=name, skill=code, ivr_path=path, escalation=[[0, 1]]
        )
    agents = {
        name: Agent.objects.create(user=make_user(name), centre=centre, skills={skill: 2})
        for name, skill in [("ivanova", "food"), ("petrov", "meds"), ("sidorova", "psy")]
    }
    return {"line": line, "centre": centre, "agents": agents}
