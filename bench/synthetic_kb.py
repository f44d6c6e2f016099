"""Synthetic knowledge bases for the speed benchmarks: an MkDocs project of N pages, and queries for it.

    from synthetic_kb import write_project, make_queries, make_descriptions
    project = write_project(tmp / "kb", pages=1000, seed=7)   # -> SyntheticKb(config_file, pages, ...)
    queries = make_queries(project, 500, seed=7)               # keywords, sentences, typos, compounds, English
    texts = make_descriptions(project, 200, seed=7)            # problem descriptions for triage

The text is composed, not lorem ipsum: German and English sentences of business software (invoices,
dunning, stock, bookkeeping, printing, servers, licences) from templates filled with domain nouns,
German compounds built from combining forms and heads ("Rechnungs" + "vorlage"), umlauts, error
codes (LW-1234), menu paths and version numbers. The project looks like the repository's own:
Material theme in German, search with lang [de, en], tags, the level0 plugin; pages in folders
faq/known-issues/howto/infrastructure/support (German) and en/… (English), 2–5 `##` sections each,
front matter with title, description and tags, and known-issue facts (issue_id, status, versions)
on the known-issues pages. Every output is a function of (pages, seed).

Large sites: pages sit in groups of at most GROUP_SIZE per folder and the theme prunes the
navigation (`navigation.prune`), as a real site of thousands of pages must, or every page would
render the whole navigation tree (quadratic build time and page size).
"""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR = "bench/synthetic_kb.py (template German/English business-software text, seeded)"
GROUP_SIZE = 40
TOPICS_DE = ("faq", "known-issues", "howto", "infrastructure", "support")
TOPICS_EN = ("faq", "known-issues", "howto", "infrastructure")
# Share of pages per top folder; "en" holds the English pages.
FOLDER_SHARE = {"faq": 0.22, "known-issues": 0.16, "howto": 0.2, "infrastructure": 0.14, "support": 0.08, "en": 0.2}

# --------------------------------------------------------------------------- German vocabulary

