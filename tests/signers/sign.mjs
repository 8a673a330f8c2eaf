// Signs test deliveries with the providers' own npm libraries: Stripe's
// test header generator, GitHub's @octokit/webhooks-methods and Shopify's
// API library's test helper. The same protocol as sign.py: a JSON list of
// {"preset", "key", "body", "id", "timestamp"} on stdin, a JSON list of
// {"body", "headers", "signer"} on stdout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { sign as githubSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";

const require = createRequire(import.meta.url);
const { getHmac } = require("@shopify/shopify-api/test-helpers");
const stripe = new Stripe("sk_test_unused");

const signers = {
  stripe: async (r) => [
    [["stripe-signature", stripe.webhooks.generateTestHeaderString({ payload: r.body, secret: r.key, timestamp: r.timestamp })]],
    "stripe (npm), webhooks.generateTestHeaderString",
  ],
  github: async (r) => [[["x-hub-signature-256", await githubSign(r.key, r.body)]], "@octokit/webhooks-methods (npm), sign"],
  shopify: async (r) => [[["x-shopify-hmac-sha256", getHmac(r.body, r.key)]], "@shopify/shopify-api (npm), test-helpers getHmac"],
};

const requests = JSON.parse(readFileSync(0, "utf8"));
const deliveries = [];
for (const request of requests) {
  const [headers, signer] = await signers[request.preset](request);
  deliveries.push({ body: request.body, headers, signer });
}
process.stdout.write(JSON.stringify(deliveries));
