"""Functions the API uses when another app provides them, looked up at call time.

`api` sits above the other apps, but some of them (intake's mailboxes, partners' deliveries) may
not exist yet in every deployment stage; the API shows an empty value until they do. Only a
missing module or function counts as absent: an error inside an existing module still surfaces.
"""

import importlib
import inspect
from collections.abc import Callable
from typing import Any


def optional_function(module_path: str, name: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name == module_path:
            return None
        raise
    return getattr(module, name, None)


def call_with_accepted(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call with the keyword arguments the function declares (e.g. `user` only if it takes one)."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return function(**kwargs)
    return function(**{key: value for key, value in kwargs.items() if key in parameters})
