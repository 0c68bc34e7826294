// /metrics' outbox gauges are counted in the background, so a scrape never walks the outbox.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOutboxGauges } from '../../src/db/outbox-gauges.js';
import { tempDb, type TempDb } from '../support/harness.js';
import { command, recordFixture, telegramGroup } from '../cli/seed.js';

let t: TempDb;
afterEach(() => {
  vi.useRealTimers();
  t.cleanup();
});

describe('outbox gauges', () => {
  it('read the last background count, refreshed every interval, not per scrape', async () => {
    t = tempDb();
    await command(t.db, telegramGroup('-100'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-1');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const gauges = createOutboxGauges(t.db, 15_000);
    expect(gauges.depth()).toBe(0);
    gauges.start();
    expect(gauges.depth()).toBe(1);
    await recordFixture(t.db, 'name-update', 'evt-2');
    expect(gauges.depth()).toBe(1);
    vi.advanceTimersByTime(15_000);
    expect(gauges.depth()).toBe(2);
    expect(gauges.dead()).toBe(0);
    gauges.stop();
    await recordFixture(t.db, 'name-update', 'evt-3');
    vi.advanceTimersByTime(60_000);
    expect(gauges.depth()).toBe(2);
  });
});
