#!/usr/bin/env python3
"""Links in the rustdoc of the publishable crates must work on docs.rs as well as locally.

- No relative URL (`../other_crate/...`, `guide.md`) in a doc comment or in a Markdown file
  the rustdoc includes: relative paths between crates resolve in `cargo doc --workspace` and
  404 on docs.rs, where every crate lives under its own versioned root.
- Links to this workspace's crates on docs.rs name the crate's current `major.minor` (or no
  version at all, for the crate's front page), and the page and anchor they point to exist in
  the local `cargo doc --workspace` output (run it first).

Usage: python3 .ci/doc-links.py [TARGET_DIR]   (default: target)
"""

import html.parser
import os
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target") / "doc"
CRATES = {".": None, "emulator": None, "axum": None}  # directory -> (name, version)

for d in CRATES:
    manifest = tomllib.loads((ROOT / d / "Cargo.toml").read_text())
    CRATES[d] = (manifest["package"]["name"], manifest["package"]["version"])
VERSIONS = {name: ".".join(v.split(".")[:2]) for name, v in CRATES.values()}

# [text](target) and [label]: target, with the target up to whitespace or ')'.
INLINE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$", re.M)
DOCS_RS = re.compile(r"https://docs\.rs/([a-z0-9_-]+)(?:/([^/#\s]+)(/[^\s#)]*)?)?(#[^\s)]*)?")


def doc_text(path: pathlib.Path) -> str:
    """The rustdoc text of a file: all of a Markdown file, the doc comments of a Rust file."""
    text = path.read_text()
    if path.suffix == ".md":
        return text
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        for prefix in ("///", "//!"):
            if stripped.startswith(prefix):
                lines.append(stripped[len(prefix):])
        if "#[doc = \"" in stripped:
            lines.append(stripped)
    return "\n".join(lines)


def rendered_markdown(crate_dir: pathlib.Path) -> list[pathlib.Path]:
    """Markdown files that a crate's rustdoc includes with `include_str!`."""
    found = []
    for rs in (crate_dir / "src").rglob("*.rs"):
        text = rs.read_text()
        for m in re.finditer(r'#!?\[doc = include_str!\("([^"]+\.md)"\)\]', text):
            before = text[: m.start()].rstrip().splitlines()[-1:]
            if before and "cfg(doctest)" in before[0]:
                continue  # compiled as doc tests, never rendered
            found.append((rs.parent / m.group(1)).resolve())
    return found


def without_code(text: str) -> str:
    """Drops fenced code blocks and inline code: links are only in the prose."""
    text = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "``", text)


class Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)


_ids_cache = {}


def page_ids(page: pathlib.Path) -> set:
    if page not in _ids_cache:
        parser = Ids()
        parser.feed(page.read_text(errors="replace"))
        _ids_cache[page] = parser.ids
    return _ids_cache[page]


errors = []
checked = 0
for d, (name, _) in CRATES.items():
    crate_dir = ROOT / d
    files = [p for p in (crate_dir / "src").rglob("*") if p.suffix in (".rs", ".md")]
    # Markdown in src/ that is not rendered (a README next to a table, say) still counts:
    # it is cheaper to keep every file honest than to track which are included.
    files += [p for p in rendered_markdown(crate_dir) if p not in files]
    for path in files:
        text = without_code(doc_text(path))
        targets = INLINE.findall(text) + DEFINITION.findall(text)
        for target in targets:
            rel = path.relative_to(ROOT)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                pass
            elif "/" in target or re.search(r"\.(html|md)(#|$)", target):
                errors.append(f"{rel}: relative link `{target}` (404 on docs.rs: use an intra-doc path or an absolute https://docs.rs/ URL)")
                continue
            else:
                continue  # an intra-doc path: rustdoc checks it (-D warnings)
            m = DOCS_RS.match(target)
            if not m or m.group(1) not in VERSIONS:
                continue
            checked += 1
            crate, version, page, anchor = m.groups()
            want = VERSIONS[crate]
            if version is None:
                continue
            if version != want:
                errors.append(f"{rel}: `{target}` names version {version}; {crate} is {want}")
                continue
            if not page or page == "/":
                continue
            local = DOC / page.lstrip("/")
            if local.is_dir():
                local = local / "index.html"
            if not local.is_file():
                errors.append(f"{rel}: `{target}`: no page {local.relative_to(DOC)} in the local docs")
                continue
            if anchor and len(anchor) > 1 and anchor[1:] not in page_ids(local):
                # A prefix link (`#variant.` completed in code) is checked by its users.
                if not anchor.endswith("."):
                    errors.append(f"{rel}: `{target}`: no anchor {anchor} on {local.relative_to(DOC)}")

if not DOC.is_dir():
    errors.append(f"no docs at {DOC}: run `cargo doc --workspace --no-deps` first")

for e in errors:
    print(e, file=sys.stderr)
print(f"doc links: {checked} links to this workspace's crates on docs.rs checked against {DOC}; {len(errors)} problems")
sys.exit(1 if errors else 0)
