from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class FrenchFirstLocaleMiddleware:
    """French unless the person chose another language (the language cookie set by the switch).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an accountant with an
    English browser would get English pages they never asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SeenMarkMiddleware:
    """Opening a company's documents (its GED page or one of its folders) clears its "new deposits" dot,
    and opening a folder clears that folder's dot in the GED tree.

    After the view answered 200, so only what the person was allowed to see is marked seen; the GED
    views need not know about the dashboard.
    """

    VIEWS = {"ged:company": "company_id", "ged:folder": "folder_id"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # 200, or the company page's redirect to its first folder: the view let the person in.
        if (request.method == "GET" and response.status_code in (200, 302) and match is not None
                and match.view_name in self.VIEWS and request.user.is_authenticated
                and not getattr(request, "htmx", False)):
            self._record(request, response, match.view_name, match.kwargs)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse, view_name: str, kwargs: dict) -> None:
        from comptoir.ged.models import Folder
        from comptoir.web.services import folder_seen_mark_record, seen_mark_record

        if view_name == "ged:company":
            company_id = kwargs.get("company_id")
        else:
            company_id = Folder.objects.filter(pk=kwargs.get("folder_id")).values_list("company_id", flat=True).first()
            if company_id is not None and response.status_code == 200:
                folder_seen_mark_record(user=request.user, folder_id=kwargs["folder_id"])
        if company_id is not None:
            seen_mark_record(user=request.user, company_id=company_id)


class TypographyMiddleware:
    """Punctuation spacing of the page's language (web.typography) on every HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not getattr(response, "streaming", False) and response.get("Content-Type", "").startswith("text/html")
                and not response.has_header("Content-Encoding")):
            from comptoir.web.typography import html_typography

            language = translation.get_language() or settings.LANGUAGE_CODE
            charset = response.charset or "utf-8"
            response.content = html_typography(response.content.decode(charset), language).encode(charset)
        return response
