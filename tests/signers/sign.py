"""Signs test deliveries the way each provider does, independently of the
receivers' code: with the provider's own library where one can sign a
delivery (svix, standardwebhooks, slack_sdk, twilio), otherwise with the provider's
documented algorithm written out here (hmac, hashlib, and `cryptography`
for the public-key schemes). Stripe, GitHub and Shopify sign with their own
npm libraries in sign.mjs.

Reads a JSON list of requests on stdin, each
  {"preset", "key", "body", "id", "timestamp", "url"}
(`key` is what the provider signs with: a secret's text, or a PEM private
key), and writes a JSON list of deliveries, each {"body", "headers": [[name,
value], ...], "signer"}. Run by functions/receiver/tests/presets.rs.
"""

import base64
import hashlib
import hmac
import json
import sys
from datetime import datetime, timezone

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from slack_sdk.signature import SignatureVerifier
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook
from twilio.request_validator import RequestValidator
from urllib.parse import parse_qsl


def mac(algorithm, key, message):
    return hmac.new(key.encode(), message.encode(), algorithm)


def hex_mac(key, message, algorithm=hashlib.sha256):
    return mac(algorithm, key, message).hexdigest()


def b64_mac(key, message):
    return base64.b64encode(mac(hashlib.sha256, key, message).digest()).decode()


def private_key(pem):
    return serialization.load_pem_private_key(pem.encode(), password=None)


def when(timestamp):
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def kravia(r):
    # MD5 over the `data` text, ":KRAVIA::" and the creditor's key; every
    # sample here is ASCII, which .NET's ASCII encoding keeps as it is.
    data = r["body"]
    digest = hashlib.md5(f"{data}:KRAVIA::{r['key']}".encode()).hexdigest()
    body = '{"header":{"algorithm":"MD5"},"data":' + data + ',"signature":"' + digest + '"}'
    return body, [], "documented algorithm (MD5)"


def receeve(r):
    payload = r["body"]
    signature = private_key(r["key"]).sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())
    body = json.dumps({"payload": json.loads(payload), "signature": base64.b64encode(signature).decode(),
                       "payloadAsString": payload}, separators=(",", ":"))
    return body, [], "documented algorithm (cryptography, RSA PKCS#1 v1.5)"


def standard(prefix, signer):
    def sign(r):
        signature = signer(r["key"]).sign(r["id"], when(r["timestamp"]), r["body"])
        return r["body"], [[f"{prefix}-id", r["id"]], [f"{prefix}-timestamp", str(r["timestamp"])],
                           [f"{prefix}-signature", signature]], f"{signer.__module__.split('.')[0]} (PyPI), Webhook.sign"
    return sign


def standard_webhooks(r):
    if not r["key"].startswith("-----BEGIN"):
        return standard("webhook", StandardWebhook)(r)
    # v1a: Ed25519 over the same content, as the specification writes it;
    # no released library signs v1a yet.
    content = f"{r['id']}.{r['timestamp']}.{r['body']}".encode()
    signature = base64.b64encode(private_key(r["key"]).sign(content)).decode()
    return r["body"], [["webhook-id", r["id"]], ["webhook-timestamp", str(r["timestamp"])],
                       ["webhook-signature", f"v1a,{signature}"]], "documented algorithm (cryptography, Ed25519)"


def slack(r):
    signature = SignatureVerifier(r["key"]).generate_signature(timestamp=str(r["timestamp"]), body=r["body"])
    return r["body"], [["x-slack-request-timestamp", str(r["timestamp"])], ["x-slack-signature", signature]], \
        "slack_sdk (PyPI), SignatureVerifier.generate_signature"


def header(name, value_of, signer="documented algorithm (hmac)"):
    def sign(r):
        return r["body"], [[name, value_of(r)]], signer
    return sign


def timestamped(name, entry, separator, version, joiner):
    def sign(r):
        ts = str(r["timestamp"])
        value = f"{entry}={ts}{separator}{version}={hex_mac(r['key'], ts + joiner + r['body'])}"
        return r["body"], [[name, value]], "documented algorithm (hmac)"
    return sign


def sendgrid(r):
    ts = str(r["timestamp"])
    signature = private_key(r["key"]).sign((ts + r["body"]).encode(), ec.ECDSA(hashes.SHA256()))
    return r["body"], [["x-twilio-email-event-webhook-timestamp", ts],
                       ["x-twilio-email-event-webhook-signature", base64.b64encode(signature).decode()]], \
        "documented algorithm (cryptography, ECDSA P-256)"


def discord(r):
    # Ed25519 over the timestamp followed by the body, hex, as Discord's
    # interactions documentation writes it.
    ts = str(r["timestamp"])
    signature = private_key(r["key"]).sign((ts + r["body"]).encode()).hex()
    return r["body"], [["x-signature-timestamp", ts], ["x-signature-ed25519", signature]], \
        "documented algorithm (cryptography, Ed25519)"


def zoom(r):
    ts = str(r["timestamp"])
    return r["body"], [["x-zm-request-timestamp", ts],
                       ["x-zm-signature", "v0=" + hex_mac(r["key"], f"v0:{ts}:{r['body']}")]], \
        "documented algorithm (hmac)"


