"""The local end-to-end run behind scripts/local-run.

Starts moto_server (Secrets Manager, SQS, DynamoDB, S3) and `cargo lambda watch`:
one per preset, each serving the one receiver binary with that preset's
PROVIDER and SECRET_ID (as each deployed function has its own), one for a
custom provider described in events/custom/acme-pay.json (PROVIDER=custom,
no Rust), and one for the consumer and the release function; loads the test
keys from events/test-keys, posts every sample event (a genuine delivery and
a forgery at least, for every preset) and the custom provider's as real HTTP
requests, and prints the answer and what reached the queue; then hands the
queued envelopes to the
consumer, as SQS would, and once more to show duplicates skipped (GitHub's
event routed by the unsigned X-GitHub-Event header the envelope carries). Then the
quarantine's story: deliveries signed with a key the secret doesn't hold yet
are refused and kept; once the key is put in, the release function queues
exactly those, and a forgery stays. Meta's URL check (a GET with its verify
token) and Zoom's signed URL validation are answered as each provider
expects, with nothing queued; Twilio's form delivery is queued as its
sorted parameters, readable with any form decoder. A delivery of a few MB, too large for
the queue, reaches the consumer through S3 (a pointer on the queue in the
SQS Extended Client's format). GitHub's receiver once more, with
EVENT_BUS_NAME, puts a push and a pull request on an EventBridge bus: a
default rule takes both to the verified-events queue and the consumer reads
them as before, and a rule matching the push routes it alone to a queue of
its own. Samples are signed again for the current
time as they are sent (a signed timestamp expires after its scheme's
tolerance; deployed receivers keep that limit). The functions log at TRACE into
.local/watch-*.log, and the run checks that no key, signature or payload text
is in it. Exits non-zero if anything is not as expected.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl

import boto3

from providers import presets

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PROVIDERS = presets()
# A provider with no preset: its scheme is described in JSON, nothing built.
CUSTOM = "acme-pay"
CUSTOM_SCHEME = (ROOT / "events" / "custom" / f"{CUSTOM}.json").read_text()
CUSTOM_KEY = (ROOT / "events" / "test-keys" / f"{CUSTOM}.txt").read_text().strip()
# What the presets that sign their URL (square) were given: the samples' URL.
SIGNED_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/square"
QUEUE_NAME = "verified-events"
QUARANTINE_BUCKET = "local-quarantine"
PAYLOAD_BUCKET = "local-payloads"
# Meta's URL check carries this verify token (VERIFY_TOKEN_SECRET_ID's secret).
VERIFY_TOKEN = (ROOT / "events" / "test-keys" / "meta-verify-token.txt").read_text().strip()
VERIFY_TOKEN_SECRET = "webhooks/local/verify-token"
# The consumer's idempotency table: its name is in functions/consumer/Cargo.toml.
TABLE_NAME = "local-processed-events"
LOG_DIR = ROOT / ".local"
# The `cargo lambda watch` serving the consumer and the release function.
FUNCTIONS = "functions"
# The GitHub receiver once more, putting events on an EventBridge bus
# (EVENT_BUS_NAME) instead of the queue, and the bus's rules' names.
ON_THE_BUS = "github-on-the-bus"
BUS_NAME = "local-webhooks"
PUSH_QUEUE = "github-pushes"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds, process, name):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"local-run: {name} exited early; see {LOG_DIR}/{name}.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"local-run: {name} did not start within {seconds}s; see {LOG_DIR}/{name}.log")


def start(name, command, env):
    log = open(LOG_DIR / f"{name}.log", "w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def target_dir():
    """Cargo's target directory, wherever CARGO_TARGET_DIR or config puts it."""
    metadata = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                              cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return Path(json.loads(metadata)["target_directory"])


SIGN_EVENT = target_dir() / "debug" / "sign-event"


