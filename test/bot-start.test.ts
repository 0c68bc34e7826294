// A platform that cannot start at boot (outage, gateway unreachable) is tried again in the background until it
// connects, without holding up the others; stop() ends the retries.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../src/bot.js';
import type { CommandHandler } from '../src/core/command-service.js';
import { PlatformUnauthorizedError } from '../src/platforms/platform-state.js';
import type { Intake } from '../src/platforms/port.js';
import { memoryLogger, tempDb, testConfig, type TempDb } from './support/harness.js';
import { ScriptedAdapter } from './support/scripted-adapter.js';

/** A platform whose command intake fails to start `failures` times, then connects. */
class FlakyStart extends ScriptedAdapter {
  attempts = 0;
  started?: CommandHandler;
  constructor(
    private failures: number,
    private error?: Error,
  ) {
    super();
  }
  async start({ commands }: Intake): Promise<void> {
    this.attempts += 1;
    if (this.attempts <= this.failures) throw this.error ?? new Error(`gateway unreachable (#${this.attempts})`);
    this.started = commands;
  }
}

let store: TempDb;
let bot: Bot;
afterEach(async () => {
  await bot?.stop();
  store?.cleanup();
});

describe('starting the platforms', () => {
  it('keeps trying a platform that could not start until it connects, and starts the others at once', async () => {
    store = tempDb();
    const { log, lines } = memoryLogger();
    const flaky = new FlakyStart(2);
    const healthy = new FlakyStart(0);
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [flaky, healthy], startRetry: { baseMs: 10, maxMs: 20 } });
    await bot.start();
    expect(healthy.started).toBeDefined();
    expect(flaky.started).toBeUndefined();
    await expect.poll(() => flaky.started, { timeout: 5000 }).toBeDefined();
    expect(flaky.attempts).toBe(3);
    // One line per change of state (connecting, then connected), not one per failed attempt.
    const states = lines.filter((line) => line.includes('"state":')).map((line) => JSON.parse(line) as { state: string; error?: string });
    expect(states.filter((s) => s.state === 'connecting')).toEqual([expect.objectContaining({ error: 'gateway unreachable (#1)' })]);
    expect(states.filter((s) => s.state === 'connected')).toHaveLength(2);
    expect(bot.platformStates().scripted).toMatchObject({ status: 'connected' });
  });

  it('waits minutes, not seconds, before trying again a platform that refused its credentials, and says which variable', async () => {
    store = tempDb();
    const { log, lines } = memoryLogger();
    const refused = new FlakyStart(Number.POSITIVE_INFINITY, new PlatformUnauthorizedError('SCRIPTED_TOKEN', 'Scripted refused the token'));
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [refused], startRetry: { baseMs: 10, maxMs: 20 } });
    await bot.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(refused.attempts).toBe(1);
    expect(bot.platformStates().scripted).toMatchObject({
      status: 'unauthorized',
      error: 'Scripted refused the token; check SCRIPTED_TOKEN; next try in 10 min',
    });
    expect(lines.filter((line) => line.includes('refused the credentials'))).toHaveLength(1);
  });

  it('stops retrying when the bot stops', async () => {
    store = tempDb();
    const { log } = memoryLogger();
    const down = new FlakyStart(Number.POSITIVE_INFINITY);
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [down], startRetry: { baseMs: 50, maxMs: 50 } });
    await bot.start();
    await bot.stop();
    const after = down.attempts;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(down.attempts).toBe(after);
  });
});
