// The ceiling for the ingest benchmark: a bare Hono app on the same server adapter as coinsentry (@hono/node-server)
// that reads the body and answers 200 to the same requests, doing nothing else. No verification, no storage: what one
// Node process on this machine can answer at all, so the ingest figures can be read as a share of it.
// Run as a child process by bench/ingest.ts; it reports its port over IPC.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/webhooks/coingecko', async (c) => {
  await c.req.arrayBuffer();
  return c.json({ status: 'ok' });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.send?.({ port: info.port });
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
