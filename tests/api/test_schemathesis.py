"""The API under schemathesis: every operation of /api/v1/openapi.json, as a firm admin and as a client
user, against a real `comptoir web` on loopback. No 5xx, no response outside its schema.

Bounded for CI (COMPTOIR_SCHEMATHESIS_EXAMPLES examples per operation, 10 by default); the run's
counts are printed whatever the outcome (`bin/test` shows them).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.loopback import free_port
from tests.sites import embedded_env, site_from_template

# The API's contract is the code's, whatever the database: one pass, against `comptoir web` on SQLite.
pytestmark = pytest.mark.embedded_only

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = os.environ.get("COMPTOIR_SCHEMATHESIS_EXAMPLES", "10")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
SEED = r"""
import json
from comptoir.accounts.models import User
from comptoir.accounts.services import api_token_create
from comptoir.firms.services import firm_create, membership_create
from comptoir.ged.services import company_onboard, document_deposit
from django.core.files.base import ContentFile
firm, admin = firm_create(name="Martin, Durand & Associés", admin_email="admin@martin.fr",
                          admin_password="x-Secret-123")
company = company_onboard(firm=firm, actor=admin, name="Boulangerie", siren="732829320")
client = User.objects.create_user(email="client@boulangerie.fr", password="x-Secret-123")
membership_create(user=client, firm=firm, role="client_member", company=company, actor=admin)
from comptoir.ged.models import Folder
ventes = Folder.objects.get(company=company, name="Ventes")
pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
document_deposit(folder=ventes, file=ContentFile(pdf, name="f.pdf"), channel="api", actor=client, filename="f.pdf")
print(json.dumps({"admin": api_token_create(user=admin)[1], "client": api_token_create(user=client)[1]}))
"""


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, migrated_template):
    data_dir = site_from_template(migrated_template, tmp_path_factory.mktemp("schemathesis"))
    env = embedded_env(data_dir, EMAIL_URL="dummymail://")
    run = [sys.executable, "-m", "comptoir"]
    seeded = subprocess.run([*run, "shell", "-c", SEED], env=env, cwd=REPO, check=True, timeout=120,
                            capture_output=True, text=True)
    tokens = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log = (data_dir / "web.log").open("w")
    server = subprocess.Popen([*run, "web", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.terminate()
        raise AssertionError((data_dir / "web.log").read_text())
    yield url, tokens, data_dir
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.mark.parametrize("persona", ["admin", "client"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(api_server, persona, capsys):
    url, tokens, data_dir = api_server
    log = data_dir / f"schemathesis-{persona}.txt"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "st"), "run", f"{url}/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {tokens[persona]}", "--checks", CHECKS,
         "--max-examples", EXAMPLES, "--seed", "13", "--request-timeout", "30",
         "--suppress-health-check", "all", "--no-color",
         # Revoking the run's own token would turn every later request into a 401 (a run that checks
         # nothing); tests/accounts/test_token_revocation.py proves that operation.
         "--exclude-operation-id", "comptoir_api_routers_tokens_token_revoke"],
        capture_output=True, text=True, timeout=900, cwd=data_dir,
    )
    log.write_text(result.stdout + result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), max(len(lines) - 16, 0))
    summary = lines[start + 1:]
    with capsys.disabled():
        print(f"\nschemathesis as {persona} ({EXAMPLES} examples per operation):")
        print("\n".join(f"  {line}" for line in summary))
    assert result.returncode == 0, f"{log}:\n" + result.stdout[-6000:] + result.stderr[-2000:]
    assert "Server error" not in result.stdout
