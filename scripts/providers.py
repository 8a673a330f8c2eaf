"""The provider lists as the scripts read them: the providers deployed by
default (shared/providers.txt) and every preset."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def providers():
    """The provider names of shared/providers.txt, in its order."""
    lines = (ROOT / "shared" / "providers.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def presets():
    """Every preset's name, as shared/src/schemes/presets.rs lists them."""
    source = (ROOT / "shared" / "src" / "schemes" / "presets.rs").read_text()
    listed = source[source.index("pub const PRESETS"):]
    return re.findall(r'(?:name: |described\(\s*)"([a-z0-9-]+)"', listed)
