"""Error pages in the portal's frame, in the person's language; the favicon."""

import logging
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

BARE_500 = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur</title>"
            "<h1>Une erreur est survenue</h1><p>Réessayez dans un instant. / An error occurred; please retry.</p>")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """The frame needs the database (branding); when that is what failed, a bare page still answers."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("the 500 page itself failed")
        return HttpResponse(BARE_500, status=500)


FAVICON = Path(__file__).resolve().parents[1] / "static" / "comptoir" / "favicon.svg"


def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, asked by every browser whatever the page says: our SVG mark."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
