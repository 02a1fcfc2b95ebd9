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
    AddGroupRequest,
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

    # The lifecycle and the System Log, with Okta's own operations.
    group, _, err = await client.add_group(
        AddGroupRequest.from_dict({"profile": {"name": f"sdk-{tag}"}})
    )
    check(err is None, f"create group: {err}")
    result = await client.assign_user_to_group(group.id, user.id)
    check(result[-1] is None, f"add user to group: {result[-1]}")
    groups, _, err = await client.list_user_groups(user.id)
    check(err is None, f"list user groups: {err}")
    check(
        [g.id for g in groups or []] == [group.id],
        f"list user groups: {[g.id for g in groups or []]}",
    )
    ok("list-user-groups")

    result = await client.suspend_user(user.id)
    check(result[-1] is None, f"suspend user: {result[-1]}")
    suspended, _, err = await client.get_user(user.id)
    check(err is None and str(suspended.status).endswith("SUSPENDED"), f"suspend user: {suspended.status}")
    result = await client.suspend_user(user.id)
    check(result[-1] is not None, "suspend a suspended user: expected an error")
    check("E0000001" in str(result[-1]), f"suspend again: expected E0000001, got {result[-1]}")
    ok("suspend-user")

    result = await client.deactivate_user(user.id, send_email=False)
    check(result[-1] is None, f"deactivate user: {result[-1]}")
    gone, _, err = await client.get_user(user.id)
    check(err is None and str(gone.status).endswith("DEPROVISIONED"), f"deactivate user: {gone.status}")
    ok("deactivate-user")

    events, _, err = await client.list_log_events(
        filter=f'eventType eq "user.lifecycle.deactivate" and target.id eq "{user.id}"',
        until="2999-01-01T00:00:00.000Z",
    )
    check(err is None, f"list logs: {err}")
    check(len(events or []) == 1, f"list logs: {len(events or [])} events")
    check(events[0].event_type == "user.lifecycle.deactivate", f"list logs: {events[0].event_type}")
    check(events[0].target[0].id == user.id, f"list logs: target {events[0].target[0].id}")
    ok("list-logs")


asyncio.run(main())
