"""The free agents: who may take a call now, and the lock every dispatch takes on them.

The lock is the hottest statement of the served path: every «ready» and every call's
first event takes it. Built by the ORM it cost 2.4–2.6 ms on PostgreSQL for some 25 free
agents, of which the database's share was under 1 ms: compiling the query (half a
millisecond) and making a user object of some twenty columns for each agent (the join
also made PostgreSQL scan every user). Its SQL is now written once per database vendor
from the models' own table and column names, and each agent's user comes with only the
username the dispatch and the telephony's answers use; any other field of that user is
read from the database on first use (Django's deferred fields), as on a sign-in, whose
check asks the user's role. Measured: 1.2 ms for the same rows (contactcenter/README.md,
"Sixth pass").
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q

from vmeste.contactcenter.models import Agent
from vmeste.contactcenter.transitions import AgentState


def free_at(now: datetime) -> Q:
    """The agents free to take a call: available, or in a wrap-up whose time has passed
    (``Agent.wrap_up_until``; the dispatch makes them available from that moment).
    ``is_free`` is the same rule on a row already read, ``lock_free`` in SQL."""
    return Q(state=AgentState.AVAILABLE) | Q(state=AgentState.WRAP_UP, wrap_up_until__lte=now)


def is_free(agent: Agent, now: datetime) -> bool:
    """``free_at`` on a row already read (the event's own agent, just moved)."""
    if agent.state == AgentState.AVAILABLE:
        return True
    until = agent.wrap_up_until
    return agent.state == AgentState.WRAP_UP and until is not None and until <= now


def lock_free(now: datetime, *, also: str = "") -> list[Agent]:
    """The agents free at ``now`` (and the agent named ``also``, whatever their state),
    locked in one statement in primary-key order: every transaction that locks several
    agents before an event's own takes them in that one order, so that two servers never
    each hold an agent the other waits for."""
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [AgentState.AVAILABLE.value, AgentState.WRAP_UP.value, moment, also]
    agents = list(Agent.objects.raw(_lock_free_sql(connection.vendor), params))
    User = get_user_model()
    for agent in agents:
        user = User.from_db(connection.alias, ["id", "username"], (agent.user_id, agent.username))
        Agent.user.field.set_cached_value(agent, user)
    return agents


def free_now(agents: list[Agent], now: datetime) -> list[Agent]:
    """Those of ``agents`` free at ``now``, longest idle first: the order they ask for
    calls in."""
    free = [agent for agent in agents if is_free(agent, now)]
    return sorted(free, key=lambda agent: (agent.state_since, agent.pk))


@cache
def _lock_free_sql(vendor: str) -> str:
    """``free_at`` or the agent named by username, locked (where the database locks rows)
    in primary-key order, with each agent's username. The named agent is found by primary
    key first: an OR on the users' table made it a scan. ``vendor`` keys the cache."""
    qn, features = connection.ops.quote_name, connection.features
    agent_meta, user_meta = Agent._meta, get_user_model()._meta

    def column(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    agents, users = qn(agent_meta.db_table), qn(user_meta.db_table)
    a_id, a_user = column(agent_meta, "id"), column(agent_meta, "user")
    state, until = column(agent_meta, "state"), column(agent_meta, "wrap_up_until")
    u_id, u_name = column(user_meta, "id"), column(user_meta, "username")
    lock = ""
    if features.has_select_for_update:
        lock = " FOR UPDATE OF a" if features.has_select_for_update_of else " FOR UPDATE"
    return (
        f"SELECT a.*, (SELECT u.{u_name} FROM {users} u WHERE u.{u_id} = a.{a_user}) AS username"
        f" FROM {agents} a WHERE a.{state} = %s OR (a.{state} = %s AND a.{until} <= %s)"
        f" OR a.{a_id} = (SELECT b.{a_id} FROM {agents} b JOIN {users} v ON v.{u_id} = b.{a_user}"
        f" WHERE v.{u_name} = %s) ORDER BY a.{a_id}{lock}"
    )
