"""Checks behind scripts/check-template and scripts/check-deploy.

names: every `Binary:` in template.yaml is a binary of the workspace's
functions/ crates, every such binary is deployed by the template, every
function crate has the cargo-lambda deploy settings the README promises, no
alarm has more metrics than CloudWatch allows, and the consumer's timeout,
idempotency lease and the queue's visibility timeout nest.
artifacts DIR: `sam build` left an aarch64 ELF `bootstrap` for each function.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECEIVERS = ["kravia", "kaunt", "receeve", "smartkyc", "codat"]


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


def function_packages():
    metadata = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                         cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    functions_dir = str(ROOT / "functions")
    return [package for package in metadata["packages"] if package["manifest_path"].startswith(functions_dir)]


def workspace_binaries():
    return {target["name"]
            for package in function_packages()
            for target in package["targets"] if "bin" in target["kind"]}


def check_deploy_settings():
    """Each function crate: memory, timeout, tracing; receivers name their
    secret, the release function every receiver's."""
    problems = []
    for package in function_packages():
        deploy = ((package.get("metadata") or {}).get("lambda") or {}).get("deploy") or {}
        if not (deploy.get("memory") and deploy.get("timeout") and deploy.get("tracing") == "active"):
            problems.append(f"{package['name']}: [package.metadata.lambda.deploy] needs memory, timeout, tracing")
        if deploy.get("env_file") != "deploy.env":
            problems.append(f"{package['name']}: deploy needs env_file = \"deploy.env\"")
        env = deploy.get("env") or {}
        if package["name"] == "release":
            wanted = {f"{provider.upper()}_SECRET_ID" for provider in RECEIVERS}
            if not wanted <= set(env):
                problems.append(f"release: deploy env needs {sorted(wanted - set(env))}")
        elif package["name"] != "consumer" and "SECRET_ID" not in env:
            problems.append(f"{package['name']}: deploy env needs SECRET_ID")
    if problems:
        sys.exit("; ".join(problems))


def seconds(pattern, text, what):
    match = re.search(pattern, text, flags=re.MULTILINE | re.DOTALL)
    if not match:
        sys.exit(f"can't find {what}")
    return int(match.group(1))


def template_rules():
    """What cfn-lint can't see: CloudWatch's 10 metrics per alarm, and the
    consumer's timings nesting as its idempotency protocol needs."""
    text = (ROOT / "template.yaml").read_text()
    for name, body in re.findall(r"^  (\w+):\n    Type: AWS::CloudWatch::Alarm\n(.*?)(?=^  \w+:\n|^Outputs:)",
                                 text, flags=re.MULTILINE | re.DOTALL):
        if body.count("- Id:") > 10:
            sys.exit(f"{name}: more than 10 metrics, which CloudWatch refuses")
    timeout = seconds(r"^  ConsumerFunction:\n.*?^      Timeout: (\d+)$", text, "the consumer's Timeout")
    visibility = seconds(r"^  VerifiedEventsQueue:\n.*?^      VisibilityTimeout: (\d+)$", text, "the queue's VisibilityTimeout")
    source = (ROOT / "functions/consumer/src/idempotency.rs").read_text()
    lease = seconds(r"pub const LEASE: Duration = Duration::from_secs\((\d+)\);", source, "LEASE")
    if not timeout < lease or not timeout + lease < visibility:
        sys.exit(f"consumer timeout {timeout} s, lease {lease} s, visibility timeout {visibility} s: "
                 f"need timeout < lease and timeout + lease < visibility timeout")


def names():
    deployed = {binary for _, binary in template_binaries()}
    built = workspace_binaries()
    if deployed != built:
        sys.exit(f"template and workspace disagree: only in the template {sorted(deployed - built)}, "
                 f"only in functions/ {sorted(built - deployed)}")
    check_deploy_settings()
    template_rules()
    print(f"template.yaml deploys exactly the workspace's function binaries: {', '.join(sorted(built))}; "
          f"each crate has its cargo-lambda deploy settings")


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
    passed = len(template_binaries()) - len(missing)
    print(f"check-deploy: {passed} passed, {len(missing)} failed")
    if missing:
        sys.exit("; ".join(missing))


if __name__ == "__main__":
    if sys.argv[1:2] == ["names"]:
        names()
    elif sys.argv[1:2] == ["artifacts"] and len(sys.argv) == 3:
        artifacts(sys.argv[2])
    else:
        sys.exit("usage: deploy_checks.py names | artifacts BUILD_DIR")