def sign_event(*args):
    return subprocess.run([str(SIGN_EVENT), *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def load_event(path, provider):
    """The sample event, signed now (a signed timestamp must be fresh)."""
    return json.loads(sign_event("sample", f"{provider}/{path.stem}"))


def post(event, provider, ports):
    """Sends the event's request as the HTTP request a provider would make,
    to the receiver serving `provider`."""
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    tenant = (event.get("pathParameters") or {}).get("tenant")
    # Function URLs have no route parameters: the tenant travels as a query parameter.
    url = f"http://127.0.0.1:{ports[provider]}/lambda-url/receiver{event['rawPath']}"
    if tenant:
        url += f"?tenant={tenant}"
    headers = {k: v for k, v in event["headers"].items() if k.lower() not in ("host", "content-length")}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def drain(sqs, queue_url):
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def sqs_event(messages, queue_arn):
    """The event Lambda gives an SQS-triggered function for these messages."""
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {name: {"stringValue": value.get("StringValue"), "stringListValues": [],
                                     "binaryListValues": [], "dataType": value["DataType"]}
                              for name, value in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    } for m in messages]}


def signed_event(provider, key, body):
    """A genuine delivery of `body`, signed with `key` as `provider` does."""
    with tempfile.TemporaryDirectory() as scratch:
        key_file, body_file = Path(scratch) / "key", Path(scratch) / "body.json"
        key_file.write_text(key)
        body_file.write_text(body)
        return json.loads(sign_event("sign", provider, "--key-file", str(key_file), "--input-file", str(body_file)))


def quarantine_story(ports, sqs, queue_url, s3, secrets):
    """A provider rotates its key before the secret is updated: its genuine
    deliveries are refused and kept; once the key is fixed, release queues
    exactly those, with their own event ids, and a forgery stays."""
    print("\nkaunt rotates its signing key; the secret still holds the old one:")
    rotated = "kaunt-rotated-secret"
    bodies = [json.dumps({"Id": f"rotated-{n}", "EventType": "ModelReady"}, separators=(",", ":")) for n in (1, 2)]
    kept_before = s3.list_objects_v2(Bucket=QUARANTINE_BUCKET, Prefix="kaunt/").get("KeyCount", 0)
    failures = 0
    for body, key in [(bodies[0], rotated), (bodies[1], rotated), ('{"Id":"forged","EventType":"ModelReady"}', "a-guess")]:
        status, _ = post(signed_event("kaunt", key, body), "kaunt", ports)
        failures += status != 401
    kept = s3.list_objects_v2(Bucket=QUARANTINE_BUCKET, Prefix="kaunt/").get("KeyCount", 0) - kept_before
    queued = drain(sqs, queue_url)
    ok = failures == 0 and kept == 3 and not queued
    print(f"{'ok ' if ok else '!! '}two genuine deliveries and a forgery: 401 each, {kept} kept in "
          f"s3://{QUARANTINE_BUCKET}/kaunt/ (beside {kept_before} kept earlier: the sample forgery), {len(queued)} queued")
    secrets.put_secret_value(SecretId="webhooks/local/kaunt", SecretString=rotated)
    answer = invoke_json(ports[FUNCTIONS], "release", {"provider": "kaunt"})
    released = drain(sqs, queue_url)
    ids = sorted(json.loads(m["Body"])["eventId"] for m in released)
    expected = sorted(hashlib.sha256(body.encode()).hexdigest() for body in bodies)
    left = s3.list_objects_v2(Bucket=QUARANTINE_BUCKET, Prefix="kaunt/").get("KeyCount", 0)
    forgeries = kept_before + 1
    refused = {"released": 2, "offloaded": 0, "refused": forgeries, "failed": 0}
    ok_release = answer == {"kaunt": refused} and ids == expected and left == forgeries
    print(f"{'ok ' if ok_release else '!! '}the key fixed, release answered {json.dumps(answer)}: the two genuine "
          f"deliveries queued with their own event ids, the forgeries still kept ({left} left)")
    for message in released:
        print(f"{' ' * 6}queued: {describe(message)}")
    return (not ok) + (not ok_release)


