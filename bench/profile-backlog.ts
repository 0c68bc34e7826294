// `npx tsx bench/profile-backlog.ts [seconds]`: a CPU profile of the real server (dist/main.js, `node --cpu-prof`) under
// the backlog benchmark's load, started with 100,000 alerts pending in the 10 chats every webhook matches. Prints the
// functions with the most self time, and the share of the dispatcher and its outbox queries (the issue that named
// `nextDueAt` at 55 % of the server's time). Not part of `npm run bench`: a tool for looking, not a bar.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, startMain, telegramServerEnv } from './child-processes.js';
import { seedBacklogDatabase, busyBodies } from './backlog.js';
import { loadWebhooks } from './load.js';
import { TelegramApiFake } from './telegram-api-fake.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const seconds = Number(process.argv[2] ?? 10);
const dir = makeTempDir('profile');
const fake = await new TelegramApiFake().listen();
try {
  const dbPath = join(dir, 'backlog.db');
  seedBacklogDatabase(dbPath, true);
  const profileDir = join(dir, 'prof');
  const server = await startMain(telegramServerEnv(dir, dbPath, fake), 60_000, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const load = await loadWebhooks(server.port, seconds, busyBodies());
  await server.stop();
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const where = node.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  const share = (n: number) => `${((n / total) * 100).toFixed(1)} %`;
  console.log(`${Math.round(load.reqPerSec)} req/s over ${seconds} s from a 100,000 backlog; ${total} samples`);
  console.log('self time, top 25:');
  for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${share(hits).padStart(7)}  ${key}`);
  const ours = (pattern: RegExp) => [...byFunction].filter(([key]) => pattern.test(key)).reduce((n, [, hits]) => n + hits, 0);
  console.log(`dist/delivery/* self time: ${share(ours(/dist\/delivery\//))}; dist/db/outbox* self time: ${share(ours(/dist\/db\/outbox/))}`);
} finally {
  await fake.close();
  removeTempDir(dir);
}
