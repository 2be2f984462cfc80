"""Accounts: who may sign in, with which role and scope, and their credentials.

Passwords (argon2), bearer tokens and browser sessions (SHA-256 of random ids) are
checked here; what a role may do is the one table in ``roles``. Nothing returned
by these functions holds a stored secret. The API's wiring (authentication on
every route, the login page, row-level security by scope) builds on them.
"""

from __future__ import annotations

from gis.accounts.roles import PERMISSIONS, ROLES, may, permissions, require
from gis.accounts.sessions import close_session, open_session, user_for_session
from gis.accounts.tokens import issue_token, user_for_token
from gis.accounts.users import (
    User,
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    scope_level,
    set_password,
    verify_password,
)

__all__ = [
    "PERMISSIONS", "ROLES", "User", "close_session", "create_user", "disable_user",
    "enable_user", "get_user", "issue_token", "list_users", "may", "open_session",
    "permissions", "require", "scope_level", "set_password", "user_for_session",
    "user_for_token", "verify_password",
]  # fmt: skip
