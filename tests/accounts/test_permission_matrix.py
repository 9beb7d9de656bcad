"""The permission matrix of docs/permissions.md, checked cell by cell against the policy objects.

The table is the source: each row becomes a test, each conditional cell is tried on objects of every
origin (deposited or created by the firm, by the user, by another client user, by a channel, laid down
by the template). A policy action missing from the table, or a table row without an action, fails.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from comptoir.core.errors import PermissionDenied
from comptoir.delivery.access import delivery_access
from comptoir.einvoicing.policy import einvoice_policy
from comptoir.firms.models import Company, Role
from comptoir.firms.policy import firms_policy
from comptoir.ged.models import Document
from comptoir.ged.policy import ged_policy
from comptoir.ged.services import folder_create
from comptoir.intake.policy import intake_policy
from comptoir.partners.policy import partners_policy
from tests.factories import CompanyFactory, UserFactory, deposit_pdf, folder_named, membership_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
POLICIES = {"firms": firms_policy, "ged": ged_policy, "partners": partners_policy, "delivery": delivery_access,
            "intake": intake_policy, "einvoicing": einvoice_policy}
ROLES = [Role.FIRM_ADMIN, Role.FIRM_MEMBER, Role.CLIENT_ADMIN, Role.CLIENT_MEMBER]


@dataclass(frozen=True)
class Row:
    area: str
    action: str
    cells: dict[str, str]

    def __str__(self) -> str:
        return f"{self.area}:{self.action}"


def matrix_rows() -> list[Row]:
    text = DOC.read_text()
    table = re.search(r"<!-- matrix:start -->\n(.*?)<!-- matrix:end -->", text, re.S).group(1)
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["area", "action", *ROLES], header
    rows = []
    for line in lines[2:]:
        area, action, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append(Row(area, action, dict(zip(ROLES, cells, strict=True))))
    return rows


ROWS = matrix_rows()
# What each cell means, by the origin of the object the action is tried on.
DOCUMENT_ORIGINS = ("firm", "self", "other_client", "channel")
FOLDER_ORIGINS = ("template", "firm", "self", "other_client")
EXPECTED = {
    "oui": lambda origin: True,
    "non": lambda origin: False,
    "ses dépôts": lambda origin: origin == "self",
    "côté entreprise": lambda origin: origin in {"self", "other_client", "channel"},
    "si partagé": lambda origin: origin == "shared",
    "si autorisé": lambda origin: origin == "allowed",
    "si permis": lambda origin: origin == "answer_allowed",
}
# A received e-invoice of a company whose users may answer (`clients_may_answer`), and of one whose may not.
EINVOICE_ORIGINS = ("answer_allowed", "answer_not_allowed")
# The « Poste client » of the user's company shown to its users, the same not shown, another company's shown.
COMPANY_ORIGINS = ("shared", "not_shared", "other_company")
# An invoice of the user's company where the firm lets its users act on invoices, the same where it does
# not, one of another company (of the same firm) that allows it.
INVOICE_ORIGINS = ("allowed", "not_allowed", "other_company")


class World:
    """One firm, one company, a user per role (and a second client admin), objects of every origin."""

    def __init__(self, company, firm_admin):
        firm = company.firm
        self.users = {Role.FIRM_ADMIN: firm_admin}
        for role, email in [(Role.FIRM_MEMBER, "m@alpha.fr"), (Role.CLIENT_ADMIN, "ca@client.fr"),
                            (Role.CLIENT_MEMBER, "cm@client.fr")]:
            company_of = company if role in {Role.CLIENT_ADMIN, Role.CLIENT_MEMBER} else None
            self.users[role] = membership_for(UserFactory(email=email), firm=firm, role=role, company=company_of).user
        self.other_client = membership_for(UserFactory(email="autre@client.fr"), firm=firm, role=Role.CLIENT_ADMIN,
                                           company=company).user
        self.ventes = folder_named(company, "Ventes")
        self.company = company
        self._documents: dict[tuple[str, str], Document] = {}
        self._folders = {}
        self._companies = {}

    def document(self, origin: str, role: str) -> Document:
        actor = {"firm": self.users[Role.FIRM_ADMIN], "self": self.users[role], "other_client": self.other_client,
                 "channel": None}[origin]
        key = (origin, role if origin == "self" else "")
        if key not in self._documents:
            self._documents[key] = deposit_pdf(self.ventes, actor=actor, name=f"{origin}-{role}.pdf")
        return self._documents[key]

    def folder(self, origin: str, role: str):
        if origin == "template":
            return self.ventes
        actors = {"firm": self.users[Role.FIRM_ADMIN], "self": self.users[role], "other_client": self.other_client}
        actor = actors[origin]
        key = (origin, role if origin == "self" else "")
        if key not in self._folders:
            self._folders[key] = folder_create(company=self.company, parent=None, name=f"{origin}-{role}", actor=actor)
        return self._folders[key]

    def company_of(self, origin: str):
        if origin not in self._companies:
            if origin == "other_company":
                company = CompanyFactory(firm=self.company.firm, name="Autre entreprise")
                company.receivables_client_visible = True
            else:
                company = Company.objects.get(pk=self.company.pk)
                company.receivables_client_visible = origin == "shared"
            self._companies[origin] = company
        return self._companies[origin]

    def invoice_of(self, origin: str) -> Document:
        key = ("invoice", origin)
        if key not in self._documents:
            company = CompanyFactory(firm=self.company.firm, name="Autre entreprise (factures)") \
                if origin == "other_company" else self.company
            document = deposit_pdf(folder_named(company, "Ventes"), actor=self.users[Role.FIRM_ADMIN],
                                   name=f"facture-{origin}.pdf")
            document = Document.objects.select_related("company").get(pk=document.pk)
            document.company.clients_may_answer = origin != "not_allowed"
            self._documents[key] = document
        return self._documents[key]
    def einvoice_document(self, origin: str) -> Document:
        document = Document.objects.get(pk=self.document("channel", Role.FIRM_ADMIN).pk)
        document.company.clients_may_answer = origin == "answer_allowed"
        return document

    def objects_for(self, action: str, role: str) -> list[tuple[str, object]]:
        kind = action.split(".")[0]
        if kind == "invoice":
            return [(origin, self.invoice_of(origin)) for origin in INVOICE_ORIGINS]
        if kind == "receivables":
            return [(origin, self.company_of(origin)) for origin in COMPANY_ORIGINS]
        if kind == "einvoice":
            return [(origin, self.einvoice_document(origin)) for origin in EINVOICE_ORIGINS]
        if kind == "document" and action != "document.deposit":
            return [(origin, self.document(origin, role)) for origin in DOCUMENT_ORIGINS]
        if kind == "folder" and action in {"folder.rename", "folder.move", "folder.trash", "folder.restore"}:
            return [(origin, self.folder(origin, role)) for origin in FOLDER_ORIGINS]
        return [("any", None)]


@pytest.fixture
def world(company, firm_admin, settings):
    settings.EMBEDDED = True
    settings.COMPTOIR_SMTP_SINK = True  # the local outbox exists, so its row is about roles
    return World(company, firm_admin)


def test_the_table_lists_exactly_the_policies_actions():
    listed = {(row.area, row.action) for row in ROWS}
    actual = {(area, action) for area, policy in POLICIES.items() for action in policy.actions}
    assert listed == actual, {"not in docs/permissions.md": actual - listed, "not in a policy": listed - actual}
    assert {cell for row in ROWS for cell in row.cells.values()} <= set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_matrix_row(row: Row, world):
    policy = POLICIES[row.area]
    wrong = []
    for role in ROLES:
        for origin, obj in world.objects_for(row.action, role):
            expected = EXPECTED[row.cells[role]](origin)
            if policy.can(world.users[role], row.action, obj) != expected:
                wrong.append(f"{role} on {origin}: expected {expected}")
    assert not wrong, f"{row} disagrees with docs/permissions.md: " + "; ".join(wrong)


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_require_refuses_exactly_what_can_denies(world, data):
    row = data.draw(st.sampled_from(ROWS))
    role = data.draw(st.sampled_from(ROLES))
    origin, obj = data.draw(st.sampled_from(world.objects_for(row.action, role)))
    user = world.users[role]
    policy = POLICIES[row.area]
    allowed = policy.can(user, row.action, obj)
    assert allowed == EXPECTED[row.cells[role]](origin)
    if allowed:
        policy.require(user, row.action, obj)
    else:
        with pytest.raises(PermissionDenied):
            policy.require(user, row.action, obj)


@pytest.mark.django_db
def test_people_without_membership_may_do_nothing(world):
    stranger = UserFactory(email="personne@ailleurs.fr")
    assert not [f"{row}" for row in ROWS if POLICIES[row.area].can(stranger, row.action, None)]