# Combining forms of German compounds (with their linking element) and the nouns they come from.
DE_PREFIXES = (
    "Rechnungs",
    "Artikel",
    "Lager",
    "Kunden",
    "Liefer",
    "Druck",
    "Benutzer",
    "Zahlungs",
    "Buchungs",
    "Steuer",
    "Mahn",
    "Export",
    "Import",
    "Daten",
    "Netzwerk",
    "Lizenz",
    "Konto",
    "Preis",
    "Zeit",
    "Urlaubs",
    "Bestell",
    "Auftrags",
    "Waren",
    "Kassen",
    "Mandanten",
    "Sicherungs",
    "Server",
    "Datenbank",
    "Fehler",
    "Beleg",
    "Gutschrift",
    "Stücklisten",
    "Kostenstellen",
    "Überweisungs",
    "Jahresabschluss",
    "Provisions",
    "Versand",
    "Zertifikats",
    "Schnittstellen",
    "Umsatzsteuer",
)
# Heads with their gender (m, f, n): the compound takes the head's gender.
DE_HEADS = (
    ("Vorlage", "f"),
    ("Liste", "f"),
    ("Nummer", "f"),
    ("Stamm", "m"),
    ("Bestand", "m"),
    ("Bericht", "m"),
    ("Lauf", "m"),
    ("Dialog", "m"),
    ("Einstellung", "f"),
    ("Regel", "f"),
    ("Protokoll", "n"),
    ("Formular", "n"),
    ("Modul", "n"),
    ("Verzeichnis", "n"),
    ("Datei", "f"),
    ("Übersicht", "f"),
    ("Prüfung", "f"),
    ("Sperre", "f"),
    ("Vorschlag", "m"),
    ("Kennzeichen", "n"),
    ("Feld", "n"),
    ("Zuordnung", "f"),
    ("Größe", "f"),
    ("Änderung", "f"),
    ("Zähler", "m"),
    ("Drucker", "m"),
    ("Treiber", "m"),
    ("Kreis", "m"),
    ("Filter", "m"),
    ("Assistent", "m"),
    ("Maske", "f"),
    ("Historie", "f"),
    ("Kopie", "f"),
    ("Abgleich", "m"),
    ("Zeitraum", "m"),
)
# Plain nouns used on their own.
DE_NOUNS = (
    ("Rechnung", "f"),
    ("Lieferschein", "m"),
    ("Mahnung", "f"),
    ("Gutschrift", "f"),
    ("Angebot", "n"),
    ("Auftrag", "m"),
    ("Lagerbestand", "m"),
    ("Mandant", "m"),
    ("Geschäftsjahr", "n"),
    ("Kassenbuch", "n"),
    ("Skonto", "n"),
    ("Rabatt", "m"),
    ("Zahlungsziel", "n"),
    ("Kostenstelle", "f"),
    ("Sachkonto", "n"),
    ("Debitor", "m"),
    ("Kreditor", "m"),
    ("Lieferant", "m"),
    ("Virenscanner", "m"),
    ("Netzlaufwerk", "n"),
    ("Terminalserver", "m"),
    ("Dienst", "m"),
    ("Port", "m"),
    ("Proxy", "m"),
    ("Zertifikat", "n"),
    ("Passwort", "n"),
    ("Benutzerkonto", "n"),
    ("Update", "n"),
    ("Wartungsvertrag", "m"),
    ("Stundenkontingent", "n"),
    ("Serienbrief", "m"),
    ("Etikett", "n"),
    ("Barcode", "m"),
    ("Bankverbindung", "f"),
    ("Lastschrift", "f"),
    ("Inventur", "f"),
    ("Preisliste", "f"),
    ("Warenkorb", "m"),
    ("Bestellvorschlag", "m"),
    ("Arbeitszeitmodell", "n"),
)
DE_ARTICLE = {"m": "der", "f": "die", "n": "das"}
DE_ACCUSATIVE = {"m": "den", "f": "die", "n": "das"}
DE_DATIVE = {"m": "dem", "f": "der", "n": "dem"}
DE_PARTICIPLES = (
    "gedruckt",
    "gespeichert",
    "exportiert",
    "importiert",
    "gebucht",
    "angelegt",
    "gelöscht",
    "freigegeben",
    "geöffnet",
    "übertragen",
    "abgeglichen",
    "berechnet",
    "versendet",
    "aktualisiert",
    "zugeordnet",
    "geprüft",
)
DE_INFINITIVES = (
    "drucken",
    "speichern",
    "exportieren",
    "importieren",
    "buchen",
    "anlegen",
    "löschen",
    "freigeben",
    "öffnen",
    "übertragen",
    "abgleichen",
    "berechnen",
    "versenden",
    "aktualisieren",
    "zuordnen",
    "prüfen",
    "einrichten",
    "zurücksetzen",
)
DE_STATES = (
    "leer",
    "fehlerhaft",
    "doppelt vorhanden",
    "gesperrt",
    "veraltet",
    "unvollständig",
    "nicht erreichbar",
    "sehr langsam",
    "beschädigt",
    "ungültig",
    "nicht sichtbar",
    "falsch gerundet",
)
DE_PLACES = (
    "im Hauptmenü",
    "auf dem Terminalserver",
    "im Netzwerk",
    "am Arbeitsplatz",
    "in der Filiale",
    "im Homeoffice",
    "auf dem SQL Server",
    "in der Buchhaltung",
    "im Lager",
    "im Vertrieb",
)
DE_AREAS = (
    "Einkauf",
    "Verkauf",
    "Lager",
    "Finanzbuchhaltung",
    "Mahnwesen",
    "Zeiterfassung",
    "Stammdaten",
    "Auswertungen",
    "Extras",
    "Administration",
)
DE_MENU_ITEMS = (
    "Einstellungen",
    "Formulare",
    "Protokolle",
    "Benutzer und Rechte",
    "Schnittstellen",
    "Nummernkreise",
    "Druckausgabe",
    "Datensicherung",
    "Lizenzverwaltung",
    "Mandanten",
    "Vorlagen",
    "Export",
)
DE_HEADINGS = (
    "Fehlerbild",
    "Ursache",
    "Lösung",
    "Workaround",
    "Voraussetzungen",
    "Schritt für Schritt",
    "Hinweise für die IT",
    "Häufige Fragen",
    "Betroffene Versionen",
    "So prüfen Sie",
    "Einstellungen im Detail",
    "Wenn das nicht hilft",
)
DE_TITLE_TEMPLATES = (
    "{Noun} lässt sich nicht {inf}",
    "{Noun} ist {state}",
    "{Noun} {inf}",
    "{Noun} und {Noun2} einrichten",
    "Fehler {code} beim {Verbal}",
    "{Noun} nach dem Update {state}",
    "So {inf_cap} Sie {acc_noun}",
)
DE_SENTENCES = (
    "Öffnen Sie **{menu}** und wählen Sie {acc_noun} aus.",
    "Lindwerk meldet `{code}: {Noun} konnte nicht {part} werden.`",
    "Prüfen Sie, ob {nom_noun} für den Mandanten {company} {part} wurde.",
    "Nach dem Update auf Version {version} ist {nom_noun} {place} {state}.",
    "Im Bereich {area} lässt sich {nom_noun} mit ++ctrl+{key}++ {inf}.",
    "Die {Noun}-Funktion steht ab Version {version} zur Verfügung.",
    "Fragen Sie Ihre IT, ob der Server `{host}` auf Port {port} erreichbar ist.",
    "Wenn {nom_noun} {state} ist, hilft es meist, {acc_noun2} neu zu {inf}.",
    "Unter **{menu}** legen Sie fest, wie {nom_noun} {part} wird.",
    "Ein häufiger Grund: {nom_noun} ist {place} {state}, weil {nom_noun2} fehlt.",
    "Bevor Sie {acc_noun} {inf}, sichern Sie die Datenbank `{database}`.",
    "Der Support hilft, wenn {nom_noun} trotz dieser Schritte {state} bleibt.",
    "Für {acc_noun} brauchen Sie das Recht „{Noun2} {inf}“.",
    "Die Änderung gilt für alle Benutzer des Mandanten {company}.",
    "Lindwerk schreibt jeden Vorgang ins Protokoll unter **{menu}**.",
    "Bei großen Datenmengen dauert das Übertragen einige Minuten.",
    "Tipp: Über die Schnellsuche finden Sie {acc_noun} mit dem Suchbegriff „{word}“.",
    "Achten Sie darauf, dass {nom_noun} nicht gleichzeitig von {count} Benutzern geöffnet ist.",
)
DE_GREETINGS = ("Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo Support-Team,", "Moin,")
DE_CLOSINGS = ("Viele Grüße", "Danke und Gruß", "Mit freundlichen Grüßen", "Beste Grüße aus dem Lager")
DE_PROBLEMS = (
    "seit heute lässt sich {acc_noun} nicht mehr {inf}.",
    "bei uns ist {nom_noun} {place} {state}.",
    "wir bekommen beim {Verbal} den Fehler {code}.",
    "nach dem Update auf {version} ist {nom_noun} {state}.",
    "können Sie uns helfen, {acc_noun} für den Mandanten {company} einzurichten?",
    "wie kann ich {acc_noun} {inf}? Das Handbuch sagt dazu nichts.",
    "unser Server {host} ist langsam, {nom_noun} braucht ewig.",
)

