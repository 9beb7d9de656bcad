import itertools

import factory
from django.core.files.base import ContentFile

from comptoir.accounts.models import User
from comptoir.firms.models import Firm, Membership
from comptoir.ged.models import Folder
from comptoir.ged.services import company_onboard, document_deposit

PASSWORD = "motdepasse-Solide-42"
# SIRENs with a valid check digit.
VALID_SIRENS = ["732829320", "552100554", "443061841", "542051180", "784608416", "572015246", "652014051",
                "409150001", "775670417", "380129866"]
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_pdf_numbers = itertools.count(1)


def pdf_unique() -> bytes:
    """A PDF whose bytes no other deposit of the test has: identical bytes are a duplicate (promise 10)."""
    return PDF_BYTES + b"%% %d\n" % next(_pdf_numbers)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.fr")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Cabinet {n}")
    slug = factory.Sequence(lambda n: f"cabinet-{n}")


_siren_counter = iter(range(10**6))


def _next_siren() -> str:
    from comptoir.firms.validators import luhn_valid

    while True:
        candidate = f"{100000000 + next(_siren_counter) * 7919:09d}"[:8]
        for check in range(10):
            if luhn_valid(candidate + str(check)):
                return candidate + str(check)


def CompanyFactory(*, firm: Firm, name: str = "Entreprise", actor=None, **fields):  # noqa: N802
    """A company with its folder tree, made the way the product makes it."""
    fields.setdefault("siren", _next_siren())
    return company_onboard(firm=firm, actor=actor, name=name, **fields)


def membership_for(user: User, *, firm: Firm, role: str, company=None) -> Membership:
    return Membership.objects.create(user=user, firm=firm, role=role, company=company)


def folder_named(company, name: str) -> Folder:
    return Folder.objects.get(company=company, name=name, deleted_at__isnull=True)


def deposit_pdf(folder: Folder, *, actor=None, name: str = "facture.pdf", content: bytes | None = None,
                channel: str = "web"):
    """Deposit a PDF; unless `content` is given, bytes of its own (another deposit's would be a duplicate)."""
    content = pdf_unique() if content is None else content
    return document_deposit(folder=folder, file=ContentFile(content, name=name), channel=channel, actor=actor,
                            filename=name)
