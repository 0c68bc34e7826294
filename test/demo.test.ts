// The README's first command: the offline demo runs the whole pipeline and prints every platform's rendering.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('posts every fixture of both sources and prints each alert as Telegram, Discord and Slack would get it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts'], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(0);
    const out = run.stdout;
    // 10 CoinGecko fixtures (9 alerts), then 7 CEXPing ones: a Binance listing, a delisting, and two listings whose
    // symbols (WGC, GENIUS) name coins the chat watches; the preview on OKX, the ping and the unknown type alert no one.
    expect(out.match(/^POST .* → 200 /gm)).toHaveLength(17);
    expect(out.match(/^ALERT to Demo ops desk/gm)).toHaveLength(13);
    expect(out).toContain('ALERT to Demo ops desk · PEPE2 · medium');
    expect(out).toContain('⛔ <b>Delisting</b> on <b>Binance</b>');
    for (const heading of ['── Telegram (HTML parse mode) ──', '── Discord (message body: embeds) ──', '── Slack (chat.postMessage text + Block Kit) ──']) {
      expect(out.split(heading)).toHaveLength(14);
    }
    expect(out).toContain('POST cexping/ping.json → 200 {"status":"ok"}');
    expect(out).toContain('<a href="https://www.coingecko.com/en/search?query=PEPE2">Search on CoinGecko</a>');
    expect(out).toContain('Deliveries: 13 sent · alerts printed: 13');
  });
});
