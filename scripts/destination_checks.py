"""The template's two destinations (its Destination parameter), checked on
the template as CloudFormation would deploy each: its conditions decided,
resources whose condition is false left out, Fn::If chosen and
AWS::NoValue dropped.

queue: receivers and the release function name QUEUE_URL and may only send
to the queue; nothing of EventBridge is deployed.
bus: they name EVENT_BUS_NAME and not QUEUE_URL, and may only put events on
the stack's bus, a receiver only with its own provider's source (and
describe the bus, for the warm-up); the bus has an archive of every event
kept ArchiveRetentionDays (by default no longer than the payload bucket
keeps objects), and one default rule sending every event of ours, whole, to
the verified-events queue, with the DLQ for what it can't deliver; the
queues' policy lets only that rule send, and only SendMessage; the
dashboard and an alarm watch what the rule gives up on.
Used by deploy_checks.py (names).
"""

import json

NO_VALUE = object()
ARCHIVE_DAYS = 17


def deployed(template, parameters):
    """`template` as CloudFormation deploys it with `parameters` (the rest
    at their defaults)."""
    values = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    values.update(parameters)
    conditions = {}

    def condition(name):
        if name not in conditions:
            conditions[name] = bool(evaluate(template["Conditions"][name]))
        return conditions[name]

    def evaluate(node):
        if isinstance(node, list):
            return [evaluate(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (function, argument), = node.items()
            if function == "Ref" and argument in values:
                return values[argument]
            if function == "Ref" and argument == "AWS::NoValue":
                return NO_VALUE
            if function == "Condition":
                return condition(argument)
            if function == "Fn::If":
                name, then, otherwise = argument
                return evaluate(then if condition(name) else otherwise)
            if function == "Fn::Equals":
                left, right = evaluate(argument)
                return left == right
            if function == "Fn::Not":
                return not evaluate(argument)[0]
        evaluated = {key: evaluate(value) for key, value in node.items()}
        return {key: value for key, value in evaluated.items() if value is not NO_VALUE}

    resources = {name: resource for name, resource in template["Resources"].items()
                 if "Condition" not in resource or condition(resource["Condition"])}
    return {**template, "Resources": {name: strip(evaluate(resource)) for name, resource in resources.items()}}


def strip(node):
    """`node` without the NO_VALUE members lists still hold."""
    if isinstance(node, list):
        return [strip(item) for item in node if item is not NO_VALUE]
    if isinstance(node, dict):
        return {key: strip(value) for key, value in node.items() if value is not NO_VALUE}
    return node


def statements(function):
    """Every statement of a function's inline policies."""
    return [statement for policy in function["Properties"].get("Policies") or []
            if isinstance(policy, dict) for statement in policy.get("Statement", [])]


def actions_on(function, service):
    """(actions, resource, condition) of the statements granting
    `service`'s actions."""
    found = []
    for statement in statements(function):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(action.startswith(f"{service}:") for action in actions):
            found.append((sorted(actions), statement["Resource"], statement.get("Condition")))
    return found


def senders(template, binaries):
    """The receivers' and the release function's (logical id, function)."""
    return [(name, function) for name, function in template["Resources"].items()
            if function.get("Type") == "AWS::Serverless::Function"
            and function.get("Metadata", {}).get("BuildProperties", {}).get("Binary") in binaries]


def check_queue(template, problems):
    bus_resources = [name for name, resource in template["Resources"].items()
                     if resource["Type"].startswith("AWS::Events::") or name == "RuleToQueuesPolicy"]
    if bus_resources:
        problems.append(f"Destination queue deploys {bus_resources}")
    queue_arn = {"Fn::GetAtt": ["VerifiedEventsQueue", "Arn"]}
    for name, function in senders(template, {"receiver", "release"}):
        env = function["Properties"]["Environment"]["Variables"]
        if env.get("QUEUE_URL") != {"Ref": "VerifiedEventsQueue"} or "EVENT_BUS_NAME" in env:
            problems.append(f"{name}: with Destination queue, QUEUE_URL only")
        sends = actions_on(function, "sqs")
        if len(sends) != 1 or "sqs:SendMessage" not in sends[0][0] or sends[0][1] != queue_arn or sends[0][2]:
            problems.append(f"{name}: may send {sends}, wanted SendMessage on the queue only")
        if actions_on(function, "events"):
            problems.append(f"{name}: may reach EventBridge with Destination queue")


def check_bus(template, problems):
    """`template` deployed with Destination bus and ArchiveRetentionDays
    ARCHIVE_DAYS."""
    resources = template["Resources"]
    bus_arn = {"Fn::GetAtt": ["EventBus", "Arn"]}
    for wanted in ["EventBus", "EventArchive", "VerifiedEventsRule", "RuleToQueuesPolicy", "RuleFailuresAlarm"]:
        if wanted not in resources:
            problems.append(f"Destination bus deploys no {wanted}")
            return
    rules = [name for name, resource in resources.items() if resource["Type"] == "AWS::Events::Rule"
             and resource["Properties"].get("EventBusName") == {"Ref": "EventBus"}]
    if rules != ["VerifiedEventsRule"]:
        problems.append(f"the bus has the rules {rules}, wanted the default rule alone")
    archive = resources["EventArchive"]["Properties"]
    if archive.get("SourceArn") != bus_arn or "EventPattern" in archive \
            or archive.get("RetentionDays") != ARCHIVE_DAYS:
        problems.append(f"EventArchive: {archive}, wanted every event of the bus for ArchiveRetentionDays")
    rule = resources["VerifiedEventsRule"]["Properties"]
    targets = rule.get("Targets", [])
    if rule.get("EventPattern") != {"source": [{"prefix": "webhook."}]} or len(targets) != 1 \
            or targets[0].get("Arn") != {"Fn::GetAtt": ["VerifiedEventsQueue", "Arn"]} \
            or targets[0].get("DeadLetterConfig", {}).get("Arn") != {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]} \
            or "InputPath" in targets[0] or "InputTransformer" in targets[0]:
        problems.append(f"VerifiedEventsRule: {rule}, wanted every webhook.* event, whole, to the queue with the DLQ")
    policy = resources["RuleToQueuesPolicy"]["Properties"]
    grants = policy["PolicyDocument"]["Statement"]
    if sorted(json.dumps(queue) for queue in policy["Queues"]) != \
            sorted(json.dumps({"Ref": queue}) for queue in ["VerifiedEventsQueue", "DeadLetterQueue"]) \
            or len(grants) != 1 or grants[0].get("Principal") != {"Service": "events.amazonaws.com"} \
            or grants[0].get("Action") != "sqs:SendMessage" \
            or grants[0].get("Condition") != {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["VerifiedEventsRule", "Arn"]}}}:
        problems.append(f"RuleToQueuesPolicy: {grants}, wanted SendMessage from the default rule only")
    alarm = resources["RuleFailuresAlarm"]["Properties"]["Metrics"]
    summed = next((metric.get("Expression", "") for metric in alarm if metric.get("ReturnData", True)), "")
    alarmed = {metric["MetricStat"]["Metric"]["MetricName"] for metric in alarm
               if "MetricStat" in metric and metric["Id"] in summed}
    dashboard = json.dumps(resources["Dashboard"]["Properties"]["DashboardBody"])
    given_up = ["FailedInvocations", "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq"]
    if not all(metric in alarmed and metric in dashboard for metric in given_up) \
            or "PutEventsFailedEntriesCount" not in dashboard or "bus-unavailable" not in dashboard:
        problems.append("what the rule gives up on, or PutEvents failures, are not watched")
    for name, function in senders(template, {"receiver", "release"}):
        env = function["Properties"]["Environment"]["Variables"]
        if env.get("EVENT_BUS_NAME") != {"Ref": "EventBus"} or "QUEUE_URL" in env:
            problems.append(f"{name}: with Destination bus, EVENT_BUS_NAME only")
        binary = function["Metadata"]["BuildProperties"]["Binary"]
        provider = env.get("PROVIDER_NAME") if env.get("PROVIDER") == "custom" else env.get("PROVIDER")
        sources = ({"StringEquals": {"events:source": f"webhook.{provider}"}}
                   if binary == "receiver" else {"StringLike": {"events:source": "webhook.*"}})
        wanted = [(["events:PutEvents"], bus_arn, sources)]
        if binary == "receiver":
            wanted.append((["events:DescribeEventBus"], bus_arn, None))
        granted = actions_on(function, "events")
        if granted != wanted:
            problems.append(f"{name}: may {granted}, wanted {wanted}")
        if actions_on(function, "sqs"):
            problems.append(f"{name}: may reach SQS with Destination bus")


def check_destinations(expanded_template):
    """Both Destination values, as deployed: `expanded_template(defaults)`
    gives the template with those parameter defaults (SAM CLI's expansion
    then resolves most of the conditions already). The problems found."""
    problems = []
    defaults = expanded_template()["Parameters"]
    if defaults["ArchiveRetentionDays"]["Default"] > defaults["PayloadRetentionDays"]["Default"]:
        problems.append("ArchiveRetentionDays outlives PayloadRetentionDays by default: replays would miss objects")
    # A retention no default has, to see the parameter reach the archive;
    # and the custom provider beside a preset, for its own source.
    for destination, check in [("queue", check_queue), ("bus", check_bus)]:
        for providers in [{}, {"Providers": "Kaunt,Custom", "CustomProviderName": "acme-pay"}]:
            parameters = {"Destination": destination, "ArchiveRetentionDays": ARCHIVE_DAYS, **providers}
            check(deployed(expanded_template(parameters), parameters), problems)
    return problems