# --------------------------------------------------------------------------- English vocabulary

EN_MODIFIERS = (
    "invoice",
    "item",
    "stock",
    "customer",
    "delivery",
    "print",
    "user",
    "payment",
    "booking",
    "tax",
    "dunning",
    "export",
    "import",
    "network",
    "licence",
    "account",
    "price",
    "time",
    "purchase",
    "order",
    "cash",
    "backup",
    "server",
    "database",
    "error",
    "credit note",
    "cost centre",
    "shipping",
    "certificate",
    "interface",
)
EN_HEADS = (
    "template",
    "list",
    "number",
    "master data",
    "report",
    "run",
    "dialog",
    "setting",
    "rule",
    "log",
    "form",
    "module",
    "folder",
    "file",
    "overview",
    "check",
    "lock",
    "suggestion",
    "field",
    "mapping",
    "counter",
    "printer",
    "driver",
    "filter",
    "wizard",
    "history",
)
EN_NOUNS = (
    "invoice",
    "delivery note",
    "reminder letter",
    "quotation",
    "sales order",
    "stock level",
    "client company",
    "fiscal year",
    "cash book",
    "discount",
    "payment term",
    "cost centre",
    "supplier",
    "antivirus scanner",
    "network drive",
    "terminal server",
    "service",
    "proxy",
    "certificate",
    "password",
    "user account",
    "update",
    "maintenance contract",
    "hour package",
    "mail merge",
    "label",
    "barcode",
    "bank account",
    "direct debit",
    "stocktaking",
)
EN_PARTICIPLES = (
    "printed",
    "saved",
    "exported",
    "imported",
    "posted",
    "created",
    "deleted",
    "released",
    "opened",
    "transferred",
    "reconciled",
    "calculated",
    "sent",
    "updated",
    "assigned",
)
EN_VERBS = (
    "print",
    "save",
    "export",
    "import",
    "post",
    "create",
    "delete",
    "release",
    "open",
    "transfer",
    "reconcile",
    "calculate",
    "send",
    "update",
    "assign",
    "set up",
    "reset",
)
EN_STATES = (
    "empty",
    "wrong",
    "duplicated",
    "locked",
    "outdated",
    "incomplete",
    "unreachable",
    "very slow",
    "corrupted",
    "invalid",
    "missing",
    "rounded wrongly",
)
EN_PLACES = (
    "in the main menu",
    "on the terminal server",
    "on the network",
    "at the workstation",
    "in the branch office",
    "when working from home",
    "on the SQL Server",
    "in accounting",
    "in the warehouse",
)
EN_AREAS = ("Purchasing", "Sales", "Warehouse", "Accounting", "Dunning", "Time tracking", "Master data", "Reports")
EN_MENU_ITEMS = ("Settings", "Forms", "Logs", "Users and rights", "Interfaces", "Number ranges", "Backup", "Licences")
EN_HEADINGS = (
    "Symptoms",
    "Cause",
    "Solution",
    "Workaround",
    "Requirements",
    "Step by step",
    "Notes for IT",
    "Frequently asked questions",
    "Affected versions",
    "How to check",
    "If this does not help",
)
EN_TITLE_TEMPLATES = (
    "{Noun} cannot be {part}",
    "{Noun} is {state}",
    "How to {verb} the {noun}",
    "Set up {noun} and {noun2}",
    "Error {code} when the {noun} is {part}",
    "{Noun} {state} after the update",
)
EN_SENTENCES = (
    "Open **{menu}** and select the {noun}.",
    "Lindwerk reports `{code}: the {noun} could not be {part}.`",
    "Check whether the {noun} was {part} for the client company {company}.",
    "After the update to version {version}, the {noun} is {state} {place}.",
    "In {area} you can {verb} the {noun} with ++ctrl+{key}++.",
    "The {noun} feature is available from version {version}.",
    "Ask your IT whether the server `{host}` can be reached on port {port}.",
    "If the {noun} is {state}, it usually helps to {verb} the {noun2} again.",
    "Under **{menu}** you decide how the {noun} is {part}.",
    "A common reason: the {noun} is {state} {place} because the {noun2} is missing.",
    "Before you {verb} the {noun}, back up the database `{database}`.",
    "Support helps when the {noun} stays {state} after these steps.",
    "To {verb} the {noun} you need the right “{verb} {noun2}”.",
    "The change applies to all users of the client company {company}.",
    "Lindwerk logs every run under **{menu}**.",
    "Large amounts of data take a few minutes to transfer.",
)
EN_GREETINGS = ("Hi,", "Hello support,", "Dear Sir or Madam,", "Good morning,")
EN_CLOSINGS = ("Thanks", "Best regards", "Kind regards", "Cheers")
EN_PROBLEMS = (
    "since today we cannot {verb} the {noun}.",
    "the {noun} is {state} {place}.",
    "we get error {code} when we {verb} the {noun}.",
    "after updating to {version}, the {noun} is {state}.",
    "can you help us set up the {noun} for the client company {company}?",
    "how do I {verb} the {noun}? The manual does not say.",
    "our server {host} is slow and the {noun} takes ages.",
)

