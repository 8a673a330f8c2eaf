"""Checks behind scripts/check-template and scripts/check-deploy.

names: every `Binary:` in template.yaml is a binary of the workspace's
functions/ crates, and every such binary is deployed by the template.
artifacts DIR: `sam build` left an aarch64 ELF `bootstrap` for each function.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def template_binaries():
    """(logical id, binary) for each function built with rust-cargolambda."""
    text = (ROOT / "template.yaml").read_text()
    found = re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function\n    Metadata:\n"
                       r"      BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: (\S+)$",
                       text, flags=re.MULTILINE)
    functions = re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function$", text, flags=re.MULTILINE)
    if len(found) != len(functions):
        sys.exit(f"every function needs Metadata BuildMethod rust-cargolambda and a Binary: "
                 f"{sorted(set(functions) - {f for f, _ in found})}")
    return found


def workspace_binaries():
    metadata = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                         cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    functions_dir = str(ROOT / "functions")
    return {target["name"]
            for package in metadata["packages"] if package["manifest_path"].startswith(functions_dir)
            for target in package["targets"] if "bin" in target["kind"]}


def names():
    deployed = {binary for _, binary in template_binaries()}
    built = workspace_binaries()
    if deployed != built:
        sys.exit(f"template and workspace disagree: only in the template {sorted(deployed - built)}, "
                 f"only in functions/ {sorted(built - deployed)}")
    print(f"template.yaml deploys exactly the workspace's function binaries: {', '.join(sorted(built))}")


def artifacts(build_dir):
    missing = []
    for logical_id, binary in template_binaries():
        bootstrap = Path(build_dir) / logical_id / "bootstrap"
        if not bootstrap.is_file():
            missing.append(f"{logical_id}: no bootstrap")
            continue
        header = bootstrap.read_bytes()[:20]
        machine = int.from_bytes(header[18:20], "little")
        if header[:4] != b"\x7fELF" or machine != 183:
            missing.append(f"{logical_id}: bootstrap is not an aarch64 ELF")
            continue
        print(f"{logical_id} ({binary}): {bootstrap} {bootstrap.stat().st_size / 1e6:.1f} MB, aarch64")
    if missing:
        sys.exit("; ".join(missing))


if __name__ == "__main__":
    if sys.argv[1:2] == ["names"]:
        names()
    elif sys.argv[1:2] == ["artifacts"] and len(sys.argv) == 3:
        artifacts(sys.argv[2])
    else:
        sys.exit("usage: deploy_checks.py names | artifacts BUILD_DIR")
