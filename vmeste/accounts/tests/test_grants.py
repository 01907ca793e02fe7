"""Nobody grants more scope or rights than they hold (issue 12, defect 5): a region-scoped
administrator creates, changes, lists and audits only users inside their scope, over the
API and the curation pages (/admin/)."""

import pytest

from vmeste.accounts.models import AuditEntry, User
from vmeste.core.models import Line, Region

pytestmark = pytest.mark.django_db

PASSWORD = "Long-pass-42!"


@pytest.fixture
def staff(make_user):
    """A Volgograd administrator and the users around them."""
    return {
        "admin": make_user("adm-vgg", "administrator", regions=["RU-VGG"]),
        "national": make_user("adm-all", "administrator"),
        "vgg": make_user("op-vgg", "operator", regions=["RU-VGG"]),
        "sam": make_user("op-sam", "operator", regions=["RU-SAM"]),
        "both": make_user("op-both", "operator", regions=["RU-VGG", "RU-SAM"]),
        "anywhere": make_user("op-all", "operator"),
        "pbx": make_user("pbx", "telephony"),
    }


def new_user(**changes) -> dict:
    return {"username": "new", "role": "operator", "password": PASSWORD, **changes}


def test_a_regional_administrator_cannot_create_wider_scope_or_rights(api_as):
    regional = api_as("administrator", regions=["RU-VGG"])
    for payload, field in [
        (new_user(role="administrator"), "regions"),  # no regions: all of them
        (new_user(regions=["RU-SAM"]), "regions"),
        (new_user(regions=["RU-VGG", "RU-SAM"]), "regions"),
        (new_user(regions=["RU-VGG"], role="telephony"), "role"),
    ]:
        refused = regional.post("/api/v1/users", payload)
        assert refused.status_code == 422, payload
        assert field in refused.json()["error"]["fields"], refused.json()
    assert not User.objects.filter(username="new").exists()
    made = regional.post("/api/v1/users", new_user(role="administrator", regions=["RU-VGG"]))
    assert made.status_code == 201 and made.json()["regions"] == ["RU-VGG"]


def test_a_line_scoped_administrator_grants_only_their_lines(api_as):
    admin = api_as("administrator", lines=["volgograd-volunteers"])
    refused = admin.post("/api/v1/users", new_user())
    assert refused.status_code == 422 and "lines" in refused.json()["error"]["fields"]
    made = admin.post("/api/v1/users", new_user(lines=["volgograd-volunteers"]))
    assert made.status_code == 201


def test_an_unlimited_administrator_grants_anything_they_hold(api_as):
    national = api_as("administrator")
    assert national.post("/api/v1/users", new_user(role="administrator")).status_code == 201
    # The telephony service account holds a right no administrator has: the command line
    # (`vmeste user create --role telephony`) makes it.
    refused = national.post("/api/v1/users", new_user(username="pbx", role="telephony"))
    assert refused.status_code == 422 and "role" in refused.json()["error"]["fields"]
    assert api_as("operator").post("/api/v1/users", new_user()).status_code == 403


def test_the_user_list_holds_only_users_inside_the_scope(staff, client):
    from vmeste.accounts.services import issue_token

    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(username='adm-vgg')}"}
    listed = client.get("/api/v1/users", **auth).json()
    assert sorted(u["username"] for u in listed["items"]) == ["adm-vgg", "op-vgg"]
    assert listed["count"] == 2
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(username='adm-all')}"}
    everyone = client.get("/api/v1/users", **auth).json()["items"]
    assert {u["username"] for u in everyone} == {u.username for u in staff.values()} - {"pbx"}


def test_the_audit_log_holds_only_the_scopes_users_and_persons(staff, client):
    from vmeste.accounts.services import issue_token
    from vmeste.people.services import PersonInput, find_by_phone, find_or_register

    def person(actor, region: str, phone: str):
        data = PersonInput(phone=phone, region=Region.objects.get(code=region))
        return find_or_register(data=data, consent=True, actor=actor)[0]

    in_vgg = person(staff["vgg"], "RU-VGG", "+79275550001")
    in_sam = person(staff["sam"], "RU-SAM", "+79275550002")
    find_by_phone(phone="+79275550001", user=staff["vgg"])  # a Volgograd user, a VGG person
    find_by_phone(phone="+79275550001", user=staff["anywhere"])  # a national user, a VGG person
    find_by_phone(phone="+79275550002", user=staff["sam"])  # Samara only
    find_by_phone(phone="+79275550002", user=staff["anywhere"])  # Samara only
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(username='adm-vgg')}"}
    log = client.get("/api/v1/audit", **auth).json()
    seen = sorted((e["user"], e["object_id"]) for e in log["items"])
    assert seen == sorted([("op-vgg", str(in_vgg.pk)), ("op-all", str(in_vgg.pk))])
    assert log["count"] == 2
    assert str(in_sam.pk) not in {e["object_id"] for e in log["items"]}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(username='adm-all')}"}
    assert client.get("/api/v1/audit", **auth).json()["count"] == AuditEntry.objects.count() == 4


