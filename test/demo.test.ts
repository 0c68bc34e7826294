// The README's first command: the offline demo runs the whole pipeline and prints every platform's rendering.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('posts every fixture and prints each alert as Telegram, Discord and Slack would get it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts'], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out.match(/^POST .* → 200 /gm)).toHaveLength(10);
    expect(out.match(/^ALERT to Demo ops desk/gm)).toHaveLength(9);
    for (const heading of ['── Telegram (HTML parse mode) ──', '── Discord (message body: embeds) ──', '── Slack (chat.postMessage text + Block Kit) ──']) {
      expect(out.split(heading)).toHaveLength(10);
    }
    expect(out).toContain('Deliveries: 9 sent · alerts printed: 9');
  });
});
