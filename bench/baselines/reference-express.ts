// The reference receiver for the ingest benchmark: the Express receiver from CoinGecko's webhook docs ("Verifying the
// Payload"), kept as the docs write it (express.raw, HMAC-SHA256 compared with ===, JSON.parse, a console.log per
// request), plus the in-memory Set of event ids a receiver needs to drop retries. No persistence, so nothing survives a
// restart: this is what a user would otherwise write. Run as a child process by bench/ingest.ts: argv[2] is the
// signing secret; it reports its port over IPC.
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const SIGNING_SECRET = process.argv[2] ?? 'whsec_your_signing_secret_here';
const app = express();
const seen = new Set<string>();

function verifySignature(body: string, headers: IncomingHttpHeaders, secret: string): boolean | null {
  if (!secret) return null;

  // STRICTLY use CoinGecko specific headers
  const timestamp = headers['x-cg-timestamp'];
  const eventId = headers['x-cg-event-id'];
  const signature = headers['x-cg-signature'];

  if (!timestamp || !eventId || !signature) return null;

  const signingString = `${String(timestamp)}:${String(eventId)}:${body}`;
  const expected = createHmac('sha256', secret).update(signingString).digest('hex');

  return expected === signature;
}

// The docs mount it at /webhook; the benchmark posts to coinsentry's path so both servers get identical requests.
app.post(['/webhook', '/webhooks/coingecko'], express.raw({ type: 'application/json' }), (req, res) => {
  const rawBodyString = (req.body as Buffer).toString('utf8');
  const isValid = verifySignature(rawBodyString, req.headers, SIGNING_SECRET);

  if (isValid === null) {
    res.status(400).send('Missing required CoinGecko headers');
    return;
  }

  if (isValid) {
    console.log('✅ Webhook signature verified!');
    const eventId = String(req.headers['x-cg-event-id']);
    if (seen.has(eventId)) {
      res.status(200).send('Duplicate ignored');
      return;
    }
    seen.add(eventId);
    const event: unknown = JSON.parse(rawBodyString);
    void event; // Process the event...
    res.status(200).send('Webhook received successfully');
  } else {
    console.error('❌ Webhook signature mismatch.');
    res.status(401).send('Invalid signature');
  }
});

const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