# --- The curation pages (/admin/) ---


def user_form(user: User, **changes) -> dict:
    """The change form as the page posts it."""
    form = {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "language": user.language,
        "role": user.role,
        "centre": "",
        "regions": [r.pk for r in user.regions.all()],
        "lines": [line.pk for line in user.lines.all()],
        "is_active": "on",
    }
    form.update(changes)
    return form


def test_the_admin_pages_list_and_open_only_users_inside_the_scope(staff, client):
    client.force_login(staff["admin"])
    listed = client.get("/admin/accounts/user/")
    assert listed.status_code == 200
    assert {u.username for u in listed.context["cl"].result_list} == {"adm-vgg", "op-vgg"}
    for outside in ("national", "sam", "both", "anywhere"):
        pk = staff[outside].pk
        assert client.get(f"/admin/accounts/user/{pk}/change/").status_code == 302, outside
        taken = client.post(
            f"/admin/accounts/user/{pk}/password/",
            {"password1": PASSWORD, "password2": PASSWORD},
        )
        assert taken.status_code in (302, 404), outside
        assert not User.objects.get(pk=pk).check_password(PASSWORD), outside
    assert client.get(f"/admin/accounts/user/{staff['vgg'].pk}/change/").status_code == 200


def test_the_admin_pages_refuse_to_widen_a_scope_or_a_role(staff, client):
    client.force_login(staff["admin"])
    vgg, sam = Region.objects.get(code="RU-VGG"), Region.objects.get(code="RU-SAM")
    url = f"/admin/accounts/user/{staff['vgg'].pk}/change/"
    for changes in (
        {"regions": []},  # all regions
        {"regions": [vgg.pk, sam.pk]},
        {"role": "telephony"},
    ):
        page = client.post(url, user_form(staff["vgg"], **changes))
        assert page.status_code == 200 and page.context["adminform"].form.errors, changes
    own = client.post(url, user_form(staff["admin"], regions=[]))  # not even for oneself
    assert own.status_code == 200
    staff["vgg"].refresh_from_db()
    assert [r.code for r in staff["vgg"].regions.all()] == ["RU-VGG"]
    assert staff["vgg"].role == "operator"
    line = Line.objects.get(code="volgograd-volunteers")
    saved = client.post(
        url, user_form(staff["vgg"], role="coordinator", lines=[line.pk], first_name="Вера")
    )
    assert saved.status_code == 302
    staff["vgg"].refresh_from_db()
    assert staff["vgg"].role == "coordinator" and staff["vgg"].first_name == "Вера"


def test_the_admin_add_page_holds_a_new_user_to_the_grant(staff, client):
    client.force_login(staff["admin"])
    vgg = Region.objects.get(code="RU-VGG")
    form = {"username": "new", "password1": PASSWORD, "password2": PASSWORD, "centre": ""}
    page = client.post("/admin/accounts/user/add/", {**form, "role": "administrator"})
    assert page.status_code == 200 and "regions" in page.context["adminform"].form.errors
    assert not User.objects.filter(username="new").exists()
    made = client.post(
        "/admin/accounts/user/add/", {**form, "role": "administrator", "regions": [vgg.pk]}
    )
    assert made.status_code == 302
    assert [r.code for r in User.objects.get(username="new").regions.all()] == ["RU-VGG"]


def test_the_admin_audit_and_token_pages_keep_to_the_scope(staff, client):
    from vmeste.accounts.services import issue_token

    issue_token(username="op-vgg")
    issue_token(username="op-sam")
    AuditEntry.objects.create(user=staff["vgg"], action="view", object_type="x", object_id="1")
    AuditEntry.objects.create(user=staff["sam"], action="view", object_type="x", object_id="2")
    client.force_login(staff["admin"])
    tokens = client.get("/admin/accounts/apitoken/").context["cl"].result_list
    assert [t.user.username for t in tokens] == ["op-vgg"]
    entries = client.get("/admin/accounts/auditentry/").context["cl"].result_list
    assert [e.object_id for e in entries] == ["1"]
