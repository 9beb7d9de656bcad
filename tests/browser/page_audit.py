"""What every page of every browser walk must get right, whatever the walk is about.

A walk fails when one of its pages
- logs an error to the console (a Content-Security-Policy violation is one) or throws;
- has a request that fails (refused, reset, DNS…) or a sub-resource answered 4xx/5xx, or a page
  answered 5xx (a 404 page asked for on purpose is fine: the walk checks it);
- has a serious or critical accessibility violation found by axe-core (the copy shipped in the
  `axe-playwright-python` wheel, so nothing is downloaded at run time).

Hooked on a browser context with `page_audit_watch(context)` (one line in `Role`), checked after each
test by the autouse fixture `page_audit_check`. axe runs in the page itself when a portal page has
loaded (an init script, so the page's own CSP does not apply to it), and once more on the page a test
ends on, so a page whose state came from htmx is audited too. A page left before its audit finished
is audited at its next visit or at the end of the test.

Requests aborted by the browser itself (`net::ERR_ABORTED`: a navigation interrupting a poll, a lazy
image no longer needed) are not failures: nothing broke for the user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

AXE_SOURCE = (Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js").read_text()
BLOCKING_IMPACTS = ("serious", "critical")
# Pages that are not ours to fix: the API's Swagger UI (a vendored third-party page, English, its own styles).
AXE_EXEMPT_PATHS = ("/api/v1/docs",)

# Runs in every document of a watched context before its own scripts: axe is defined, and once the
# page has loaded its serious/critical violations are handed to Python through the binding.
_RUNNER = """
(() => {
  if (window.top !== window || location.origin !== %(origin)s
      || %(exempt)s.some(path => location.pathname.startsWith(path))) { return; }
  // axe refuses a second run while one is going (the load-time audit and the end-of-test one can meet):
  // each run waits for the one before it.
  let previous = Promise.resolve();
  window.__comptoirAxeRun = () => (previous = previous.catch(() => null).then(() =>
    axe.run(document, {resultTypes: ["violations"]})).then(results =>
    results.violations.filter(v => %(impacts)s.includes(v.impact)).map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "").split("\\n")[1])
    }))));
  window.addEventListener("load", () => setTimeout(() => {
    window.__comptoirAxeRun().then(found => window.__comptoirAudit(location.href, found), () => {});
  }, 0));
})();
"""


@dataclass
class PageAudit:
    """What one browser context saw go wrong, until the end of the current test takes it."""

    origin: str
    problems: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)

    def console(self, message) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource"):
            return  # the response itself is judged below, with its URL and its status
        where = message.location.get("url", "") if message.location else ""
        self.problems.append(f"console error on {where}: {message.text}")

    def page_error(self, error) -> None:
        self.problems.append(f"uncaught JavaScript error: {error}")

    def request_failed(self, request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def response(self, response) -> None:
        document = response.request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            self.problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    def axe_report(self, url: str, violations: list[dict]) -> None:
        self.audited.add(url)
        for violation in violations:
            self.problems.append(f"axe {violation['impact']} « {violation['id']} » on {url}: {violation['help']}: "
                                 + " | ".join(violation["nodes"]))

    def audit_now(self, page) -> None:
        """Audit the page as it is now (the end of a test), unless it is not one of the portal's."""
        if page.is_closed() or urlsplit(page.url)._replace(path="", query="", fragment="").geturl() != self.origin:
            return
        try:
            violations = page.evaluate("() => window.__comptoirAxeRun ? window.__comptoirAxeRun() : null")
        except Exception as error:  # noqa: BLE001 - a page navigating away mid-audit is audited at its next load
            if "context was destroyed" in str(error) or "navigation" in str(error).lower():
                return
            raise
        if violations is not None:
            self.axe_report(page.url, violations)

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


_WATCHED: dict[int, tuple[object, PageAudit]] = {}


def _watch_page(audit: PageAudit, page) -> None:
    page.on("console", audit.console)
    page.on("pageerror", audit.page_error)


def page_audit_watch(context, *, base_url: str) -> PageAudit:
    """Audit every page this context opens, from now on."""
    origin = urlsplit(base_url)._replace(path="", query="", fragment="").geturl()
    audit = PageAudit(origin=origin)
    context.expose_binding("__comptoirAudit", lambda _source, url, found: audit.axe_report(url, found))
    context.add_init_script(script=AXE_SOURCE + _RUNNER % {"origin": json.dumps(origin),
                                                           "impacts": json.dumps(list(BLOCKING_IMPACTS)),
                                                           "exempt": json.dumps(list(AXE_EXEMPT_PATHS))})
    context.on("page", lambda page: _watch_page(audit, page))
    context.on("requestfailed", audit.request_failed)
    context.on("response", audit.response)
    context.on("close", lambda _context: _WATCHED.pop(id(context), None))
    for page in context.pages:
        _watch_page(audit, page)
    _WATCHED[id(context)] = (context, audit)
    return audit


@pytest.fixture(autouse=True)
def page_audit_check():
    """After each browser test: no console error, failed request or serious accessibility violation."""
    yield
    problems = []
    for context, audit in list(_WATCHED.values()):
        for page in context.pages:
            audit.audit_now(page)
        problems += audit.take()
    if problems:
        pytest.fail("The pages walked have problems a user would meet:\n- " + "\n- ".join(dict.fromkeys(problems)),
                    pytrace=False)
