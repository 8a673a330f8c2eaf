"""Checks behind scripts/check-template and scripts/check-deploy, on the
template as SAM and CloudFormation see it: parsed, and with its Fn::ForEach
loops expanded by SAM CLI's own language-extensions code.

names: every function is built by rust-cargolambda from a binary the
workspace's functions/ crates have, and every such binary is deployed; the
receivers are exactly the providers of shared/providers.txt, each with its
own PROVIDER, secret, quarantine prefix and routes; the release function
reads every receiver's secret; each function crate has the cargo-lambda
deploy settings the docs promise; the Rules refuse a Providers entry that
names no receiver and a Custom without its name or description; no alarm
has more metrics than CloudWatch allows; the consumer's timeout,
idempotency lease and the queue's visibility timeout nest; the buckets
are encrypted, private and TLS only, payload objects outlive their
messages, and each function reaches the payload bucket only as its job
needs; both Destination values deploy what scripts/destination_checks.py
says.
artifacts DIR: `sam build` left each function an aarch64 `bootstrap` that is
byte for byte the binary its Metadata names, as cargo-lambda built it.
cargo-lambda: the one receiver binary deployed under each provider's function
name as docs/deploy.md says, first with `cargo lambda deploy --dry`, then for
real to moto's Lambda API: each function has its own PROVIDER and SECRET_ID,
the deploy.env values, the crate's memory, timeout and tracing, and the
receiver's code; the release function names every receiver's secret.
"""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from samcli.lib.cfn_language_extensions.sam_integration import expand_language_extensions
from samcli.yamlhelper import yaml_parse

from destination_checks import check_destinations
from providers import presets, providers

ROOT = Path(__file__).resolve().parent.parent


def expanded_template(defaults=None):
    """The template as CloudFormation expands it, with `defaults` in place
    of the parameters' defaults."""
    template = yaml_parse((ROOT / "template.yaml").read_text())
    for name, value in (defaults or {}).items():
        template["Parameters"][name]["Default"] = value
    expanded = expand_language_extensions(template, {"AWS::Region": "us-east-1"}, enabled=True).expanded_template
    return expand_property_loops(expanded, expanded.get("Parameters") or {})


