"""English is complete: every msgid of the code and templates has an English translation that gettext uses."""

from tests.catalogue import PO, code_msgids, po_entries, translated


def test_every_msgid_of_the_code_has_an_english_translation():
    missing = sorted(msgid for context, msgid in code_msgids() if not translated(context, msgid))
    assert not missing, (f"{len(missing)} msgid(s) without English in {PO.relative_to(PO.parents[4])} "
                         "(add msgid/msgstr pairs at its end, see the BRIEF):\n" + "\n".join(missing[:60]))


def test_the_catalogue_has_no_empty_or_fuzzy_translation():
    text = PO.read_text(encoding="utf-8")
    empty = [entry["msgid"] for entry in po_entries(text) if not all(entry["msgstr"])]
    assert not empty, "empty msgstr for:\n" + "\n".join(empty)
    fuzzy = [line for line in text.splitlines() if line.startswith("#,") and "fuzzy" in line]
    assert not fuzzy, "fuzzy entries are ignored by gettext: translate them and drop the flag"


# Lazy plurals of other areas when this test was written, reported to their owners (partners,
# intake): listed so that no new one can appear; remove a line when its string moves to ngettext.
KNOWN_LAZY_PLURALS = {
    "%(app)s a été retirée de votre espace (%(count)s envoi(s) en attente annulé(s)).",
    "%(count)s document(s) déjà présent(s) mis en file d'envoi.",
    "Accès de %(app)s à %(company)s révoqué (%(count)s envoi(s) en attente annulé(s)).",
    "Connexions enregistrées : %(saved)s entreprise(s) autorisée(s), %(revoked)s révoquée(s).",
    "adresse(s) de collecte par e-mail",
    "fichier(s)",
}


def test_counts_use_plural_forms():
    """A msgid with "(s)" is a lazy plural: ngettext instead."""
    lazy = {msgid for _, msgid in code_msgids() if "(s)" in msgid}
    new = sorted(lazy - KNOWN_LAZY_PLURALS)
    assert not new, "use ngettext / {% plural %} for:\n" + "\n".join(new)
    fixed = sorted(KNOWN_LAZY_PLURALS - lazy)
    assert not fixed, "fixed, remove from KNOWN_LAZY_PLURALS:\n" + "\n".join(fixed)


def test_the_extraction_finds_strings_of_both_python_and_templates():
    """Guard for the two tests above: if extraction broke, they would pass on nothing."""
    msgids = {msgid for _, msgid in code_msgids()}
    assert "Tableau de bord" in msgids  # a template
    assert "Aucune entreprise trouvée pour ce SIREN." in msgids  # python
    assert "%(counter)s nouveau document" in msgids  # a template plural
