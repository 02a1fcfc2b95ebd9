"""Okta's official Python SDK (`okta` 3.4.6) against the sandbox's Okta emulator.

Run by crates/connector-cli/tests/python_sdk.rs with OKTA_CLIENT_ORGURL and
OKTA_CLIENT_TOKEN pointing at the emulator, and OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true
(the SDK's own switch for a plain-http org URL, read from the environment). Prints one `ok <operation>` line per
operation and exits non-zero (with the reason on stderr) at the first that fails.
"""

import asyncio
import os
import sys
import uuid

from okta.client import Client
from okta.models import (
    AssignRoleToUserRequest,
    CreateUserRequest,
    StandardRoleAssignmentSchema,
)


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def ok(operation):
    print(f"ok {operation}", flush=True)


async def main():
    client = Client(
        {
            "orgUrl": os.environ["OKTA_CLIENT_ORGURL"],
            "token": os.environ["OKTA_CLIENT_TOKEN"],
        }
    )
    login = f"sdk-{uuid.uuid4().hex[:10]}@example.com"
    tag = f"sdk{uuid.uuid4().hex[:8]}"

    # The SDK's models keep a custom attribute (`role`) only when built with from_dict.
    body = CreateUserRequest.from_dict(
        {
            "profile": {
                "login": login,
                "email": login,
                "firstName": "Sdk",
                "lastName": "User",
                "role": tag,
            },
            "credentials": {"password": {"value": "correct-horse-battery-9"}},
        }
    )
    user, _, err = await client.create_user(body, activate=True)
    check(err is None, f"create user: {err}")
    check(user is not None and user.id, f"create user: no user in the answer: {user!r}")
    check(user.profile.login == login, f"create user: login {user.profile.login!r}")
    ok("create-user")

    found, _, err = await client.get_user(login)
    check(err is None, f"get user by login: {err}")
    check(found.id == user.id, f"get user by login: id {found.id!r}, expected {user.id!r}")
    ok("get-user-by-login")

    role = AssignRoleToUserRequest(StandardRoleAssignmentSchema(type="HELP_DESK_ADMIN"))
    assigned, _, err = await client.assign_role_to_user(user.id, role)
    check(err is None, f"assign role: {err}")
    check(assigned is not None, "assign role: no assignment in the answer")
    _, _, err = await client.assign_role_to_user(user.id, role)
    check(err is not None, "assign role again: expected an error")
    check("E0000090" in str(err), f"assign role again: expected E0000090, got {err}")
    ok("assign-role")

    roles, _, err = await client.list_assigned_roles_for_user(user.id)
    check(err is None, f"list roles: {err}")
    types = []
    for r in roles or []:
        inner = getattr(r, "actual_instance", r)
        types.append(str(getattr(inner, "type", None)))
    check(
        any("HELP_DESK_ADMIN" in t for t in types),
        f"list roles: HELP_DESK_ADMIN not among {types}",
    )
    ok("list-roles")

    users, _, err = await client.list_users(search=f'profile.role eq "{tag}"')
    check(err is None, f"search by a custom attribute: {err}")
    check(
        [u.id for u in users] == [user.id],
        f"search by a custom attribute: {[u.id for u in users]}",
    )
    ok("search-by-custom-attribute")


asyncio.run(main())
