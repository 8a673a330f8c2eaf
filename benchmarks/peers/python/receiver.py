"""A Kaunt receiver as a Python team would write it, for the cold-start lab only.

It follows AWS's own webhook samples: boto3 clients made at import, the
signing secret fetched once and cached, the HMAC compared with
hmac.compare_digest, the verified body sent to SQS. It never ships in a
function; benchmarks/coldstart starts it under the official runtime
interface client (awslambdaric) to put our receiver beside it.
"""

import base64
import hashlib
import hmac
import json
import os

import boto3

secrets_manager = boto3.client("secretsmanager")
sqs = boto3.client("sqs")
_signing_secret = None


def _secret():
    global _signing_secret
    if _signing_secret is None:
        answer = secrets_manager.get_secret_value(SecretId=os.environ["SECRET_ID"])
        _signing_secret = answer["SecretString"].strip().encode()
    return _signing_secret


def handler(event, context):
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    given = headers.get("x-signature-sha256", "").lower()
    expected = hmac.new(_secret(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given, expected):
        return {"statusCode": 401, "body": "invalid signature"}
    event_type = json.loads(raw).get("EventType", "unknown")
    sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=raw.decode(),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": str(event_type)}},
    )
    return {"statusCode": 200, "body": "accepted"}