def large_story(ports, sqs, queue_url, queue_arn, s3):
    """A delivery of a few MB, too large for the queue: verified, its
    envelope stored in the payload bucket and a pointer queued; the
    consumer reads it there and deletes the object once processed."""
    rows = [{"Line": n, "Text": "Zoë's invoice line", "Amount": 1.5} for n in range(60_000)]
    body = json.dumps({"Id": "export-1", "EventType": "InvoiceCodingProposalProcessingCompleted",
                       "Url": "https://kaunt.example/proposals/export-1", "Rows": rows}, separators=(",", ":"))
    print(f"\nkaunt sends a delivery of {len(body) / 1e6:.1f} MB, more than a queue message holds:")
    status, answer = post(signed_event("kaunt", sign_event("secret", "kaunt"), body), "kaunt", ports)
    queued = drain(sqs, queue_url)
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=PAYLOAD_BUCKET).get("Contents", [])]
    pointer = json.loads(queued[0]["Body"]) if len(queued) == 1 else None
    attributes = queued[0].get("MessageAttributes", {}) if pointer else {}
    size = attributes.get("ExtendedPayloadSize", {}).get("StringValue")
    ok = (status == 200 and pointer is not None and len(stored) == 1
          and pointer == ["software.amazon.payloadoffloading.PayloadS3Pointer",
                          {"s3BucketName": PAYLOAD_BUCKET, "s3Key": stored[0]}])
    envelope = json.loads(s3.get_object(Bucket=PAYLOAD_BUCKET, Key=stored[0])["Body"].read()) if ok else {}
    ok = ok and json.dumps(envelope["payload"], separators=(",", ":")) == body
    print(f"{'ok ' if ok else '!! '}{status} {answer}: the envelope ({size} bytes) stored in "
          f"s3://{PAYLOAD_BUCKET}/{stored[0] if stored else '?'}, the payload byte for byte; on the queue, the pointer:")
    for message in queued:
        shown = {k: v.get("StringValue") for k, v in message.get("MessageAttributes", {}).items()}
        print(f"{' ' * 6}queued: {message['Body']}\n{' ' * 14}attributes {json.dumps(shown, sort_keys=True)}")
    answer = invoke_json(ports[FUNCTIONS], "consumer", sqs_event(queued, queue_arn)) if queued else {}
    left = s3.list_objects_v2(Bucket=PAYLOAD_BUCKET).get("KeyCount", 0)
    ok_consumed = bool(queued) and not answer.get("batchItemFailures") and left == 0
    print(f"{'ok ' if ok_consumed else '!! '}the consumer read the envelope from S3, processed it and deleted "
          f"the object ({left} left in the bucket)")
    return (not ok) + (not ok_consumed)


