"""Deprecations raised by our own code fail the run (pyproject's filterwarnings): none can pile up unseen."""

import pytest
from django.utils.deprecation import RemovedInDjango2028Warning


def _warn_from(module: str, category: type[Warning]) -> None:
    # As if a line of `module` called the deprecated thing (the filter matches the caller's module).
    exec("import warnings\nwarnings.warn('deprecated', category)", {"__name__": module, "category": category})  # noqa: S102


@pytest.mark.parametrize("category", [DeprecationWarning, RemovedInDjango2028Warning])
def test_deprecations_from_comptoir_are_errors(category):
    with pytest.raises(category):
        _warn_from("comptoir.delivery.transports.smtp_session", category)
