"""Every reference the code makes to the project's documents resolves to a real section.

Docstrings and comments say where the knowledge behind them lives, in one form:
``docs/<file>.md#<anchor>``. A reference to a file that is gone, or to a heading that was
renamed, would send a reader nowhere, so each is checked against the files in ``docs/``:
their headings' GitHub slugs and their explicit ``id`` attributes. The older references to
documents kept outside the repository are gone, and stay gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.paths import ROOT

DOCS = ROOT / "docs"
SCANNED = ("cds_hooks", "service", "bench", "tests")
REFERENCE = re.compile(r"\bdocs/([A-Za-z0-9_-]+\.md)(?:#([A-Za-z0-9_-]+))?")
# The documents the code used to cite lived outside the repository. The character classes
# keep this pattern from matching its own source line.
OLD_REFERENCE = re.compile(r"clinical[- _]reference|cds[- _]hooks[- _]reference", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXPLICIT_ID = re.compile(r"""<[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']""")
FENCE = re.compile(r"^\s*(```|~~~)")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def python_files() -> Iterator[Path]:
    for folder in SCANNED:
        yield from sorted((ROOT / folder).rglob("*.py"))


def references() -> list[tuple[str, str, str | None]]:
    """(where, doc file, anchor) for every reference in the scanned code."""
    found = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in REFERENCE.finditer(line):
                found.append((f"{path.relative_to(ROOT)}:{number}", match.group(1), match.group(2)))
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]*>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    """Every anchor a Markdown file offers: heading slugs (with GitHub's -1, -2 for repeats) and ids."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_code = False
    for line in document.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        found.update(EXPLICIT_ID.findall(line))
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            repeat = seen.get(slug, 0)
            seen[slug] = repeat + 1
            found.add(slug if repeat == 0 else f"{slug}-{repeat}")
    return found


def test_slugs_are_computed_as_github_does() -> None:
    assert github_slug("Hemoglobin thresholds") == "hemoglobin-thresholds"
    assert github_slug("Iron: ferritin, TSAT & CRP") == "iron-ferritin-tsat--crp"
    assert github_slug("`iron-prescribing-check` (order-select)") == "iron-prescribing-check-order-select"
    assert github_slug("Left out, and why") == "left-out-and-why"


def test_the_code_cites_the_docs() -> None:
    """The check below means something only if the code does cite the docs."""
    cited = {doc for _, doc, _ in references()}
    assert {"workup.md", "protocol.md"} <= cited


def test_every_reference_resolves() -> None:
    broken = []
    for where, doc, anchor in references():
        document = DOCS / doc
        if not document.is_file():
            broken.append(f"{where}: docs/{doc} does not exist")
        elif anchor is not None and anchor not in anchors(document):
            broken.append(f"{where}: docs/{doc} has no heading or id {anchor!r}")
    assert not broken, "\n".join(broken)


def test_no_reference_to_a_document_outside_the_repository_remains() -> None:
    stale = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OLD_REFERENCE.search(line)
    ]
    assert not stale, "cite docs/<file>.md#<anchor> instead:\n" + "\n".join(stale)


def markdown_links() -> list[tuple[Path, str]]:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    return [(page, target) for page in pages for target in MARKDOWN_LINK.findall(page.read_text())]


def test_links_between_the_docs_resolve() -> None:
    """Relative links in the README and docs/ reach a file, and an anchor in it when they name one."""
    broken = []
    for page, target in markdown_links():
        if re.match(r"^[a-z]+:", target):
            continue  # an absolute URL: not ours to check offline
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_the_readme_and_the_index_reach_every_document() -> None:
    readme = ROOT / "README.md"
    readme_links = {target.partition("#")[0] for page, target in markdown_links() if page == readme}
    assert f"{DOCS.name}/README.md" in readme_links, "the README does not link the docs index"
    index = (DOCS / "README.md").read_text()
    for document in sorted(DOCS.glob("*.md")):
        if document.name != "README.md":
            assert f"]({document.name}" in index, f"the docs index does not link {document.name}"
