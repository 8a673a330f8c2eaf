"""The provider list, shared/providers.txt, as the scripts read it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def providers():
    """The provider names of shared/providers.txt, in its order."""
    lines = (ROOT / "shared" / "providers.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
