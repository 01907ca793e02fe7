import pytest

from vmeste.launch import services


@pytest.fixture
def tver(db, make_user):
    """A regional volunteer line made from its template in Tver, with three agents."""
    services.create_from_template(template="regional-volunteers", code="tver", region="RU-TVE")
    for name in ("ivanova", "petrov", "sidorova"):
        make_user(name, "operator")
    return services.line_for(code="tver")


AGENTS = """agents:
- user: ivanova
  centre: tver
  skills:
    food: 3
    medicines: 2
- user: petrov
  centre: tver
  skills:
    psychology: 4
- user: sidorova
  centre: tver
  skills:
    social: 1
"""


def staffed(text: str) -> str:
    """The exported file with the three agents in it."""
    return text.replace("agents: []\n", AGENTS)
