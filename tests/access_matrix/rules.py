"""Who may call what: the declared access rule of every API operation and every page.

The role sets come from the rights table (`vmeste/accounts/roles.py`), never from what the
server answers: `having(Right.X)` is every role the table grants X. A new endpoint without an
entry here fails the matrix (tests/test_access_matrix.py).

What a rule promises, for a user scoped to RU-VGG:
- a role the rule lets in never gets 401/403 nor a server error, and a record of another
  region named in the path answers 404 (its existence is not told);
- any other signed-in role gets `denied` (403 unless said otherwise), in scope or not;
- an anonymous caller gets 401 (API) or the sign-in redirect (pages), unless public.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmeste.accounts import access
from vmeste.accounts.roles import RIGHTS, Right, Role

ALL_ROLES = frozenset(Role)


def having(*rights: str) -> frozenset[str]:
    """The roles the rights table grants any one of these rights."""
    return frozenset(role for role in Role if RIGHTS[role] & set(rights))


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] | None  # None: public, anonymous callers too
    denied: int = 403
    denied_for: dict = field(default_factory=dict)  # role → another refusal (a redirect)
    record: str = ""  # the kind a page's bare `pk` names (API paths name it themselves)
    outside: int = 404  # the answer, to a role let in, about a record of another region
    pending: str = ""  # a defect of issue 12 that another change fixes: answers differ now

    def refusal(self, role: str) -> int:
        return self.denied_for.get(role, self.denied)


PUBLIC = Rule(None)
SIGNED_IN = Rule(ALL_ROLES)


def only(*rights: str, **options) -> Rule:
    return Rule(having(*rights), **options)


R = Right
# Reading a person, a request, a contact: the right to personal data (issue 12, defect 2:
# volunteers, couriers and analysts never read them through any channel).
READ_CASES = only(R.SEE_PERSONAL_DATA)
# Form targets that refuse with a flash message and a redirect back, not with a 403 page:
# a record out of scope is refused the same way (the message says it is not found).
FLASHED = 302
# Who reads which kind at all is access.py's table: deliveries (staff in scope, couriers and
# volunteers their own), referrals (casework roles and regional managers).
_READS_DELIVERIES = Rule(
    frozenset(r for r in Role if access.POLICY[r].get(access.Kind.DELIVERY, (access.Reach.NONE,))[0]
              is not access.Reach.NONE)
)  # fmt: skip
_NO_DELIVERIES = {r: 403 for r in Role if r not in _READS_DELIVERIES.roles}
_READS_REFERRALS = Rule(having(R.HANDLE_REQUESTS) | {Role.REGIONAL_MANAGER})

API: dict[str, Rule] = {
    "GET /api/v1/regions": SIGNED_IN,
    "GET /api/v1/categories": SIGNED_IN,
    "GET /api/v1/lines": SIGNED_IN,
    "GET /api/v1/me": SIGNED_IN,
    "GET /api/v1/tokens": SIGNED_IN,
    "POST /api/v1/tokens": SIGNED_IN,
    "DELETE /api/v1/tokens/{token_id}": SIGNED_IN,
    "GET /api/v1/users": only(R.MANAGE_USERS),
    "POST /api/v1/users": only(R.MANAGE_USERS),
    "GET /api/v1/audit": only(R.MANAGE_USERS),
    # people: lookups by phone are searches of personal data
    "GET /api/v1/persons": READ_CASES,
    "GET /api/v1/persons/{person_id}": READ_CASES,
    "PATCH /api/v1/persons/{person_id}": only(R.REGISTER),
    "GET /api/v1/persons/{person_id}/duplicates": READ_CASES,
    "POST /api/v1/persons/{person_id}/merge": only(R.MERGE_PERSONS),
    "GET /api/v1/persons/{person_id}/eligibility": READ_CASES,
    # contacts and requests
    "POST /api/v1/contacts": only(R.REGISTER),
    "GET /api/v1/contacts": READ_CASES,
    "GET /api/v1/contacts/{contact_id}": READ_CASES,
    "POST /api/v1/requests": only(R.REGISTER),
    "GET /api/v1/requests": READ_CASES,
    "GET /api/v1/requests/{request_id}": READ_CASES,
    "POST /api/v1/requests/{request_id}/transitions": only(R.HANDLE_REQUESTS),
    "POST /api/v1/requests/{request_id}/assign": only(R.HANDLE_REQUESTS),
    "POST /api/v1/requests/{request_id}/comments": only(R.HANDLE_REQUESTS),
    # knowledge base: everyone reads, curators write
    "GET /api/v1/kb/search": SIGNED_IN,
    "GET /api/v1/kb/articles": SIGNED_IN,
    "POST /api/v1/kb/articles": only(R.EDIT_REFERENCE),
    "GET /api/v1/kb/articles/{slug}": SIGNED_IN,
    "PUT /api/v1/kb/articles/{slug}": only(R.EDIT_REFERENCE),
    "DELETE /api/v1/kb/articles/{slug}": only(R.EDIT_REFERENCE),
    "POST /api/v1/kb/articles/{slug}/transitions": only(R.EDIT_REFERENCE),
    "GET /api/v1/kb/articles/{slug}/versions": only(R.EDIT_REFERENCE),
    "POST /api/v1/kb/articles/{slug}/versions/{number}/restore": only(R.EDIT_REFERENCE),
    "GET /api/v1/kb/synonyms": SIGNED_IN,
    "POST /api/v1/kb/synonyms": only(R.EDIT_REFERENCE),
    "PUT /api/v1/kb/synonyms/{synonym_id}": only(R.EDIT_REFERENCE),
    "DELETE /api/v1/kb/synonyms/{synonym_id}": only(R.EDIT_REFERENCE),
    "POST /api/v1/kb/uses": SIGNED_IN,
    "GET /api/v1/kb/helpful": SIGNED_IN,
    # directory: measures and services are public knowledge for staff; candidates and
    # referrals concern requests
    "GET /api/v1/measures": SIGNED_IN,
    "POST /api/v1/measures": only(R.EDIT_REFERENCE),
    "GET /api/v1/measures/rules": SIGNED_IN,
    "POST /api/v1/measures/rules": only(R.EDIT_REFERENCE),
    "GET /api/v1/measures/{measure_id}": SIGNED_IN,
    "PUT /api/v1/measures/{measure_id}": only(R.EDIT_REFERENCE),
    "GET /api/v1/measures/{measure_id}/candidates": only(R.HANDLE_REQUESTS),
    # a regional manager oversees their region's cases, referrals included (access.py)
    "GET /api/v1/requests/{request_id}/referrals": _READS_REFERRALS,
    "POST /api/v1/requests/{request_id}/referrals": only(R.HANDLE_REQUESTS),
    "POST /api/v1/referrals/{referral_id}/transition": only(R.HANDLE_REQUESTS),
    "GET /api/v1/directory/services": SIGNED_IN,
    # volunteers: the public form; the volunteer's own card; recruitment for managers
    "GET /api/v1/volunteers/application-form": PUBLIC,
    "POST /api/v1/volunteers/apply": PUBLIC,
    "GET /api/v1/volunteers": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/me": SIGNED_IN,
    "GET /api/v1/volunteers/expiring-documents": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/trainings": SIGNED_IN,
    "POST /api/v1/volunteers/trainings": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/requirements/{centre}": SIGNED_IN,
    "PUT /api/v1/volunteers/requirements/{centre}": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/volunteers/import": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/{volunteer_id}": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/{volunteer_id}/eligibility": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/volunteers/{volunteer_id}/events": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/volunteers/{volunteer_id}/status": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/volunteers/{volunteer_id}/documents": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/volunteers/{volunteer_id}/trainings": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/volunteers/{volunteer_id}/roles": only(R.MANAGE_VOLUNTEERS),
    "DELETE /api/v1/volunteers/{volunteer_id}/roles/{role}": only(R.MANAGE_VOLUNTEERS),
    # shifts: the calendar is read by everyone on a centre; managers plan it
    "GET /api/v1/shifts/templates": SIGNED_IN,
    "POST /api/v1/shifts/templates": only(R.MANAGE_VOLUNTEERS),
    "POST /api/v1/shifts/generate": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/shifts": SIGNED_IN,
    "GET /api/v1/shifts/coverage": only(R.MANAGE_VOLUNTEERS),
    "GET /api/v1/shifts/mine": SIGNED_IN,
    "GET /api/v1/shifts/feed/{token}.ics": PUBLIC,  # the token in the address is the key
    "POST /api/v1/shifts/swap": SIGNED_IN,
    "GET /api/v1/shifts/{shift_id}": SIGNED_IN,
    "POST /api/v1/shifts/{shift_id}/assignments": SIGNED_IN,
    "DELETE /api/v1/shifts/assignments/{assignment_id}": SIGNED_IN,
    "POST /api/v1/shifts/assignments/{assignment_id}/check-in": SIGNED_IN,
    "POST /api/v1/shifts/assignments/{assignment_id}/check-out": SIGNED_IN,
    # deliveries: dispatchers; a courier reaches only their own tasks (others: 404)
    "POST /api/v1/deliveries": only(R.HANDLE_REQUESTS),
    "GET /api/v1/deliveries": only(R.HANDLE_REQUESTS),
    "GET /api/v1/deliveries/board": only(R.HANDLE_REQUESTS),
    "POST /api/v1/deliveries/auto-assign": only(R.HANDLE_REQUESTS),
    "GET /api/v1/deliveries/mine": _READS_DELIVERIES,
    "GET /api/v1/deliveries/{delivery_id}": only(
        R.HANDLE_REQUESTS, denied=404, denied_for=_NO_DELIVERIES
    ),
    "POST /api/v1/deliveries/{delivery_id}/assign": only(R.HANDLE_REQUESTS),
    "POST /api/v1/deliveries/{delivery_id}/status": only(
        R.HANDLE_REQUESTS, denied=404, denied_for=_NO_DELIVERIES
    ),
    # figures and the telephony edge
    "GET /api/v1/contactcenter/wallboard": only(R.SEE_FIGURES),
    # Being an agent (a row of the contact centre, not a role) lets one transfer their own
    # call: the matrix's users are no agents, so every role is refused.
    "POST /api/v1/contactcenter/calls/{call_id}/transfer": Rule(frozenset()),
    "POST /api/v1/contactcenter/calls/{call_id}/consultation/end": Rule(frozenset()),
    "POST /api/v1/telephony/events": only(R.TELEPHONY_EVENTS),
    "POST /api/v1/telephony/dispatch": only(R.TELEPHONY_EVENTS),
    "GET /api/v1/figures": only(R.SEE_FIGURES),
    # voice menus: their editors (a right of its own); the media application reads what to play
    "GET /api/v1/ivr/{line}": only(R.EDIT_VOICE_MENU),
    "PUT /api/v1/ivr/{line}": only(R.EDIT_VOICE_MENU),
    "POST /api/v1/ivr/{line}/check": only(R.EDIT_VOICE_MENU),
    "POST /api/v1/ivr/{line}/nodes/{node}/recording": only(R.EDIT_VOICE_MENU),
    "GET /api/v1/ivr/{line}/media": only(R.TELEPHONY_EVENTS),
    # a line as data (vmeste/launch): who sets lines up curates the reference
    "GET /api/v1/lines/templates": only(R.EDIT_REFERENCE),
    "POST /api/v1/lines/from-template": only(R.EDIT_REFERENCE),
    "POST /api/v1/lines/import": only(R.EDIT_REFERENCE),
    "GET /api/v1/lines/{code}/configuration": only(R.EDIT_REFERENCE),
    "GET /api/v1/lines/{code}/checklist": only(R.EDIT_REFERENCE),
    "GET /api/v1/lines/{code}/history": only(R.EDIT_REFERENCE),
    "POST /api/v1/lines/{code}/open": only(R.EDIT_REFERENCE),
    "POST /api/v1/lines/{code}/close": only(R.EDIT_REFERENCE),
    # the data lifecycle (vmeste/privacy)
    "GET /api/v1/persons/{person_id}/subject-copy": only(R.SUBJECT_COPY),
    "POST /api/v1/persons/{person_id}/consent/withdrawal": only(R.REGISTER),
    "POST /api/v1/persons/{person_id}/consent/renewal": only(R.REGISTER),
    # the SIP edge's questions (vmeste/telephony): its service account only
    "GET /api/v1/telephony/edge/route": only(R.TELEPHONY_EVENTS),
    "GET /api/v1/telephony/callbacks/due": only(R.TELEPHONY_EVENTS),
    "GET /api/v1/telephony/edge/credentials/{username}": only(R.TELEPHONY_EVENTS),
    "GET /api/v1/telephony/edge/menu/{line}": only(R.TELEPHONY_EVENTS),
    "GET /api/v1/telephony/edge/calls/{call_id}/queue": only(R.TELEPHONY_EVENTS),
    "POST /api/v1/telephony/edge/registrations/{username}/lost": only(R.TELEPHONY_EVENTS),
    "POST /api/v1/telephony/edge/callbacks/{call_id}/stranded": only(R.TELEPHONY_EVENTS),
    "POST /api/v1/telephony/edge/transfers/claim": only(R.TELEPHONY_EVENTS),
}

_CURATORS = only(R.EDIT_REFERENCE)
_MANAGERS = only(R.MANAGE_VOLUNTEERS, denied=404)  # the pages do not tell they exist

PAGES: dict[str, Rule] = {
    "page :healthz": PUBLIC,
    "page :set_language": PUBLIC,
    "page accounts:login": PUBLIC,
    "page accounts:logout": PUBLIC,
    "page vmeste_admin:index": only(R.EDIT_REFERENCE, R.MANAGE_USERS, denied=302),
    "page core:home": SIGNED_IN,
    "page people:person_detail": READ_CASES,
    "page people:person_merge": only(R.MERGE_PERSONS, denied=FLASHED),
    "page contacts:caller_history": only(R.REGISTER),
    "page assistance:request_list": READ_CASES,
    "page assistance:call_card": only(
        R.REGISTER,
        # roles that count or oversee are sent to their own start page
        denied_for={Role.ANALYST: 302, Role.REGIONAL_MANAGER: 302},
    ),
    "page assistance:line_panel": SIGNED_IN,
    "page assistance:my_work": only(R.HANDLE_REQUESTS),
    "page assistance:request_detail": READ_CASES,
    "page assistance:request_transition": only(R.HANDLE_REQUESTS),
    "page assistance:request_assign": only(R.HANDLE_REQUESTS),
    "page assistance:request_comment": only(R.HANDLE_REQUESTS),
    "page knowledge:list": SIGNED_IN,
    "page knowledge:search": SIGNED_IN,
    "page knowledge:create": _CURATORS,
    "page knowledge:preview": _CURATORS,
    "page knowledge:use": SIGNED_IN,
    "page knowledge:synonyms": SIGNED_IN,
    "page knowledge:detail": SIGNED_IN,
    "page knowledge:panel_article": SIGNED_IN,
    "page knowledge:edit": _CURATORS,
    "page knowledge:transition": _CURATORS,
    "page knowledge:history": _CURATORS,
    "page knowledge:restore": _CURATORS,
    "page directory:search": SIGNED_IN,
    "page directory:panel_facts": SIGNED_IN,
    "page directory:panel": READ_CASES,
    "page directory:referrals": only(R.HANDLE_REQUESTS),
    "page directory:move_referral": only(R.HANDLE_REQUESTS),
    "page directory:rules": _CURATORS,
    "page directory:rule_measure": _CURATORS,
    "page directory:rule_new": _CURATORS,
    "page directory:rule_named": _CURATORS,
    "page :hsds-index": PUBLIC,
    "page :hsds-services": PUBLIC,
    "page :hsds-service": PUBLIC,
    "page :hsds-organizations": PUBLIC,
    "page :hsds-organization": PUBLIC,
    "page :hsds-service_at_locations": PUBLIC,
    "page :hsds-service_at_location": PUBLIC,
    "page :hsds-taxonomies": PUBLIC,
    "page :hsds-taxonomy": PUBLIC,
    "page :hsds-taxonomy_terms": PUBLIC,
    "page :hsds-taxonomy_term": PUBLIC,
    "page volunteers:apply": PUBLIC,
    "page volunteers:my_shifts": SIGNED_IN,
    "page volunteers:shift_action": SIGNED_IN,
    "page volunteers:my_hours": SIGNED_IN,
    "page volunteers:my_trainings": SIGNED_IN,
    "page volunteers:coverage": _MANAGERS,
    "page volunteers:staff_list": _MANAGERS,
    "page volunteers:staff_transfer": _MANAGERS,
    "page volunteers:staff_card": only(R.MANAGE_VOLUNTEERS, denied=404, record="volunteer"),
    "page volunteers:staff_action": only(R.MANAGE_VOLUNTEERS, denied=404, record="volunteer"),
    "page volunteers:staff_calendar": _MANAGERS,
    "page volunteers:calendar_action": _MANAGERS,
    "page deliveries:mine": _READS_DELIVERIES,
    "page deliveries:board": only(R.HANDLE_REQUESTS, denied=404),
    # the courier's step: the courier of the task or a dispatcher; others are flashed
    "page deliveries:step": only(
        R.HANDLE_REQUESTS, denied=FLASHED, record="delivery", outside=FLASHED
    ),
    "page deliveries:assign": only(
        R.HANDLE_REQUESTS, denied=FLASHED, record="delivery", outside=FLASHED
    ),
    "page deliveries:auto_assign": only(R.HANDLE_REQUESTS, denied=FLASHED),
    "page contactcenter:workplace": SIGNED_IN,
    "page contactcenter:toolbar": SIGNED_IN,
    "page contactcenter:toolbar_event": SIGNED_IN,
    "page contactcenter:toolbar_transfer": SIGNED_IN,
    "page contactcenter:toolbar_consultation": SIGNED_IN,
    "page contactcenter:wallboard": only(R.SEE_FIGURES),
    "page contactcenter:wall": only(R.SEE_FIGURES),
    "page contactcenter:wall_board": only(R.SEE_FIGURES),
    "page contactcenter:screen_pop": SIGNED_IN,
    "page reports:figures": only(R.SEE_FIGURES),
    "page reports:export": only(R.SEE_FIGURES),  # an export of the figures shown
    "page contactcenter:ivr_menus": only(R.EDIT_VOICE_MENU),
    "page contactcenter:ivr_menu": only(R.EDIT_VOICE_MENU),
    "page contactcenter:ivr_upload": only(R.EDIT_VOICE_MENU),
    "page contactcenter:ivr_listen": only(R.EDIT_VOICE_MENU, denied=404),  # an <audio> source
    # two-factor sign-in: every signed-in user reaches its own steps
    "page accounts:twofactor_setup": SIGNED_IN,
    "page accounts:twofactor_verify": SIGNED_IN,
    # a line as data
    "page launch:lines": only(R.EDIT_REFERENCE),
    "page launch:line": only(R.EDIT_REFERENCE),
    "page launch:configuration": only(R.EDIT_REFERENCE),
    "page launch:action": only(R.EDIT_REFERENCE),
    "page launch:centres": only(R.EDIT_REFERENCE),
    "page launch:centre": only(R.EDIT_REFERENCE),
    # the data lifecycle: withdrawal and renewal are form targets on the person card
    "page privacy:withdraw": only(R.REGISTER),
    "page privacy:renew": only(R.REGISTER),
    "page privacy:subject_copy": only(R.SUBJECT_COPY),
    # the request page's deliveries: the block and the pre-filled form (dispatchers)
    "page deliveries:for_request": only(R.HANDLE_REQUESTS),
    "page deliveries:create_for_request": only(R.HANDLE_REQUESTS),
    "page people:person_edit": only(R.REGISTER),
}


# Searches: the query parameter that carries a phone or a name, for the ones over personal
# data (their answers must hold only records in the caller's scope); None for searches of
# reference knowledge (articles, measures, services) that belong to no region.
SEARCHES: dict[str, str | None] = {
    "GET /api/v1/persons": "phone",
    "GET /api/v1/requests": "q",
    "GET /api/v1/contacts": "caller_number",
    "GET /api/v1/kb/search": None,
    "GET /api/v1/measures": None,
    "GET /api/v1/directory/services": None,
}
SEARCH_PARAMS = {"q", "phone", "caller_number", "name", "text", "search"}
