import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revalue.access import passwords
from revalue.access import service as access
from revalue.access.models import StaffMembership, StaffUser
from revalue.cli.main import app
from revalue.config import get_settings
from revalue.domain.errors import InvalidInput, NotFound, RevalueError
from tests import factories

PASSWORD = "a long enough password"


def create(session, **kw):
    args = {
        "email": "Ines@Example.com",
        "name": "Ines",
        "password": PASSWORD,
        "roles": ["inspector"],
        "program_ids": ["acme"],
        "ctx": factories.ctx(),
    }
    return access.create(session, **{**args, **kw})


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(StaffUser)),
        session.scalar(select(func.count()).select_from(StaffMembership)),
    )


def test_an_account_holds_its_roles_in_its_programs(sessions, seeded):
    with sessions.begin() as s:
        user = create(s, roles=["inspector", "receiver", "inspector"])
    with sessions() as s:
        [stored] = access.list_all(s)
        assert stored.email == "ines@example.com"
        assert sorted((m.role, m.program_id) for m in stored.memberships) == [
            ("inspector", "acme"),
            ("receiver", "acme"),
        ]
        assert passwords.verify(stored.password_hash, PASSWORD)
        assert user.disabled_at is None


def test_admin_is_installation_wide(sessions, seeded):
    with sessions.begin() as s:
        create(s, email="root@example.com", roles=["admin"], program_ids=[])
    with sessions() as s:
        [m] = access.list_all(s)[0].memberships
        assert (m.role, m.program_id) == ("admin", None)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"roles": ["wizard"]}, "unknown_role", "role"),
        ({"roles": []}, "invalid_input", "role"),
        ({"program_ids": []}, "role_scope", "program_id"),
        ({"roles": ["admin"]}, "role_scope", "program_id"),
        ({"program_ids": ["nope"]}, "program_not_found", "program_id"),
        ({"email": "not-an-email"}, "invalid_input", "email"),
        ({"password": "short"}, "weak_password", "password"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(sessions, seeded, changes, error, field):
    with pytest.raises(RevalueError) as exc, sessions.begin() as s:
        create(s, **changes)
    assert (exc.value.code, exc.value.details["field"]) == (error, field)
    with sessions() as s:
        assert counts(s) == (0, 0)


def test_an_email_has_one_account_whatever_its_case(sessions, seeded):
    with sessions.begin() as s:
        create(s)
    with pytest.raises(access.UserExists), sessions.begin() as s:
        create(s, email="INES@example.com", roles=["finance"])
    with sessions() as s:
        assert counts(s) == (1, 1)


def test_disabling_is_recorded_once(sessions, seeded):
    with sessions.begin() as s:
        create(s)
    with sessions.begin() as s:
        first = access.disable(s, "ines@example.com", factories.ctx()).disabled_at
    later = factories.ctx(factories.NOW.replace(year=2027))
    with sessions.begin() as s:
        again = access.disable(s, "INES@example.com", later).disabled_at
    assert first == again == factories.NOW
    with pytest.raises(NotFound), sessions.begin() as s:
        access.disable(s, "nobody@example.com", factories.ctx())


def test_unknown_role_lists_the_roles(sessions, seeded):
    with pytest.raises(InvalidInput) as exc, sessions.begin() as s:
        create(s, roles=["wizard"])
    assert "auditor" in exc.value.details["allowed"]


def test_users_cli_creates_lists_and_disables(database_url, sessions, seeded, monkeypatch):
    monkeypatch.setenv("REVALUE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        args = [
            "users",
            "create",
            "tom@example.com",
            "--name",
            "Tom",
            "--role",
            "technician",
            "--program",
            "acme",
            "--password-stdin",
        ]
        made = runner.invoke(app, args, input=PASSWORD + "\n")
        assert made.exit_code == 0, made.output
        assert "technician@acme" in made.output
        again = runner.invoke(app, args, input=PASSWORD + "\n")
        assert again.exit_code == 1 and "user_exists" in again.output
        listed = runner.invoke(app, ["users", "list"])
        assert "tom@example.com" in listed.output and "active" in listed.output
        assert PASSWORD not in listed.output
        assert runner.invoke(app, ["users", "disable", "tom@example.com"]).exit_code == 0
        assert "disabled" in runner.invoke(app, ["users", "list"]).output
    finally:
        get_settings.cache_clear()