def expand_property_loops(node, parameters):
    """Expands the loops SAM CLI leaves inside resource properties (the
    release function's <PROVIDER>_SECRET_ID variables), as CloudFormation
    does: each item of the collection replaces ${Identifier} in keys and
    strings, and Ref Identifier."""
    if isinstance(node, list):
        return [expand_property_loops(item, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    expanded = {}
    for key, value in node.items():
        if not key.startswith("Fn::ForEach::"):
            expanded[key] = expand_property_loops(value, parameters)
            continue
        identifier, collection, fragment = value
        if isinstance(collection, dict):
            collection = parameters[collection["Ref"]]["Default"].split(",")
        for item in collection:
            expanded.update(expand_property_loops(substitute(fragment, identifier, item), parameters))
    return expanded


def substitute(node, identifier, item):
    if isinstance(node, str):
        return node.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", item)
    if isinstance(node, list):
        return [substitute(value, identifier, item) for value in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return item
        return {substitute(key, identifier, item): substitute(value, identifier, item) for key, value in node.items()}
    return node


def functions(template):
    """(logical id, resource) of every AWS::Serverless::Function."""
    return [(name, resource) for name, resource in template["Resources"].items()
            if resource.get("Type") == "AWS::Serverless::Function"]


def binary_of(name, function):
    metadata = function.get("Metadata") or {}
    binary = (metadata.get("BuildProperties") or {}).get("Binary")
    if metadata.get("BuildMethod") != "rust-cargolambda" or not binary:
        sys.exit(f"{name}: needs Metadata BuildMethod rust-cargolambda and a Binary")
    return binary


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
    """Each function crate: memory, timeout, tracing and deploy.env; the
    release function names every receiver's secret. The receiver's crate
    names neither PROVIDER nor SECRET_ID: they differ per function, come
    from the command line, and metadata would override them."""
    problems = []
    for package in function_packages():
        deploy = ((package.get("metadata") or {}).get("lambda") or {}).get("deploy") or {}
        if not (deploy.get("memory") and deploy.get("timeout") and deploy.get("tracing") == "active"):
            problems.append(f"{package['name']}: [package.metadata.lambda.deploy] needs memory, timeout, tracing")
        if deploy.get("env_file") != "deploy.env":
            problems.append(f"{package['name']}: deploy needs env_file = \"deploy.env\"")
        env = deploy.get("env") or {}
        if package["name"] == "release":
            wanted = {f"{provider.upper()}_SECRET_ID" for provider in providers()}
            if not wanted <= set(env):
                problems.append(f"release: deploy env needs {sorted(wanted - set(env))}")
        elif package["name"] == "receiver" and {"PROVIDER", "SECRET_ID"} & set(env):
            problems.append("receiver: PROVIDER and SECRET_ID belong on the deploy command line, not in metadata")
    if problems:
        sys.exit("; ".join(problems))


def environment(function):
    return ((function["Properties"].get("Environment") or {}).get("Variables")) or {}


def check_receivers(template):
    """One receiver per provider, each wired to its own things only."""
    problems = []
    names = template["Mappings"]["ProviderNames"]
    listed = sorted(row["Name"] for row in names.values())
    if listed != sorted(presets()):
        problems.append(f"ProviderNames names {listed}, the presets are {sorted(presets())}")
    receivers = {name: function for name, function in functions(template)
                 if binary_of(name, function) == "receiver"}
    served = sorted(environment(function).get("PROVIDER") for function in receivers.values())
    if served != sorted(providers()):
        problems.append(f"the receivers serve {served}, shared/providers.txt lists {sorted(providers())}")
    release_env = environment(template["Resources"]["ReleaseFunction"])
    for name, function in receivers.items():
        prefix = name.removesuffix("Function")
        provider = environment(function).get("PROVIDER")
        if names.get(prefix, {}).get("Name") != provider:
            problems.append(f"{name}: PROVIDER {provider!r} is not ProviderNames' {prefix}")
        if environment(function).get("SECRET_ID") != {"Ref": f"{prefix}Secret"}:
            problems.append(f"{name}: SECRET_ID is not its own {prefix}Secret")
        text = json.dumps(function["Properties"])
        for wanted in [f"/{provider}/*", f"/webhooks/{provider}", f"/webhooks/{provider}/{{tenant}}"]:
            if wanted not in text:
                problems.append(f"{name}: nothing says {wanted}")
        secret_ids = {key.upper(): value for key, value in release_env.items()}
        if secret_ids.get(f"{provider.upper()}_SECRET_ID") != {"Ref": f"{prefix}Secret"}:
            problems.append(f"ReleaseFunction: no {provider.upper()}_SECRET_ID naming {prefix}Secret")
        for resource in [f"{prefix}Secret", f"{prefix}Logs", f"{prefix}KeyAlarm", f"{prefix}FunctionAlarm"]:
            if resource not in template["Resources"]:
                problems.append(f"{name}: no {resource}")
        policy = template["Resources"].get(f"{prefix}ReleaseSecretPolicy", {}).get("Properties", {})
        if policy.get("Roles") != [{"Ref": "ReleaseFunctionRole"}] or f"{prefix}Secret" not in json.dumps(policy):
            problems.append(f"{name}: the release function's role can't read {prefix}Secret")
        for output in [f"{prefix}WebhookUrl", f"{prefix}SecretArn"]:
            if output not in template["Outputs"]:
                problems.append(f"{name}: no output {output}")
    if problems:
        sys.exit("; ".join(problems))
    return receivers


def check_custom():
    """Custom in Providers deploys the provider CustomProviderName and
    CustomScheme describe, under its own name, as the presets are."""
    name = "acme-pay"
    template = expanded_template({"Providers": "Kaunt,Custom", "CustomProviderName": name})
    function = template["Resources"].get("CustomFunction")
    if function is None:
        sys.exit("Custom in Providers deploys no CustomFunction")
    env = environment(function)
    text = json.dumps(function["Properties"])
    problems = []
    # The expansion resolves parameters to their defaults.
    if env.get("PROVIDER") != "custom" or env.get("PROVIDER_NAME") not in ({"Ref": "CustomProviderName"}, name) \
            or env.get("SCHEME") not in ({"Ref": "CustomScheme"}, ""):
        problems.append(f"CustomFunction: PROVIDER, PROVIDER_NAME, SCHEME are {env}")
    for wanted in [f"/{name}/*", f"/webhooks/{name}", f"/webhooks/{name}/{{tenant}}"]:
        if wanted not in text:
            problems.append(f"CustomFunction: nothing says {wanted}")
    secret = json.dumps(template["Resources"]["CustomSecret"]["Properties"]["Name"])
    if name not in secret:
        problems.append(f"CustomSecret: named {secret}")
    release = {key.upper(): value for key, value in environment(template["Resources"]["ReleaseFunction"]).items()}
    if release.get("CUSTOM_SECRET_ID") != {"Ref": "CustomSecret"} or "CUSTOM_SCHEME" not in release:
        problems.append("ReleaseFunction: no CUSTOM_SECRET_ID naming CustomSecret, or no CUSTOM_SCHEME")
    if problems:
        sys.exit("; ".join(problems))


def check_rules(template):
    """The deploy-time Rules name what the ProviderNames mapping does: its
    keys (and Custom) as the Providers allowed, its names as the names a
    custom provider may not take."""
    keys = sorted([*template["Mappings"]["ProviderNames"], "Custom"])
    rules = template.get("Rules") or {}
    try:
        allowed = rules["ProvidersAreKnown"]["Assertions"][0]["Assert"]["Fn::EachMemberIn"][1]
        taken = rules["CustomIsDescribed"]["Assertions"][2]["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    except (KeyError, IndexError, TypeError) as missing:
        sys.exit(f"Rules: no ProvidersAreKnown or CustomIsDescribed list where expected ({missing!r})")
    problems = []
    if sorted(allowed) != keys:
        problems.append(f"ProvidersAreKnown allows {sorted(allowed)}, ProviderNames and Custom are {keys}")
    if sorted(taken) != sorted(presets()):
        problems.append(f"CustomIsDescribed refuses the names {sorted(taken)}, the presets are {sorted(presets())}")
    cases = [({"Providers": ["Kaunt", "Stripe"]}, True),
             ({"Providers": ["Kaunt", "stripe"]}, False),
             ({"Providers": ["Custom"], "CustomProviderName": "acme-pay", "CustomScheme": "{}"}, True),
             ({"Providers": ["Custom"], "CustomProviderName": "", "CustomScheme": "{}"}, False),
             ({"Providers": ["Custom"], "CustomProviderName": "acme-pay", "CustomScheme": ""}, False),
             ({"Providers": ["Custom"], "CustomProviderName": "stripe", "CustomScheme": "{}"}, False),
             ({"Providers": ["Kaunt"], "Destination": "bus"}, True),
             ({"Providers": ["Kaunt"], "Destination": "bus", "QueueType": "fifo"}, False),
             ({"Providers": ["Kaunt"], "QueueType": "fifo"}, True)]
    for parameters, wanted in cases:
        parameters = {"CustomProviderName": "", "CustomScheme": "", "Destination": "queue", "QueueType": "standard",
                      **parameters}
        if rules_pass(rules, parameters) != wanted:
            problems.append(f"Rules {'refuse' if wanted else 'allow'} {parameters}")
    if problems:
        sys.exit("; ".join(problems))


def rules_pass(rules, parameters):
    """Whether CloudFormation would accept `parameters` under `rules`,
    evaluating the rule functions the template uses."""
    def value(node):
        if isinstance(node, list):
            return [value(item) for item in node]
        if not isinstance(node, dict):
            return node
        (function, argument), = node.items()
        if function == "Ref":
            return parameters[argument]
        argument = value(argument)
        if function == "Fn::EachMemberIn":
            return all(member in argument[1] for member in argument[0])
        if function == "Fn::Contains":
            return argument[1] in argument[0]
        if function == "Fn::Equals":
            return argument[0] == argument[1]
        if function == "Fn::Not":
            return not argument[0]
        sys.exit(f"Rules: {function} is not one deploy_checks evaluates")
    return all(value(assertion["Assert"])
               for rule in rules.values() if value(rule.get("RuleCondition", True))
               for assertion in rule["Assertions"])


def check_alarms_and_timings(template):
    """What cfn-lint can't see: CloudWatch's 10 metrics per alarm, and the
    consumer's timings nesting as its idempotency protocol needs."""
    resources = template["Resources"]
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::CloudWatch::Alarm" and len(resource["Properties"].get("Metrics", [])) > 10:
            sys.exit(f"{name}: more than 10 metrics, which CloudWatch refuses")
    timeout = resources["ConsumerFunction"]["Properties"]["Timeout"]
    visibility = resources["VerifiedEventsQueue"]["Properties"]["VisibilityTimeout"]
    source = (ROOT / "functions/consumer/src/idempotency.rs").read_text()
    lease = int(re.search(r"pub const LEASE: Duration = Duration::from_secs\((\d+)\);", source).group(1))
    if not timeout < lease or not timeout + lease < visibility:
        sys.exit(f"consumer timeout {timeout} s, lease {lease} s, visibility timeout {visibility} s: "
                 f"need timeout < lease and timeout + lease < visibility timeout")


def s3_statements(function, bucket):
    """(actions, resources) of each statement of a function's policies
    that names `bucket`."""
    found = []
    for policy in function["Properties"].get("Policies") or []:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            resources = statement.get("Resource")
            resources = resources if isinstance(resources, list) else [resources]
            if bucket in json.dumps(resources):
                actions = statement["Action"]
                found.append((sorted(actions if isinstance(actions, list) else [actions]), json.dumps(resources)))
    return found


def check_buckets(template):
    """What the buckets promise (SECURITY.md): encrypted, never public,
    TLS only; payload objects kept longer than a message can wait on the
    queue and the DLQ; each function's access to the payload bucket no more
    than its job (receivers put under their own prefix, the release puts,
    the consumer gets and deletes)."""
    resources = template["Resources"]
    problems = []
    for bucket in ["QuarantineBucket", "PayloadBucket"]:
        properties = resources[bucket]["Properties"]
        rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        if not rules or not rules[0].get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm"):
            problems.append(f"{bucket}: not encrypted")
        blocked = properties.get("PublicAccessBlockConfiguration", {})
        if sorted(k for k, v in blocked.items() if v is True) != \
                ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]:
            problems.append(f"{bucket}: public access not blocked")
        policy = resources.get(f"{bucket}Policy", {}).get("Properties", {})
        statements = policy.get("PolicyDocument", {}).get("Statement", [])
        tls_only = [st for st in statements if st.get("Effect") == "Deny" and st.get("Action") == "s3:*"
                    and st.get("Condition") == {"Bool": {"aws:SecureTransport": False}}
                    and len(st.get("Resource", [])) == 2]
        if policy.get("Bucket") != {"Ref": bucket} or not tls_only:
            problems.append(f"{bucket}: no TLS-only policy over the bucket and its objects")
    days = lambda queue: resources[queue]["Properties"]["MessageRetentionPeriod"] / 86400
    waits = days("VerifiedEventsQueue") + days("DeadLetterQueue")
    expiry = resources["PayloadBucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0]
    retention = template["Parameters"]["PayloadRetentionDays"]
    # The expansion resolves a parameter to its default.
    if expiry.get("ExpirationInDays") not in ({"Ref": "PayloadRetentionDays"}, retention["Default"]) \
            or retention["MinValue"] <= waits \
            or retention["Default"] <= 2 * waits:
        problems.append(f"PayloadBucket: objects must outlive {waits:g} days on the queues, twice by default")
    for name, function in functions(template):
        binary = binary_of(name, function)
        granted = s3_statements(function, "PayloadBucket")
        own_prefix = f"${{PayloadBucket.Arn}}/{environment(function).get('PROVIDER')}/*"
        wanted = {"receiver": [(["s3:PutObject"], own_prefix)], "release": [(["s3:PutObject"], "/*")],
                  "consumer": [(["s3:DeleteObject", "s3:GetObject"], "/*")]}[binary]
        if len(granted) != 1 or granted[0][0] != wanted[0][0] or wanted[0][1] not in granted[0][1]:
            problems.append(f"{name}: payload bucket access {granted}, wanted {wanted}")
        if environment(function).get("PAYLOAD_BUCKET") != {"Ref": "PayloadBucket"}:
            problems.append(f"{name}: PAYLOAD_BUCKET is not the stack's PayloadBucket")
    if problems:
        sys.exit("; ".join(problems))


def names():
    template = expanded_template()
    deployed = {binary_of(name, function) for name, function in functions(template)}
    built = workspace_binaries()
    if deployed != built:
        sys.exit(f"template and workspace disagree: only in the template {sorted(deployed - built)}, "
                 f"only in functions/ {sorted(built - deployed)}")
    check_deploy_settings()
    receivers = check_receivers(template)
    check_custom()
    check_rules(template)
    check_alarms_and_timings(template)
    check_buckets(template)
    problems = check_destinations(expanded_template)
    if problems:
        sys.exit("; ".join(problems))
    print(f"template.yaml deploys exactly the workspace's function binaries ({', '.join(sorted(built))}); "
          f"{len(receivers)} receivers, one per provider of shared/providers.txt, each with its own "
          f"PROVIDER, secret, routes and quarantine prefix; a row for each of the {len(presets())} presets; "
          f"Custom deploys a described provider under its own name, and the Rules refuse unknown Providers; each crate has its cargo-lambda deploy settings; "
          f"the quarantine and payload buckets are encrypted, private and TLS only, payload objects outlive their messages, "
          f"and each function reaches the payload bucket only as its job needs; "
          f"with Destination queue only the queue is reached, with bus only the bus, archived, its one default rule "
          f"the only sender to the queue and its DLQ, its failures watched")


def target_dir():
    metadata = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                         cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return Path(metadata["target_directory"])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def artifacts(build_dir):
    problems = []
    built = target_dir() / "lambda"
    listed = functions(expanded_template())
    for logical_id, function in listed:
        binary = binary_of(logical_id, function)
        bootstrap = Path(build_dir) / logical_id / "bootstrap"
        if not bootstrap.is_file():
            problems.append(f"{logical_id}: no bootstrap")
            continue
        header = bootstrap.read_bytes()[:20]
        if header[:4] != b"\x7fELF" or int.from_bytes(header[18:20], "little") != 183:
            problems.append(f"{logical_id}: bootstrap is not an aarch64 ELF")
            continue
        if digest(bootstrap) != digest(built / binary / "bootstrap"):
            problems.append(f"{logical_id}: bootstrap is not target/lambda/{binary}/bootstrap")
            continue
        print(f"{logical_id}: {binary}, {bootstrap.stat().st_size / 1e6:.2f} MB aarch64, sha256 {digest(bootstrap)[:12]}")
    print(f"check-deploy: {len(listed) - len(problems)} passed, {len(problems)} failed")
    if problems:
        sys.exit("; ".join(problems))


def cargo_lambda(*args, env):
    return subprocess.run([str(ROOT / ".venv" / "bin" / "cargo-lambda"), "lambda", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, timeout=300).stdout


def receiver_deploy_args(provider, env_file):
    """The deploy command docs/deploy.md gives for one provider."""
    return [f"webhooks-{provider}", "--binary-name", "receiver", "--env-file", str(env_file),
            "--env-var", f"PROVIDER={provider}", "--env-var", f"SECRET_ID=webhooks/{provider}"]


def check_cargo_lambda_deploy():
    import base64
    import os
    import socket
    import tempfile
    import time

    import boto3

    zipped = target_dir() / "lambda" / "receiver" / "bootstrap.zip"
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        env_file = Path(scratch) / "deploy.env"
        env_file.write_text("QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/verified-events\n"
                            "QUARANTINE_BUCKET=webhooks-quarantine-123456789012\n"
                            "PAYLOAD_BUCKET=webhooks-payloads-123456789012\n")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        endpoint = f"http://127.0.0.1:{port}"
        env = {**os.environ, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "check", "AWS_SECRET_ACCESS_KEY": "check"}
        moto = subprocess.Popen([str(ROOT / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            aws = dict(endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="check", aws_secret_access_key="check")
            role = boto3.client("iam", **aws).create_role(RoleName="webhooks", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            for provider in providers():
                args = receiver_deploy_args(provider, env_file) + ["--iam-role", role]
                dry = cargo_lambda("deploy", "--dry", "--output-format", "json", *args, env=env)
                plan = json.loads(dry[dry.index("{"):])
                wanted = {f"PROVIDER={provider}", f"SECRET_ID=webhooks/{provider}"}
                if Path(plan["path"]) != zipped or not wanted <= set(plan["config"]["env_var"]):
                    problems.append(f"--dry for {provider}: {plan['path']}, {plan['config']['env_var']}")
                cargo_lambda("deploy", *args, "--endpoint-url", endpoint, env=env)
            cargo_lambda("deploy", "release", "--env-file", str(env_file), "--iam-role", role,
                         "--endpoint-url", endpoint, env=env)
            code = base64.b64encode(hashlib.sha256(zipped.read_bytes()).digest()).decode()
            deployed = {f["FunctionName"]: f for f in boto3.client("lambda", **aws).list_functions()["Functions"]}
            for provider in providers():
                function = deployed.get(f"webhooks-{provider}")
                if function is None:
                    problems.append(f"no function webhooks-{provider}")
                    continue
                variables = function["Environment"]["Variables"]
                seen = (variables.get("PROVIDER"), variables.get("SECRET_ID"), variables.get("QUEUE_URL") is not None,
                        variables.get("PAYLOAD_BUCKET"),
                        function["Architectures"], function["MemorySize"], function["Timeout"], function["CodeSha256"])
                if seen != (provider, f"webhooks/{provider}", True, "webhooks-payloads-123456789012",
                            ["arm64"], 128, 15, code):
                    problems.append(f"webhooks-{provider}: {seen}")
            release = deployed.get("release", {}).get("Environment", {}).get("Variables", {})
            missing = [p for p in providers() if release.get(f"{p.upper()}_SECRET_ID") != f"webhooks/{p}"]
            if missing:
                problems.append(f"release: no secret for {missing}")
        finally:
            moto.terminate()
            moto.wait()
    print(f"cargo lambda deploy: the receiver binary as {len(providers())} functions (webhooks-<provider>), "
          f"each with its PROVIDER and SECRET_ID, and the release function: {len(problems)} problems")
    if problems:
        sys.exit("; ".join(problems))


if __name__ == "__main__":
    if sys.argv[1:2] == ["names"]:
        names()
    elif sys.argv[1:2] == ["artifacts"] and len(sys.argv) == 3:
        artifacts(sys.argv[2])
    elif sys.argv[1:2] == ["cargo-lambda"]:
        check_cargo_lambda_deploy()
    else:
        sys.exit("usage: deploy_checks.py names | artifacts BUILD_DIR | cargo-lambda")
