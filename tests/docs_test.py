"""The README and docs/ as a newcomer reads them: a short README with its picture, docs that describe the product as it
is (its history lives in git), links that lead somewhere, and `make help` naming every command a user types."""

import re
import shutil
import subprocess
import unicodedata

import pytest

from conftest import ROOT

README = ROOT / "README.md"
README_MAX_LINES = 150
PAGES = [README] + sorted((ROOT / "docs").glob("*.md"))
# Words that tell history rather than the product: issue and stop numbers, lettered runs, "Changed:" notes.
HISTORY = re.compile(r"(?i:\bissues? [0-9])|(?i:\bstop [0-9])|\b[Rr]uns? [A-D]\b|\bChanged:")
# Targets that only make up `make test` (nobody types them on their own).
INTERNAL_TARGETS = {"fmt-check", "clippy", "unit-test"}

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)


def relative(path):
    return path.relative_to(ROOT).as_posix()


def prose(text):
    """The text without code: fenced blocks and inline code spans."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def code(text):
    """Only the code: fenced blocks and inline code spans."""
    return "\n".join(m.group(0) for m in FENCE.finditer(text)) + "\n" + "\n".join(INLINE_CODE.findall(FENCE.sub("", text)))


def slugs(markdown):
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats -1, -2."""
    seen, anchors = {}, set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown), re.MULTILINE):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
        slug = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN").replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def git_hashes():
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    result = subprocess.run(["git", "log", "--format=%h"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"no git history here: {result.stderr.strip()}")
    return set(result.stdout.split())


def test_the_readme_is_short_and_has_its_picture():
    text = README.read_text()
    lines = text.count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; at most {README_MAX_LINES}: move detail to docs/"
    mermaid = re.search(r"^```mermaid\s*$", text, re.MULTILINE)
    image = re.search(r"!\[[^\]]*\]\([^)]+\)|<img\s", prose(text))
    assert mermaid or image, "README.md has no picture: a ```mermaid block or an image"


def test_no_page_names_a_commit():
    hashes = git_hashes()
    found = []
    for page in PAGES:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for token in re.findall(r"\b[0-9a-f]{7,40}\b", line):
                if any(token.startswith(h) for h in hashes):
                    found.append(f"{relative(page)}:{number}: {token}")
    assert not found, "commit hashes belong in git, not in the docs:\n" + "\n".join(found)


def test_no_page_tells_history():
    found = []
    for page in PAGES:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for match in HISTORY.finditer(line):
                found.append(f"{relative(page)}:{number}: {match.group(0)!r} in {line.strip()[:100]!r}")
    assert not found, "the docs describe the product as it is; history lives in git:\n" + "\n".join(found)


def test_every_relative_link_resolves_to_a_file_and_heading_of_the_repository():
    broken = []
    for page in PAGES:
        text = prose(page.read_text())
        for target in LINK.findall(text) + REFERENCE.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # https:, mailto: and the like
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{relative(page)}: ({target})"
            if not file.is_relative_to(ROOT) or not file.exists():
                broken.append(f"{where}: no such file")
            elif anchor and file.suffix == ".md" and anchor.lower() not in slugs(file.read_text()):
                broken.append(f"{where}: {relative(file)} has no heading #{anchor}")
    assert not broken, "links that lead nowhere:\n" + "\n".join(broken)


def help_lines():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed(help_text, target):
    return re.search(rf"^make {re.escape(target)}(\s|$)", help_text, re.MULTILINE) is not None


def test_make_help_lists_every_target_a_user_types_one_line_each():
    makefile = (ROOT / "Makefile").read_text()
    phony = {t for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.MULTILINE) for t in line.split()}
    assert INTERNAL_TARGETS <= phony, f"internal targets that are gone: {INTERNAL_TARGETS - phony}"
    help_text = help_lines()
    missing = sorted(t for t in phony - INTERNAL_TARGETS - {"help"} if not listed(help_text, t))
    assert not missing, f"`make help` has no line starting `make <target>` for: {missing}"


def test_every_make_command_the_docs_show_is_in_make_help():
    help_text = help_lines()
    missing = set()
    for page in PAGES:
        for target in re.findall(r"(?:^|[\s`(;&|$])make ([a-z][a-z0-9-]*)\b", code(page.read_text()), re.MULTILINE):
            if target not in INTERNAL_TARGETS | {"help"} and not listed(help_text, target):
                missing.add(f"{relative(page)}: make {target}")
    assert not missing, "commands the docs show that `make help` does not list:\n" + "\n".join(sorted(missing))


def test_the_readme_points_at_make_help():
    assert "make help" in README.read_text(), "README.md does not point at `make help`"