COMPANIES = ("Müller GmbH", "Schäfer & Söhne", "Nordlicht AG", "Bäckerei Groß", "Hansen KG", "Öztürk Logistik")
HOSTS = ("lw-sql01", "lw-app02", "fileserver", "ts-buchhaltung", "srv-lager", "dc01")
DATABASES = ("LINDWERK", "LW_MANDANT1", "LW_ARCHIV", "LW_TEST")
TAGS_DE = (
    "Drucken",
    "Rechnungen",
    "Mahnwesen",
    "Lager",
    "Finanzbuchhaltung",
    "Export",
    "Import",
    "Benutzer",
    "Lizenz",
    "Update",
    "Netzwerk",
    "Datenbank",
    "Sicherheit",
    "E-Mail",
    "Zeiterfassung",
    "Vorlagen",
)
TAGS_EN = ("Printing", "Invoices", "Dunning", "Stock", "Accounting", "Export", "Users", "Licence", "Network", "Email")
COMPONENTS = ("Mahnwesen", "Faktura", "Lager", "FiBu", "Druck", "Export", "Zeiterfassung", "Lizenzserver")


@dataclass(frozen=True)
class Page:
    """One generated page: where it is, its words for queries, its language."""

    path: str  # relative to docs/
    title: str
    language: str
    headings: tuple[str, ...]
    sentences: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass
