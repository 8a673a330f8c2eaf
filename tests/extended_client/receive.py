"""Receives every message on one queue with AWS's own SQS Extended Client
for Python (`amazon-sqs-extended-client`, PyPI), as a consumer that knows
nothing of the receivers would: pointers are resolved by the client, and
each message is deleted through it, which deletes its S3 object too.

Usage: receive.py QUEUE_URL. Prints a JSON list of {"body", "attributes"},
attributes by name with their string values. AWS's endpoint, region and
credentials come from the environment (AWS_ENDPOINT_URL points it at moto).
"""

import json
import sys

from sqs_extended_client import SQSExtendedClientSession


def main():
    queue_url = sys.argv[1]
    sqs = SQSExtendedClientSession().client("sqs")
    sqs.delete_payload_from_s3 = True
    received = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        for message in batch:
            received.append({
                "body": message["Body"],
                "attributes": {name: value.get("StringValue")
                               for name, value in message.get("MessageAttributes", {}).items()},
            })
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    json.dump(received, sys.stdout)


if __name__ == "__main__":
    main()
