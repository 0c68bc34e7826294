// The README's first command: the offline demo walks through a desk's day and prints each alert once, as a chat shows
// it; --verbose and --platform print the exact payloads.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

function demo(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts', ...args], {
    cwd: resolve(import.meta.dirname, '..'),
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '' },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe('npm run demo', () => {
  it('prints each alert once as a person reads it, in well under 200 lines, through /watch, a migration, /mute, /recent and a digest', () => {
    const out = demo();
    expect(out.split('\n').length).toBeLessThan(200);
    for (const command of ['> /watch platforms', '> /mute 1d categories', '> /recent']) expect(out).toContain(command);
    const alerts = out.match(/^── to Demo ops desk · .+ ──$/gm) ?? [];
    // One heading per alert sent: each is printed once, not once per platform.
    expect(alerts).toHaveLength(Number(/alerts shown: (\d+)/.exec(out)?.[1]));
    expect(alerts).toEqual(expect.arrayContaining(['── to Demo ops desk · example-bridge-token · high ──', '── to Demo ops desk · PEPE2 · medium ──']));
    expect(out).toContain('📢 Public notice (context)\n   “EBT has migrated to a new contract. Swap your old tokens 1:1 at the official portal.”');
    expect(out).toMatch(/── digest to Demo ops desk · \d+ alerts ──\n🗂 Digest: /);
    // The buttons each chat shows under an alert: Acknowledge on high severity only; a digest mutes all its coins.
    expect(out).toContain('View on CoinGecko: https://www.coingecko.com/en/coins/example-bridge-token\n[ Mute 1d ] [ Unwatch ] [ Acknowledge ]');
    expect(out).toMatch(/\(Solscan\)\nView on CoinGecko: \S+\n\[ Mute 1d \] \[ Unwatch \]\n/);
    expect(out).toMatch(/── digest to [^\n]+\n[\s\S]*?\n\[ Mute 1d \]\n/);
    expect(out).toContain('nothing sent: muted');
    expect(out).toContain('⛔ Delisting on Binance');
    // Resolution against the bundled directory: an address, a $SYMBOL, a typo, /coin.
    expect(out).toContain('Watching example-multichain (Example Multichain, EMC): all changes — EmcXa1b2C3d4… is its contract on solana');
    expect(out).toContain('Watching example-bridge-token (Example Bridge Token, EBT): all changes — the largest coin with symbol EBT');
    expect(out).toContain('did you mean example-mintable (Example Mintable)? Nothing changed.');
    expect(out).toContain('• ethereum: 0x1111111111111111111111111111111111111111 — Etherscan: https://etherscan.io/token/0x1111111111111111111111111111111111111111');
    // No markup and no raw payloads in the chat view.
    expect(out).not.toMatch(/<b>|"blocks"|"embeds"/);
  });

  it('prints the exact payloads with --verbose, or one platform with --platform', () => {
    const verbose = demo('--verbose');
    for (const label of ['── Telegram sendMessage text (HTML) ──', '── Discord message body ──', '── Slack chat.postMessage ──']) {
      expect(verbose).toContain(label);
    }
    const telegram = demo('--platform', 'telegram');
    expect(telegram).toContain('🔁 <b>Contract migration</b> on <b>ethereum</b>');
    expect(telegram).not.toContain('"blocks"');
  });
});
