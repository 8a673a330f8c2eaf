// A Kaunt receiver as a Node.js team would write it, for the cold-start lab
// only: AWS SDK v3 clients made at load, the signing secret fetched once and
// cached, the HMAC compared with crypto.timingSafeEqual, the verified body
// sent to SQS. It never ships in a function; benchmarks/coldstart starts it
// under the official runtime interface client (aws-lambda-ric) to put our
// receiver beside it.
import { createHmac, timingSafeEqual } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const secretsManager = new SecretsManagerClient({});
const sqs = new SQSClient({});
let signingSecret;

async function secret() {
  if (signingSecret === undefined) {
    const answer = await secretsManager.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ID }));
    signingSecret = Buffer.from(answer.SecretString.trim());
  }
  return signingSecret;
}

export const handler = async (event) => {
  const raw = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const given = Buffer.from(String(headers["x-signature-sha256"] ?? "").toLowerCase());
  const expected = Buffer.from(createHmac("sha256", await secret()).update(raw).digest("hex"));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { statusCode: 401, body: "invalid signature" };
  }
  const eventType = JSON.parse(raw.toString("utf8")).EventType ?? "unknown";
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.QUEUE_URL,
    MessageBody: raw.toString("utf8"),
    MessageAttributes: { event_type: { DataType: "String", StringValue: String(eventType) } },
  }));
  return { statusCode: 200, body: "accepted" };
};