class MultiParams(dict):
    """A form's parameters as web frameworks hand them to Twilio's
    validator: a mapping whose `getall` gives every value of a repeated
    name (Flask's MultiDict)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.lists = {}
        for name, value in pairs:
            self.lists.setdefault(name, []).append(value)

    def getall(self, name):
        return self.lists[name]


def twilio(r):
    # The form's parameters, repeated ones included, as Twilio's own
    # validator takes them.
    params = MultiParams(parse_qsl(r["body"], keep_blank_values=True))
    signature = RequestValidator(r["key"]).compute_signature(r["url"], params)
    return r["body"], [["x-twilio-signature", signature]], "twilio (PyPI), RequestValidator.compute_signature"


def mandrill(r):
    # Mandrill's documented algorithm: the URL, then each POST variable's
    # name and value, sorted by name; HMAC-SHA1, base64.
    params = dict(parse_qsl(r["body"], keep_blank_values=True))
    signed = r["url"] + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(mac(hashlib.sha1, r["key"], signed).digest()).decode()
    return r["body"], [["x-mandrill-signature", signature]], "documented algorithm (hmac)"


def twitch(r):
    # The message id, the RFC 3339 timestamp (Twitch's nanoseconds) and the
    # body, concatenated; HMAC-SHA256, hex, after `sha256=`.
    ts = when(r["timestamp"]).strftime("%Y-%m-%dT%H:%M:%S") + ".123456789Z"
    value = "sha256=" + hex_mac(r["key"], r["id"] + ts + r["body"])
    return r["body"], [["twitch-eventsub-message-id", r["id"]], ["twitch-eventsub-message-timestamp", ts],
                       ["twitch-eventsub-message-signature", value]], "documented algorithm (hmac)"


def zendesk(r):
    ts = when(r["timestamp"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    return r["body"], [["x-zendesk-webhook-signature-timestamp", ts],
                       ["x-zendesk-webhook-signature", b64_mac(r["key"], ts + r["body"])]], \
        "documented algorithm (hmac)"


def airtable(r):
    # The MAC secret is handed out base64-encoded; its bytes are the key.
    digest = hmac.new(base64.b64decode(r["key"]), r["body"].encode(), hashlib.sha256).hexdigest()
    return r["body"], [["x-airtable-content-mac", "hmac-sha256=" + digest]], "documented algorithm (hmac)"


def wise(r):
    signature = private_key(r["key"]).sign(r["body"].encode(), padding.PKCS1v15(), hashes.SHA256())
    return r["body"], [["x-signature-sha256", base64.b64encode(signature).decode()]], \
        "documented algorithm (cryptography, RSA PKCS#1 v1.5)"


SIGNERS = {
    "kravia": kravia,
    "kaunt": header("x-signature-sha256", lambda r: hex_mac(r["key"], r["body"])),
    "receeve": receeve,
    "smartkyc": header("x-smartkyc-signature", lambda r: hex_mac(r["key"], r["body"])),
    # Codat sends through Svix.
    "codat": standard("webhook", SvixWebhook),
    "slack": slack,
    "standard-webhooks": standard_webhooks,
    "svix": standard("svix", SvixWebhook),
    "paddle": lambda r: (r["body"], [["paddle-signature", f"ts={r['timestamp']};h1="
                                      + hex_mac(r["key"], f"{r['timestamp']}:{r['body']}")]],
                         "documented algorithm (hmac)"),
    "mux": timestamped("mux-signature", "t", ",", "v1", "."),
    "calendly": timestamped("calendly-webhook-signature", "t", ",", "v1", "."),
    "square": header("x-square-hmacsha256-signature", lambda r: b64_mac(r["key"], r["url"] + r["body"])),
    "sendgrid": sendgrid,
    "wise": wise,
    "paystack": header("x-paystack-signature", lambda r: hex_mac(r["key"], r["body"], hashlib.sha512)),
    "onfido": header("x-sha2-signature", lambda r: hex_mac(r["key"], r["body"])),
    "lemonsqueezy": header("x-signature", lambda r: hex_mac(r["key"], r["body"])),
    "meta": header("x-hub-signature-256", lambda r: "sha256=" + hex_mac(r["key"], r["body"])),
    "zoom": zoom,
    "dropbox": header("x-dropbox-signature", lambda r: hex_mac(r["key"], r["body"])),
    "intercom": header("x-hub-signature", lambda r: "sha1=" + hex_mac(r["key"], r["body"], hashlib.sha1)),
    "discord": discord,
    "twilio": twilio,
    "mandrill": mandrill,
    "twitch": twitch,
    "zendesk": zendesk,
    "linear": header("linear-signature", lambda r: hex_mac(r["key"], r["body"])),
    "sentry": header("sentry-hook-signature", lambda r: hex_mac(r["key"], r["body"])),
    "vercel": header("x-vercel-signature", lambda r: hex_mac(r["key"], r["body"], hashlib.sha1)),
    "typeform": header("typeform-signature", lambda r: "sha256=" + b64_mac(r["key"], r["body"])),
    "docusign": header("x-docusign-signature-1", lambda r: b64_mac(r["key"], r["body"])),
    "bitbucket": header("x-hub-signature", lambda r: "sha256=" + hex_mac(r["key"], r["body"])),
    "pagerduty": header("x-pagerduty-signature", lambda r: "v1=" + hex_mac(r["key"], r["body"])),
    "coinbase-commerce": header("x-cc-webhook-signature", lambda r: hex_mac(r["key"], r["body"])),
    "razorpay": header("x-razorpay-signature", lambda r: hex_mac(r["key"], r["body"])),
    "checkout": header("cko-signature", lambda r: hex_mac(r["key"], r["body"])),
    "airtable": airtable,
    # Clerk and Resend send through Svix.
    "clerk": standard("svix", SvixWebhook),
    "resend": standard("svix", SvixWebhook),
}


def main():
    deliveries = []
    for request in json.load(sys.stdin):
        body, headers, signer = SIGNERS[request["preset"]](request)
        deliveries.append({"body": body, "headers": headers, "signer": signer})
    json.dump(deliveries, sys.stdout)


if __name__ == "__main__":
    main()
