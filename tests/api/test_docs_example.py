"""The Python client example of docs/api.md runs, as written, against a live server (issue 19).

The fenced block after `<!-- example: python-client -->` is extracted from the doc and run as a
script in its own process with httpx, the way a reader would run it; then what it did is checked
in the database, so an example that prints but does nothing cannot pass.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from comptoir.accounts.services import api_token_create
from comptoir.ged.models import Document, Folder
from tests.factories import PDF_BYTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
MARKER = "<!-- example: python-client -->"


def example_source() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert MARKER in text, f"{DOC}: the marker {MARKER!r} is gone"
    match = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)\n```", text, re.S)
    assert match, f"{DOC}: no ```python block right after {MARKER!r}"
    return match.group(1)


@pytest.mark.django_db(transaction=True)
# The live server's whitenoise looks for collected static files this test does not need.
@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")
def test_the_docs_python_example_runs_against_a_live_server(live_server, company, firm_admin, tmp_path):
    token = api_token_create(user=firm_admin, name="docs example")[1]
    (tmp_path / "releve.pdf").write_bytes(PDF_BYTES)
    (tmp_path / "example.py").write_text(example_source(), encoding="utf-8")

    run = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"COMPTOIR_URL": live_server.url, "COMPTOIR_TOKEN": token, "PATH": "/usr/bin:/bin"})

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "dossier Relevés bancaires"
    assert lines[1].startswith("document Relevé 2026-01.pdf ")
    assert lines[2] == "envois 0"
    assert lines[3] == "erreur 404 not_found"
    folder = Folder.objects.get(company=company, name="Relevés bancaires")
    document = Document.objects.get(folder=folder)
    assert (document.name, document.deleted_at, document.channel) == ("Relevé 2026-01.pdf", None, "api")
