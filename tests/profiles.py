"""Which profile a test proves something about, and so which of `bin/test`'s two passes runs it.

`bin/test` runs pytest twice: on the embedded profile (SQLite, local files), then on the scale
profile (PostgreSQL and S3, under `bin/ci-services`). The second pass is for what the database or
the storage can change, so (docs/testing.md, "Profiles"):

- a test that uses the database (`db`, `transactional_db`, `@pytest.mark.django_db`, or any fixture
  that needs one of them, like `firm` or `company`) runs in both passes;
- a test that uses no database proves the same thing on either profile: the embedded pass alone runs it;
- `@pytest.mark.embedded_only`: the embedded pass alone, database or not. For what only SQLite or
  local files show, and for every test that starts Comptoir in a subprocess on its embedded
  defaults (`tests.sites.embedded_env`, which fails a test of the scale pass that lacks the marker);
- `@pytest.mark.scale_only`: the scale pass alone (PostgreSQL, S3);
- `@pytest.mark.both_profiles`: both passes though no database is used (storage alone, say).

Nothing is skipped one by one: the other pass's tests are deselected, and the summary says how many.
"""

import os

import pytest

# The fixtures through which a test reaches the database (pytest-django's), directly or through others.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                               "live_server"})

_DESELECTED = pytest.StashKey[dict]()


def profile() -> str:
    """"scale" under bin/ci-services (a DATABASE_URL or an S3 bucket is set), "embedded" otherwise."""
    if os.environ.get("DATABASE_URL") or os.environ.get("COMPTOIR_S3_BUCKET"):
        return "scale"
    return "embedded"


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ()))


def runs_in(item, current: str) -> str | None:
    """None if `item` runs in the `current` pass, else why not (the reason counted in the summary)."""
    embedded_only = item.get_closest_marker("embedded_only") is not None
    scale_only = item.get_closest_marker("scale_only") is not None
    if embedded_only and scale_only:
        raise pytest.UsageError(f"{item.nodeid}: embedded_only and scale_only at once")
    if current == "embedded":
        return "scale_only" if scale_only else None
    if embedded_only:
        return "embedded_only"
    if scale_only or item.get_closest_marker("both_profiles") or uses_database(item):
        return None
    return "no database"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    current = profile()
    kept, deselected, reasons = [], [], {}
    for item in items:
        reason = runs_in(item, current)
        if reason is None:
            kept.append(item)
        else:
            deselected.append(item)
            reasons[reason] = reasons.get(reason, 0) + 1
    config.stash[_DESELECTED] = {"profile": current, "kept": len(kept), "reasons": reasons}
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_header(config):
    return f"profile: {profile()} (tests/profiles.py says which tests each pass runs)"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = config.stash.get(_DESELECTED, None)
    if not summary or not summary["reasons"]:
        return
    other = "embedded" if summary["profile"] == "scale" else "scale"
    why = ", ".join(f"{count} {reason}" for reason, count in sorted(summary["reasons"].items()))
    terminalreporter.write_line(f"profile {summary['profile']}: {summary['kept']} tests selected; "
                                f"{sum(summary['reasons'].values())} left to the {other} pass ({why})")


def pytest_sessionfinish(session, exitstatus):
    # `bin/test tests/web/test_formatting.py` in both profiles: the scale pass has nothing to run
    # there, which is not a failure.
    summary = session.config.stash.get(_DESELECTED, None)
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and summary and summary["reasons"] and not summary["kept"]:
        session.exitstatus = pytest.ExitCode.OK