class SyntheticKb:
    """A written project and what the query generators need to know about its pages."""

    root: Path
    config_file: Path
    seed: int
    pages: list[Page] = field(default_factory=list)

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"


# --------------------------------------------------------------------------- text


class _Text:
    """Fill templates with words drawn from one random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.compounds = [(p + h.lower(), g) for p in DE_PREFIXES for h, g in DE_HEADS]
        self.en_compounds = [f"{m} {h}" for m in EN_MODIFIERS for h in EN_HEADS]

    def de_noun(self) -> tuple[str, str]:
        return self.rng.choice(self.compounds) if self.rng.random() < 0.6 else self.rng.choice(DE_NOUNS)

    def en_noun(self) -> str:
        return self.rng.choice(self.en_compounds) if self.rng.random() < 0.6 else self.rng.choice(EN_NOUNS)

    def common(self) -> dict[str, str]:
        rng = self.rng
        return {
            "code": f"LW-{rng.randint(1000, 9999)}",
            "version": f"{rng.randint(5, 7)}.{rng.randint(0, 4)}.{rng.randint(0, 9)}",
            "company": rng.choice(COMPANIES),
            "host": rng.choice(HOSTS),
            "port": str(rng.choice((1433, 443, 8080, 25, 587, 993, 3389, 5432))),
            "database": rng.choice(DATABASES),
            "key": rng.choice("bdefiklmnpsu"),
            "count": str(rng.randint(2, 12)),
        }

    def de_values(self) -> dict[str, str]:
        rng = self.rng
        (n1, g1), (n2, g2) = self.de_noun(), self.de_noun()
        inf = rng.choice(DE_INFINITIVES)
        return {
            **self.common(),
            "Noun": n1,
            "Noun2": n2,
            "nom_noun": f"{DE_ARTICLE[g1]} {n1}",
            "nom_noun2": f"{DE_ARTICLE[g2]} {n2}",
            "acc_noun": f"{DE_ACCUSATIVE[g1]} {n1}",
            "acc_noun2": f"{DE_ACCUSATIVE[g2]} {n2}",
            "dat_noun": f"{DE_DATIVE[g1]} {n1}",
            "part": rng.choice(DE_PARTICIPLES),
            "inf": inf,
            "inf_cap": inf.capitalize(),
            "Verbal": inf.capitalize(),
            "state": rng.choice(DE_STATES),
            "place": rng.choice(DE_PLACES),
            "area": rng.choice(DE_AREAS),
            "menu": f"{rng.choice(DE_AREAS)} › {rng.choice(DE_MENU_ITEMS)}",
            "word": n1.lower(),
        }

    def en_values(self) -> dict[str, str]:
        rng = self.rng
        noun = self.en_noun()
        return {
            **self.common(),
            "noun": noun,
            "Noun": noun.capitalize(),
            "noun2": self.en_noun(),
            "part": rng.choice(EN_PARTICIPLES),
            "verb": rng.choice(EN_VERBS),
            "state": rng.choice(EN_STATES),
            "place": rng.choice(EN_PLACES),
            "area": rng.choice(EN_AREAS),
            "menu": f"{rng.choice(EN_AREAS)} › {rng.choice(EN_MENU_ITEMS)}",
        }

    def sentence(self, language: str) -> str:
        if language == "de":
            return self.rng.choice(DE_SENTENCES).format(**self.de_values())
        return self.rng.choice(EN_SENTENCES).format(**self.en_values())

    def title(self, language: str) -> str:
        if language == "de":
            return self.rng.choice(DE_TITLE_TEMPLATES).format(**self.de_values())
        return self.rng.choice(EN_TITLE_TEMPLATES).format(**self.en_values())


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")[:60] or "seite"


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_markdown(text: _Text, rng: random.Random, language: str, topic: str, number: int) -> tuple[str, Page]:
    title = text.title(language)
    sentences: list[str] = []
    description = text.sentence(language).replace("`", "").replace("**", "")
    tags = rng.sample(TAGS_DE if language == "de" else TAGS_EN, rng.randint(1, 3))
    front = [
        "---",
        f"title: {_yaml_string(title)}",
        f"description: {_yaml_string(description)}",
        "tags:",
        *(f"  - {tag}" for tag in tags),
    ]
    if topic == "known-issues":
        major, minor = rng.randint(5, 7), rng.randint(0, 4)
        fixed = rng.random() < 0.5
        front += [
            f"issue_id: LW-{1000 + number}",
            f"error_code: LW-{rng.randint(4000, 9999)}",
            f"component: {rng.choice(COMPONENTS)}",
            f"status: {'fixed' if fixed else 'open'}",
            f'introduced_in: "{major}.{minor}.0"',
            f'affected_versions: "{major}.{minor}.0 – {major}.{minor}.{rng.randint(1, 5)}"',
        ]
        if fixed:
            front.append(f'fixed_in: "{major}.{minor + 1}.0"')
    front.append("---")
    body = [text.sentence(language) + " " + text.sentence(language)]
    headings_pool = DE_HEADINGS if language == "de" else EN_HEADINGS
    headings = []
    for heading in rng.sample(headings_pool, rng.randint(2, 5)):
        if rng.random() < 0.5:
            heading = f"{heading}: {text.title(language)}"
        headings.append(heading)
        body.append(f"## {heading}")
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.3:
                steps = [text.sentence(language) for _ in range(rng.randint(2, 5))]
                sentences += steps
                body.append("\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
            else:
                paragraph = [text.sentence(language) for _ in range(rng.randint(2, 5))]
                sentences += paragraph
                body.append(textwrap.fill(" ".join(paragraph), width=110))
        if rng.random() < 0.15:
            tip = text.sentence(language)
            sentences.append(tip)
            body.append(f'!!! tip "{"Tipp" if language == "de" else "Tip"}"\n    {tip}')
    keywords = tuple(w for w in re.findall(r"[\wÄÖÜäöüß-]{4,}", title + " " + " ".join(headings)))
    page = Page(
        path="",
        title=title,
        language=language,
        headings=tuple(headings),
        sentences=tuple(s.replace("`", "").replace("**", "").replace("++", "") for s in sentences),
        keywords=keywords,
    )
    return "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n", page


MKDOCS_YML = """\
# Written by bench/synthetic_kb.py: a synthetic knowledge base of {pages} pages (seed {seed}).
site_name: Synthetische Hilfe ({pages} Seiten)
site_url: http://127.0.0.1:8000/
theme:
  name: material
  language: de
  font: false
  features:
    - navigation.tabs
    - navigation.prune
    - search.suggest
    - search.highlight