def invoke_json(port, function, payload):
    """Invokes a function through cargo lambda watch's Lambda API."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/2015-03-31/functions/{function}/invocations",
                                     data=json.dumps(payload).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=180) as response:
        return json.loads(response.read())


def run_consumer(port, messages, queue_arn, dynamodb):
    """Hands what the receivers queued to the consumer, twice; returns failed checks."""
    stray = {"MessageId": "stray-1", "ReceiptHandle": "stray-1", "Body": "not an envelope"}
    batch = messages[:4] + [stray] + messages[4:]
    print(f"\nconsumer: one SQS batch of the {len(messages)} queued envelopes and 1 stray message")
    first = invoke_json(port, "consumer", sqs_event(batch, queue_arn))
    failed = [f["itemIdentifier"] for f in first.get("batchItemFailures", [])]
    ok_first = failed == ["stray-1"]
    print(f"{'ok ' if ok_first else '!! '}batchItemFailures {failed}: only the stray message goes back to SQS")
    second = invoke_json(port, "consumer", sqs_event(messages, queue_arn))
    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]
    completed = sum(item["status"]["S"] == "COMPLETED" for item in items)
    ok_second = not second.get("batchItemFailures") and completed == len(messages) == len(items)
    print(f"{'ok ' if ok_second else '!! '}the same batch delivered again: no failures, "
          f"{completed} events COMPLETED once in {TABLE_NAME} (the repeats were skipped as duplicates)")
    return (not ok_first) + (not ok_second)


def request(provider, ports, method, query="", body=None, headers=None):
    """A plain HTTP request to `provider`'s receiver: its status, headers
    and body text."""
    url = f"http://127.0.0.1:{ports[provider]}/lambda-url/receiver/webhooks/{provider}"
    if query:
        url += "?" + query
    call = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(call, timeout=120) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def handshake_story(ports, sqs, queue_url):
    """Providers check the URL before they deliver: Meta with a GET that
    carries the verify token (a wrong one gets 403), Zoom with a signed
    validation answered with an HMAC of its token. Nothing is queued."""
    print("\nhandshakes: providers check the URL before they deliver")
    failures = 0
    query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    status, headers, body = request("meta", ports, "GET", query)
    wrong, _, _ = request("meta", ports, "GET", query.replace(VERIFY_TOKEN, "a-guess"))
    queued = drain(sqs, queue_url)
    ok = (status, body, wrong, len(queued)) == (200, "1158201444", 403, 0) and \
        headers.get("x-content-type-options") == "nosniff"
    failures += not ok
    print(f"{'ok ' if ok else '!! '}meta: GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=1158201444: "
          f"{status} {body!r} ({headers.get('content-type')}); with another token: {wrong}; nothing queued")
    key = sign_event("secret", "zoom").strip()
    validation = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1795406400000,"event":"endpoint.url_validation"}'
    status, answer = post(signed_event("zoom", key, validation), "zoom", ports)
    queued = drain(sqs, queue_url)
    expected = hmac.new(key.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    ok = status == 200 and json.loads(answer) == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected} \
        and not queued
    failures += not ok
    print(f"{'ok ' if ok else '!! '}zoom: the signed endpoint.url_validation: {status} {answer} "
          f"(encryptedToken is HMAC-SHA256 of the token with the secret token); nothing queued")
    return failures


def form_story(sqs, queue_url, queued_by_sample):
    """Twilio posts a form, signed over the URL and its sorted parameters:
    the envelope says "payloadFormat": "form" and carries them as a form's
    text, every parameter readable with any form decoder."""
    messages = queued_by_sample.get("twilio/message-received.json", [])
    envelope = json.loads(messages[0]["Body"]) if len(messages) == 1 else {}
    parameters = parse_qsl(envelope.get("payload", ""), keep_blank_values=True)
    ok = envelope.get("payloadFormat") == "form" and ("Body", "Is my order shipped?") in parameters \
        and [name for name, _ in parameters] == sorted(name for name, _ in parameters)
    print(f"{'ok ' if ok else '!! '}twilio/message-received.json, a form signed over the URL and its sorted "
          f"parameters: queued with \"payloadFormat\": {json.dumps(envelope.get('payloadFormat'))}, "
          f"{len(parameters)} parameters read back with parse_qsl, sorted as signed, e.g. Body={dict(parameters).get('Body')!r}")
    return not ok


def github_routing_story():
    """GitHub names its event only in the unsigned X-GitHub-Event header:
    the envelope carries it in `unsigned`, and the consumer routed the
    sample by it to its pull-request handler (its log says so)."""
    log = (LOG_DIR / f"watch-{FUNCTIONS}.log").read_text(errors="replace")
    ok = "github: a pull request changed" in log
    print(f"{'ok ' if ok else '!! '}github/pull-request-opened.json came with X-GitHub-Event: pull_request, "
          f"carried in the envelope's \"unsigned\"; the consumer routed it by that header to its "
          f"pull-request handler (.local/watch-{FUNCTIONS}.log: \"github: a pull request changed\")")
    return not ok


def bus_story(ports, sqs, queue_url, queue_arn, dynamodb):
    """With EVENT_BUS_NAME, a receiver puts each verified event on an
    EventBridge bus: a default rule takes every one to the verified-events
    queue, where the consumer reads it as before, and a second rule routes
    GitHub's pushes (by the X-GitHub-Event header the envelope carries) to
    a queue of their own."""
    events = boto3.client("events", endpoint_url=sqs.meta.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    push_queue = sqs.create_queue(QueueName=PUSH_QUEUE)["QueueUrl"]
    push_arn = sqs.get_queue_attributes(QueueUrl=push_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rules = [("everything", {"source": [{"prefix": "webhook."}]}, queue_arn),
             ("github-pushes", {"source": ["webhook.github"], "detail": {"unsigned": {"x-github-event": ["push"]}}},
              push_arn)]
    for name, pattern, target in rules:
        events.put_rule(Name=name, EventBusName=BUS_NAME, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=name, EventBusName=BUS_NAME, Targets=[{"Id": "queue", "Arn": target}])
    print(f"\nthe github receiver again, with EVENT_BUS_NAME={BUS_NAME}; rules on the bus: "
          + "; ".join(f"{name} {json.dumps(pattern)}" for name, pattern, _ in rules))
    push = json.dumps({"ref": "refs/heads/main", "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                       "repository": {"full_name": "acme/shop"}}, separators=(",", ":"))
    pushed = signed_event("github", sign_event("secret", "github").strip(), push)
    pushed["headers"].update({"x-github-event": "push", "x-github-delivery": "a1b2c3d4-0000-4000-8000-000000000001"})
    opened = load_event(ROOT / "events" / "github" / "pull-request-opened.json", "github")
    statuses = [post(event, ON_THE_BUS, ports)[0] for event in (pushed, opened)]
    routed = drain(sqs, queue_url)
    pushes = drain(sqs, push_queue)
    bodies = [json.loads(message["Body"]) for message in routed]
    kinds = sorted(body["detail"].get("unsigned", {}).get("x-github-event", "") for body in bodies)
    ok = statuses == [200, 200] and kinds == ["pull_request", "push"] \
        and all(body["source"] == "webhook.github" and body["detail-type"] == "webhook" for body in bodies)
    print(f"{'ok ' if ok else '!! '}a push and a pull request: {statuses}; both reached the verified-events "
          f"queue through the rule everything, each an EventBridge event whose detail is the envelope:")
    for body in bodies:
        detail = {**body["detail"], "payload": f"<{len(json.dumps(body['detail']['payload']))} bytes>"}
        print(f"{' ' * 6}queued: source {body['source']}, detail-type {body['detail-type']}, detail {json.dumps(detail)}")
    ok_push = len(pushes) == 1 and json.loads(pushes[0]["Body"])["detail"]["payload"]["ref"] == "refs/heads/main"
    print(f"{'ok ' if ok_push else '!! '}the rule github-pushes sent the push alone to {PUSH_QUEUE} "
          f"({len(pushes)} event there)")
    processed = len(dynamodb.scan(TableName=TABLE_NAME)["Items"])
    answer = invoke_json(ports[FUNCTIONS], "consumer", sqs_event(routed, queue_arn)) if routed else {}
    added = len(dynamodb.scan(TableName=TABLE_NAME)["Items"]) - processed
    log = (LOG_DIR / f"watch-{FUNCTIONS}.log").read_text(errors="replace")
    ok_consumed = bool(routed) and not answer.get("batchItemFailures") and added == 1 \
        and "github: a push; build or deploy the commit here" in log
    print(f"{'ok ' if ok_consumed else '!! '}the consumer read both from the queue as it reads envelopes: the push "
          f"handled (\"github: a push\" in its log), the pull request a duplicate of the one the queue brought "
          f"earlier (same event id; {added} new event in {TABLE_NAME})")
    return (not ok) + (not ok_push) + (not ok_consumed)


def describe(message):
    envelope = json.loads(message["Body"])
    attributes = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
    payload_bytes = len(json.dumps(envelope.pop("payload")))
    summary = {**envelope, "payload": f"<{payload_bytes} bytes, what the signature covers>"}
    return json.dumps(summary) + "\n" + " " * 14 + "attributes " + json.dumps(attributes, sort_keys=True)


def invoke(port, path, env):
    """`cargo lambda invoke --data-file` with an event file, as the README shows."""
    result = subprocess.run(["cargo", "lambda", "invoke", "receiver", "--invoke-address", "127.0.0.1",
                             "--invoke-port", str(port), "--data-file", str(path)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        return None, result.stderr.strip()
    answer = json.loads(result.stdout)
    return answer["statusCode"], answer["body"]


def custom_delivery(key, body):
    """A delivery of the custom provider, signed as its description says,
    written out here: HMAC-SHA256 over `<t>.<body>`, base64, in
    `acme-signature: t=<t>;sig=<signature>`."""
    timestamp = str(int(time.time()))
    signature = base64.b64encode(hmac.new(key.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).digest())
    return {"rawPath": f"/webhooks/{CUSTOM}", "body": body, "isBase64Encoded": False,
            "headers": {"content-type": "application/json",
                        "acme-signature": f"t={timestamp};sig={signature.decode()}"}}


def custom_story(ports, sqs, queue_url):
    """The custom provider: a genuine delivery queued under its name, a
    forgery refused."""
    unexpected = 0
    body = '{"id":"evt_acme_1","kind":"payment.settled","amount":100}'
    for name, key, expected in [("genuine", CUSTOM_KEY, (200, 1)), ("forged", "guessed-secret", (401, 0))]:
        status, answer = post(custom_delivery(key, body), CUSTOM, ports)
        queued = drain(sqs, queue_url)
        ok = (status, len(queued)) == expected and all(json.loads(m["Body"])["provider"] == CUSTOM for m in queued)
        unexpected += not ok
        print(f"{'ok ' if ok else '!! '}{CUSTOM} (PROVIDER=custom, events/custom/{CUSTOM}.json), {name}: {status} {answer}")
        for message in queued:
            print(f"{' ' * 6}queued: {describe(message)}")
    return unexpected


# Payload text from the samples that must never reach a log (personal data,
# references, names); ids that identify an event or the resource to fetch
# (event ids, submission and proposal ids) are logged on purpose.
PAYLOAD_MARKERS = ["customer@example.com", "John Doe", "PDN-922-claim-Oct14-00010", "Toft stores",
                   "Bäckerei Müller", "a9f76627-30b0-4ea4-915e-882b6f5f189e"]


def secret_strings():
    """Every key, signature and payload marker of the samples."""
    needles = list(PAYLOAD_MARKERS)
    for provider in PROVIDERS:
        secret = sign_event("secret", provider).strip()
        if secret.startswith("{"):
            needles += json.loads(secret).values()
        elif "-----BEGIN" in secret:
            needles += [line for line in secret.splitlines() if not line.startswith("-----")]
        else:
            needles.append(secret)
        for path in (ROOT / "events" / provider).glob("*.json"):
            event = json.loads(path.read_text())
            # Signature headers: `…signature…`, Shopify's `…hmac…`, Onfido's `…sha2…`.
            needles += [v for k, v in event["headers"].items() if any(w in k for w in ("signature", "hmac", "sha"))]
            body = event["body"]
            body = base64.b64decode(body).decode() if event.get("isBase64Encoded") else body
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None  # a form (Twilio, Mandrill): its signature is in a header
            signature = parsed.get("signature") if isinstance(parsed, dict) else None
            if signature:
                needles.append(signature)
    needles += [CUSTOM_KEY, VERIFY_TOKEN]
    return [n for n in needles if len(n) >= 8]


def leaked_into(log_paths):
    text = "".join(path.read_text(errors="replace") for path in log_paths)
    return [needle for needle in secret_strings() if needle in text]


# Where --serve writes the local AWS's settings, for commands run by hand.
SERVE_ENV = LOG_DIR / "serve.env"


def serve(ports, endpoint, queue_url):
    """Keeps moto and the functions running for manual requests until Ctrl-C,
    and writes the settings a function run by hand needs to reach them."""
    SERVE_ENV.write_text("".join(f"export {name}={value}\n" for name, value in [
        ("PATH", f"{VENV_BIN}:$PATH"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("QUEUE_URL", queue_url),
        ("QUARANTINE_BUCKET", QUARANTINE_BUCKET),
        ("PAYLOAD_BUCKET", PAYLOAD_BUCKET),
    ]))
    receivers = ", ".join(f"{provider} on {ports[provider]}" for provider in PROVIDERS)
    relative = SERVE_ENV.relative_to(ROOT)
    print(f"""
