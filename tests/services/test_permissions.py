"""Every service that needs more than the right to view refuses a viewer, with nothing written.

Discovery is automatic, so services merged later are covered without editing this file: every
public module-level function in ``socmap.services.*`` whose body calls ``require(store,
Permission.X)`` with X other than VIEW is called as a registered viewer, with placeholder
arguments, and must raise PermissionDenied before touching anything (``require`` comes first:
a service that validates or reads before checking the role fails here with another error).
A second test finds public service functions that write (open ``store.atomic()`` or call
``audit.record``) without calling ``require`` at all; they must be listed in ``NO_REQUIRE``
with the reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import socmap.services
from socmap.domain.errors import PermissionDenied
from tests.conftest import act_as

#: Public service functions that write without their own ``require``, and why that is safe.
NO_REQUIRE: dict[str, str] = {
    "socmap.services.boundaries.reassign_all": "runs inside its caller's transaction; callers require",
    "socmap.services.backup.restore_database": "checks the admin role in the backup and the "
    "current file itself (it replaces the file, so there may be no usable store to ask)",
    "socmap.services.output.write_files": "the one output writer: it runs its caller's audit "
    "callback; every exporter requires its permission first",
    "socmap.services.assign.assign_csv": "adds areas to the user's own CSV (any account may); "
    "writes only the audit row that records the file's hash, as viewing a record does",
}


def _service_modules() -> list[Any]:
    mods = []
    for info in pkgutil.walk_packages(socmap.services.__path__, "socmap.services."):
        mods.append(importlib.import_module(info.name))
    return mods


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _call_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _required_permissions(fn: Callable[..., Any]) -> set[str]:
    tree = ast.parse(_dedent(fn))
    perms = set()
    for call in _calls(tree):
        if _call_name(call) == "require" and len(call.args) >= 2:
            arg = call.args[1]
            if isinstance(arg, ast.Attribute):
                perms.add(arg.attr)
    return perms


def _dedent(fn: Callable[..., Any]) -> str:
    import textwrap

    return textwrap.dedent(inspect.getsource(fn))


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    out = []
    for mod in _service_modules():
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != mod.__name__:
                continue
            out.append((f"{mod.__name__}.{name}", fn))
    return out


#: Guarded services that do not take a store first; each is tested as a viewer in its own test.
NOT_STORE_FIRST: dict[str, str] = {
    "socmap.services.backup.restore_database": "tests/services/test_backup.py "
    "test_restore_refuses_a_non_admin",
}


def _store_first(fn: Callable[..., Any]) -> bool:
    params = list(inspect.signature(fn).parameters)
    return bool(params) and params[0] == "store"


def mutating_services() -> list[tuple[str, Callable[..., Any]]]:
    """Service functions taking a store first and guarded by a permission other than VIEW."""
    return [
        (qual, fn)
        for qual, fn in _public_functions()
        if _required_permissions(fn) - {"VIEW"} and _store_first(fn)
    ]


def test_guarded_services_not_taking_a_store_have_their_own_test() -> None:
    odd = [
        q
        for q, fn in _public_functions()
        if _required_permissions(fn) - {"VIEW"} and not _store_first(fn)
    ]
    assert sorted(odd) == sorted(NOT_STORE_FIRST)


class Placeholder:
    """Stands for any argument; using it for anything fails loudly."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the service used an argument ({name}) before checking the role")

    def __iter__(self) -> Any:
        raise AssertionError("the service used an argument before checking the role")

    def __bool__(self) -> bool:
        raise AssertionError("the service used an argument before checking the role")


def _call_with_placeholders(fn: Callable[..., Any], store: Any) -> Any:
    sig = inspect.signature(fn)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, (name, p) in enumerate(sig.parameters.items()):
        if p.default is not inspect.Parameter.empty:
            continue
        value = store if i == 0 else Placeholder()
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        elif p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        else:
            args.append(value)
    return fn(*args, **kwargs)


def _dump(store: Any) -> list[str]:
    return list(store.conn.iterdump())


def test_discovery_finds_the_known_services() -> None:
    names = {q for q, _ in mutating_services()}
    for expected in (
        "socmap.services.register.create_ocg",
        "socmap.services.register.update_ocg",
        "socmap.services.register.remove_location",
        "socmap.services.accounts.set_account_role",
        "socmap.services.review.dispose",
        "socmap.services.review.retain",
        "socmap.services.audit_trail.export_extract",
        "socmap.services.backup.backup_database",
        "socmap.services.boundaries.replace_areas",
        "socmap.services.demo.build_demo",
    ):
        assert expected in names
    assert "socmap.services.records.record_view" not in names  # viewers may view


SERVICES = mutating_services()
SERVICE_IDS = [q.removeprefix("socmap.services.") for q, _ in SERVICES]


@pytest.mark.parametrize(("qualname", "fn"), SERVICES, ids=SERVICE_IDS)
def test_viewer_is_refused(qualname: str, fn: Callable[..., Any], viewer_store: Any) -> None:
    before = _dump(viewer_store)
    with pytest.raises(PermissionDenied) as info:
        _call_with_placeholders(fn, viewer_store)
    assert "viewer.test" in str(info.value) and "viewer" in str(info.value)
    assert _dump(viewer_store) == before


@pytest.mark.parametrize(("qualname", "fn"), SERVICES, ids=SERVICE_IDS)
def test_unregistered_account_is_refused(qualname: str, fn: Callable[..., Any], store: Any) -> None:
    store.actor = "stranger"  # not in users: treated as a viewer
    with pytest.raises(PermissionDenied):
        _call_with_placeholders(fn, store)


def test_every_writing_service_checks_a_permission() -> None:
    unguarded = []
    for qual, fn in _public_functions():
        tree = ast.parse(_dedent(fn))
        names = {_call_name(c) for c in _calls(tree)}
        writes = "atomic" in names or any(
            _call_name(c) == "record"
            and isinstance(c.func, ast.Attribute)
            and isinstance(c.func.value, ast.Name)
            and c.func.value.id == "audit"
            for c in _calls(tree)
        )
        if writes and "require" not in names and qual not in NO_REQUIRE:
            unguarded.append(qual)
    assert unguarded == [], f"services that write without require(): {unguarded}"


def test_analyst_may_edit_but_not_administer(store: Any) -> None:
    from socmap.services import accounts

    act_as(store, "ana", "analyst")
    with pytest.raises(PermissionDenied):
        accounts.add_account(store, "x", "viewer")