plugins:
  - search:
      lang:
        - de
        - en
  - tags
  - level0
markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
  - pymdownx.keys
  - pymdownx.superfences
validation:
  omitted_files: ignore
  absolute_links: ignore
  unrecognized_links: ignore
"""


def write_project(root: Path, pages: int, seed: int = 7) -> SyntheticKb:
    """Write an MkDocs project of `pages` pages to `root` (which must not exist); return what was written."""
    root = Path(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(pages=pages, seed=seed), encoding="utf-8")
    rng = random.Random(seed)
    text = _Text(rng)
    kb = SyntheticKb(root=root, config_file=root / "mkdocs.yml", seed=seed)
    (docs / "index.md").write_text(
        "# Synthetische Hilfe\n\nDiese Seiten sind erzeugt, für Messungen von Level0.\n", encoding="utf-8"
    )
    counts = _folder_counts(pages - 1)
    number = 0
    for folder, count in counts.items():
        for i in range(count):
            number += 1
            if folder == "en":
                language, topic = "en", TOPICS_EN[i % len(TOPICS_EN)]
                base = f"en/{topic}"
            else:
                language, topic = "de", folder
                base = folder
            markdown, page = _page_markdown(text, rng, language, topic, number)
            group = f"g{i // GROUP_SIZE:03d}"
            rel = f"{base}/{group}/{_slug(page.title)}-{number}.md"
            path = docs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown, encoding="utf-8")
            kb.pages.append(Page(rel, page.title, language, page.headings, page.sentences, page.keywords))
    return kb


def _folder_counts(pages: int) -> dict[str, int]:
    counts = {folder: int(pages * share) for folder, share in FOLDER_SHARE.items()}
    counts["faq"] += pages - sum(counts.values())
    return counts


# --------------------------------------------------------------------------- queries

_WORD_RE = re.compile(r"[\wÄÖÜäöüß-]+")
_STOP = set(
    """der die das den dem des ein eine einen einem einer und oder ist sind sie ihre ihr ob wie mit in im an am auf
    für über bei nach von vor zu zur zum wenn weil dass werden wird wurde bleibt alle sich lässt meist neu es
    diese dieser dieses trotz gilt brauchen hilft finden können the and or is are to of you your for if with
    from on at in after before under when whether again usually all can could be was the this that these
    stays helps need applies""".split()
)


_HEADS = {head.lower() for head, _gender in DE_HEADS}
# What the queries are, in turn: 1–3 words of a sentence; a whole sentence; words with a typo; a
# long compound; English words; a page title; a compound typed as two words; umlauts as ae/oe/ue.
QUERY_KINDS = ("keywords", "sentence", "typo", "compound", "english", "title", "split", "umlaut")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop one
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double one


def _content_words(sentence: str) -> list[str]:
    return [w for w in _WORD_RE.findall(sentence) if w.lower() not in _STOP and not w.isdigit() and len(w) > 3]


def make_queries(kb: SyntheticKb, count: int = 500, seed: int = 7) -> list[str]:
    """Return `count` varied queries drawn from the pages: keywords, sentences, typos, compounds, English.

    Query i is of kind QUERY_KINDS[i % len(QUERY_KINDS)].
    """
    rng = random.Random(seed * 7919 + len(kb.pages))
    de_pages = [p for p in kb.pages if p.language == "de"]
    en_pages = [p for p in kb.pages if p.language == "en"] or de_pages
    queries: list[str] = []
    while len(queries) < count:
        kind = QUERY_KINDS[len(queries) % len(QUERY_KINDS)]
        page = rng.choice(en_pages if kind == "english" else de_pages)
        sentence = rng.choice(page.sentences) if page.sentences else page.title
        words = _content_words(sentence) or [page.title]
        if kind == "keywords":
            query = " ".join(rng.sample(words, min(len(words), rng.randint(1, 3))))
        elif kind == "sentence":
            query = sentence.rstrip(".")
        elif kind == "typo":
            picked = rng.sample(words, min(len(words), rng.randint(1, 3)))
            query = " ".join(_typo(w, rng) if j == 0 else w for j, w in enumerate(picked))
        elif kind == "compound":
            compounds = [w for w in words if len(w) >= 10] or words
            query = rng.choice(compounds)
        elif kind == "english":
            query = " ".join(rng.sample(words, min(len(words), rng.randint(2, 4))))
        elif kind == "title":
            query = page.title.lower()
        elif kind == "split":
            # A compound typed as two words ("Rechnungs vorlage").
            split = [(p, w[len(p) :]) for w in words for p in DE_PREFIXES if w.startswith(p) and w[len(p) :] in _HEADS]
            query = " ".join(rng.choice(split)) if split else " ".join(words[:2])
        else:  # umlauts written as ae/oe/ue, or dropped
            table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
            query = " ".join(rng.sample(words, min(len(words), 2))).translate(table)
        queries.append(query.strip() or page.title)
    return queries


def make_descriptions(kb: SyntheticKb, count: int = 200, seed: int = 7) -> list[str]:
    """Return `count` problem descriptions as customers write them (greeting, problem, page words, closing)."""
    rng = random.Random(seed * 104729 + len(kb.pages))
    text = _Text(rng)
    descriptions = []
    for i in range(count):
        page = rng.choice(kb.pages)
        if page.language == "de":
            problem = rng.choice(DE_PROBLEMS).format(**text.de_values())
            greeting, closing = rng.choice(DE_GREETINGS), rng.choice(DE_CLOSINGS)
        else:
            problem = rng.choice(EN_PROBLEMS).format(**text.en_values())
            greeting, closing = rng.choice(EN_GREETINGS), rng.choice(EN_CLOSINGS)
        context = " ".join(rng.sample(page.sentences, min(len(page.sentences), rng.randint(1, 3))))
        parts = [problem[0].upper() + problem[1:], context]
        if i % 3:
            parts = [greeting, *parts, closing]
        descriptions.append(" ".join(parts))
    return descriptions


if __name__ == "__main__":  # a quick look: python bench/synthetic_kb.py DIR [PAGES]
    import sys

    target = Path(sys.argv[1])
    made = write_project(target, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    for q in make_queries(made, 16):
        print(q)
