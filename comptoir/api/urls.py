"""API v1 URLs: ninja's patterns, plus JSON answers for what ninja leaves to Django (405, unknown paths)."""

from functools import wraps

from django.http import HttpRequest, HttpResponseNotAllowed
from django.urls import URLPattern, include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from comptoir.api.app import api
from comptoir.api.errors import error_response


def _json_method_not_allowed(view):
    """Ninja answers a wrong method with a plain-text 405; API clients get our JSON shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            json = error_response(status=405, detail=_("Méthode %(method)s non autorisée ici (permises : %(allowed)s).")
                                  % {"method": request.method, "allowed": allowed})
            json["Allow"] = allowed
            return json
        return response

    return wrapper


@csrf_exempt  # a JSON 404 for any method; without this a POST got Django's HTML CSRF page instead
def _unknown_path(request: HttpRequest, *args, **kwargs):
    return error_response(status=404, detail=_("Aucune ressource à cette adresse de l'API."))


_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = _json_method_not_allowed(_pattern.callback)

urlpatterns = [
    path("", include((_patterns, _app_name), namespace=_namespace)),
    re_path(r"^", _unknown_path),
]