Serving until Ctrl-C: the receivers ({receivers}), the consumer and release on {ports[FUNCTIONS]}.
The local AWS's settings are in {relative}. In another shell, from {ROOT}:
  curl -i -X POST http://127.0.0.1:{ports["kaunt"]}/lambda-url/receiver/webhooks/kaunt -H 'x-signature-sha256: …' -d '{{…}}'
  source {relative} && cargo lambda invoke receiver --invoke-address 127.0.0.1 --invoke-port {ports["kaunt"]} --data-file events/kaunt/proposal-completed.json
  source {relative} && python -c "import boto3; print(boto3.client('sqs').receive_message(QueueUrl='{queue_url}', MessageAttributeNames=['All']))"
A receiver of your own, against the same AWS (docs/local.md):
  source {relative} && cargo lambda watch -A 127.0.0.1 -P 9000 --env-var PROVIDER=kaunt,SECRET_ID=webhooks/local/kaunt
(add EVENT_BUS_NAME={BUS_NAME} to put its events on the bus, whose rules send them to {QUEUE_NAME} and {PUSH_QUEUE})
""", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true",
                        help="after the run, keep moto and the functions running for manual requests")
    args = parser.parse_args()
    LOG_DIR.mkdir(exist_ok=True)
    moto_port = free_port()
    ports = {name: free_port() for name in [*PROVIDERS, CUSTOM, ON_THE_BUS, FUNCTIONS]}
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = {**os.environ,
           "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
           "AWS_ENDPOINT_URL": endpoint,
           "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "local",
           "AWS_SECRET_ACCESS_KEY": "local",
           # cargo-lambda itself reads RUST_LOG; the functions read
           # AWS_LAMBDA_LOG_LEVEL first, and run at the most verbose level to
           # check that even it shows nothing secret.
           "RUST_LOG": "info",
           "AWS_LAMBDA_LOG_LEVEL": "trace"}
    moto = None
    watches = []
    try:
        moto = start("moto", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)], env)
        wait_for_port(moto_port, 30, moto, "moto")
        aws = dict(endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="local", aws_secret_access_key="local")
        sqs = boto3.client("sqs", **aws)
        secrets = boto3.client("secretsmanager", **aws)
        queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        dynamodb = boto3.client("dynamodb", **aws)
        boto3.client("events", **aws).create_event_bus(Name=BUS_NAME)
        s3 = boto3.client("s3", **aws)
        s3.create_bucket(Bucket=QUARANTINE_BUCKET)
        s3.create_bucket(Bucket=PAYLOAD_BUCKET)
        dynamodb.create_table(TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        for provider in PROVIDERS:
            secrets.create_secret(Name=f"webhooks/local/{provider}", SecretString=sign_event("secret", provider))
        secrets.create_secret(Name=f"webhooks/local/{CUSTOM}", SecretString=CUSTOM_KEY)
        secrets.create_secret(Name=VERIFY_TOKEN_SECRET, SecretString=VERIFY_TOKEN)
        print(f"moto on {endpoint}: queue {queue_url}, secrets webhooks/local/<provider> from events/test-keys")

        env["QUEUE_URL"] = queue_url
        env["QUARANTINE_BUCKET"] = QUARANTINE_BUCKET
        env["PAYLOAD_BUCKET"] = PAYLOAD_BUCKET
        env["VERIFY_TOKEN_SECRET_ID"] = VERIFY_TOKEN_SECRET
        # One `cargo lambda watch` per provider, as each deployed function
        # is the one binary with its own PROVIDER and SECRET_ID.
        env["SIGNED_URL"] = SIGNED_URL
        for name, port in ports.items():
            served = {FUNCTIONS: [], CUSTOM: ["--env-var", f"PROVIDER=custom,PROVIDER_NAME={name},SECRET_ID=webhooks/local/{name}"],
                      ON_THE_BUS: ["--env-var", f"PROVIDER=github,SECRET_ID=webhooks/local/github,EVENT_BUS_NAME={BUS_NAME}"]}
            served = served.get(name, ["--env-var", f"PROVIDER={name},SECRET_ID=webhooks/local/{name}"])
            command = ["cargo", "lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", str(port), *served]
            # The description is JSON, with commas: it travels in the
            # environment rather than in --env-var, which splits on them.
            watch_env = {**env, "SCHEME": CUSTOM_SCHEME} if name == CUSTOM else env
            watches.append((name, start(f"watch-{name}", command, watch_env)))
        for (name, watch), port in zip(watches, ports.values()):
            wait_for_port(port, 120, watch, f"watch-{name}")
        print(f"cargo lambda watch: the receiver for each preset and for {CUSTOM}, GitHub's on the bus "
              f"{BUS_NAME}, the consumer and release "
              f"(ports {json.dumps(ports)}; function logs: .local/watch-*.log)\n")

        unexpected = 0
        counts = {"accepted": 0, "refused": 0}
        all_queued = []
        queued_by_sample = {}
        for provider in PROVIDERS:
            for path in sorted((ROOT / "events" / provider).glob("*.json")):
                forged = path.stem.startswith("forged")
                status, answer = post(load_event(path, provider), provider, ports)
                queued = drain(sqs, queue_url)
                all_queued += queued
                queued_by_sample[f"{provider}/{path.name}"] = queued
                expected = (401, 0) if forged else (200, 1)
                ok = (status, len(queued)) == expected
                unexpected += not ok
                counts["refused" if forged else "accepted"] += ok
                mark = "ok " if ok else "!! "
                print(f"{mark}{provider}/{path.name}: {status} {answer}")
                for message in queued:
                    print(f"{' ' * 6}queued: {describe(message)}")
                if not queued:
                    print(f"{' ' * 6}queued: nothing")

        unexpected += custom_story(ports, sqs, queue_url)
        unexpected += handshake_story(ports, sqs, queue_url)
        unexpected += form_story(sqs, queue_url, queued_by_sample)

        # An event lambda_http can't turn into a request (it panics on a
        # scheme that doesn't make a URL): answered 400, and the function
        # goes on serving.
        hostile = load_event(ROOT / "events" / "kaunt" / "proposal-completed.json", "kaunt")
        hostile["headers"]["x-forwarded-proto"] = "ht tp"
        status, answer = post(hostile, "kaunt", ports)
        after, _ = post(load_event(ROOT / "events" / "kaunt" / "proposal-completed.json", "kaunt"), "kaunt", ports)
        queued = drain(sqs, queue_url)
        ok = (status, after, len(queued)) == (400, 200, 1)
        unexpected += not ok
        print(f"{'ok ' if ok else '!! '}kaunt with a malformed X-Forwarded-Proto: {status} {answer}; "
              f"a genuine delivery right after: {after}")

        print("\ncargo lambda invoke --data-file, one genuine event per function:")
        with tempfile.TemporaryDirectory() as scratch:
            for provider in PROVIDERS:
                path = next(p for p in sorted((ROOT / "events" / provider).glob("*.json"))
                            if not p.stem.startswith("forged"))
                fresh = Path(scratch) / path.name
                fresh.write_text(json.dumps(load_event(path, provider)))
                path = fresh
                status, answer = invoke(ports[provider], path, env)
                ok = status == 200 and len(drain(sqs, queue_url)) == 1
                unexpected += not ok
                print(f"{'ok ' if ok else '!! '}cargo lambda invoke receiver (PROVIDER={provider}) --data-file {path.name}: {status} {answer}")

        unexpected += run_consumer(ports[FUNCTIONS], all_queued, queue_arn, dynamodb)
        unexpected += github_routing_story()
        unexpected += bus_story(ports, sqs, queue_url, queue_arn, dynamodb)
        unexpected += large_story(ports, sqs, queue_url, queue_arn, s3)
        unexpected += quarantine_story(ports, sqs, queue_url, s3, secrets)

        if args.serve:
            serve(ports, endpoint, queue_url)
        for _, watch in watches:
            stop(watch)
        leaks = leaked_into([LOG_DIR / f"watch-{name}.log" for name in ports])
        unexpected += bool(leaks)
        if leaks:
            print(f"\n!! the function logs contain {len(leaks)} secret, signature or payload strings, e.g. {leaks[0][:12]}…")
        else:
            print(f"\nok the function logs (TRACE, .local/watch-*.log) contain no key, signature or payload text "
                  f"({len(secret_strings())} strings checked)")

        checks = counts["accepted"] + counts["refused"] + 2 + 2 + 1 + 1 + len(PROVIDERS) + 2 + 1 + 3 + 2 + 2 + 1
        print(f"\n{counts['accepted']} genuine deliveries accepted and queued, "
              f"{counts['refused']} forgeries refused with nothing queued, {unexpected} unexpected.")
        print(f"local-run: {checks - unexpected} passed, {unexpected} failed")
        return 1 if unexpected else 0
    finally:
        for _, watch in watches:
            stop(watch)
        stop(moto)


if __name__ == "__main__":
    sys.exit(main())
