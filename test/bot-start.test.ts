// A platform that cannot start at boot (outage, gateway unreachable) is tried again in the background until it
// connects, without holding up the others; stop() ends the retries.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../src/bot.js';
import type { CommandHandler } from '../src/core/command-service.js';
import { memoryLogger, tempDb, testConfig, type TempDb } from './support/harness.js';
import { ScriptedAdapter } from './support/scripted-adapter.js';

/** A platform whose command intake fails to start `failures` times, then connects. */
class FlakyStart extends ScriptedAdapter {
  attempts = 0;
  started?: CommandHandler;
  constructor(private failures: number) {
    super();
  }
  async start(commands: CommandHandler): Promise<void> {
    this.attempts += 1;
    if (this.attempts <= this.failures) throw new Error(`gateway unreachable (#${this.attempts})`);
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
    const failures = lines.filter((line) => line.includes('could not start; its commands are not received until it connects'));
    expect(failures).toHaveLength(2);
    expect(lines.some((line) => line.includes('"attempt":3') && line.includes('platform connected'))).toBe(true);
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
