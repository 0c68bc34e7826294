import { mkdtempSync } from 'node:fs';
import { openDatabase } from './src/db/open-database.js';
import { createEventRecorder } from './src/db/record-event.js';
import { parsePayload } from './src/sources/coingecko/parse-payload.js';
import { seedBacklogDatabase, busyBodies } from './bench/backlog.js';
const variants: Record<string, string[]> = {
  current: [],
  'no pending_chat (before)': ['drop index deliveries_pending_chat'],
  'no chat_status_sent': ['drop index deliveries_chat_status_sent'],
};
const bodies = busyBodies();
for (const round of [1, 2]) for (const [name, sql] of Object.entries(variants)) {
  const dir = mkdtempSync('/tmp/ins-');
  seedBacklogDatabase(dir + '/d.db', false);
  const db = openDatabase(dir + '/d.db');
  for (const s of sql) db.$client.exec(s);
  const rec = createEventRecorder(db);
  const N = 4000;
  const t0 = performance.now();
  for (let i = 0; i < N; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, k) => {
      const body = bodies[(i + k) % bodies.length]!;
      const parsed = parsePayload(body);
      if (!parsed.ok) throw new Error('bad');
      return rec.record({ source: 'coingecko', eventId: `e-${i + k}`, occurredAt: 1, rawBody: body }, parsed.event);
    }));
  }
  console.log(round, name.padEnd(28), ((performance.now() - t0) / N * 1000).toFixed(1), 'µs/event');
}
