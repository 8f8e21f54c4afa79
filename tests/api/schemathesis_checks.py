"""A Schemathesis check loaded by tests/api/test_schemathesis.py (SCHEMATHESIS_HOOKS): no response
carries a record of an office or department outside the authenticated user's scope.

The allowed ids come from the environment (PESS_ST_OFFICES, PESS_ST_DEPARTMENTS: comma-separated,
unset = national role, anything goes)."""

import os

import schemathesis


def _ids(name):
    raw = os.environ.get(name)
    return None if raw is None else {int(v) for v in raw.split(",") if v}


def _walk(data, key, found):
    if isinstance(data, dict):
        if data.get("other_office"):
            return  # another office's person found by exact DUI, shown by name only (by design)
        for k, v in data.items():
            if k == key and isinstance(v, int):
                found.add(v)
            else:
                _walk(v, key, found)
    elif isinstance(data, list):
        for item in data:
            _walk(item, key, found)


@schemathesis.check
def no_cross_office_read(ctx, response, case):
    if response.status_code >= 300:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    for env, key in (("PESS_ST_OFFICES", "office"), ("PESS_ST_DEPARTMENTS", "department")):
        allowed = _ids(env)
        if allowed is None:
            continue
        found: set[int] = set()
        _walk(data, key, found)
        if found - allowed:
            raise AssertionError(f"{key} {sorted(found - allowed)} outside the user's scope {sorted(allowed)}")
    return None
