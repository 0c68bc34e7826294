// Platform faults, with the real client libraries (grammY, discord.js, @slack/web-api) against their fakes behind a
// fault-injecting proxy: timeouts, connection resets, 500/502, 429 with short and long retry-after, and a platform-wide
// outage. Every alert is delivered once the platform recovers, exactly once per chat; the healthy chats are not held
// up by the faulty ones; and the requests counted at the platform show no retry storm.
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from './support/fault-proxy.js';
import { ANSWERS } from './support/platform-answers.js';
import { PLATFORMS, chatId, nameChange, outboxCounts, startWorld, until, type Platform, type World } from './support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Retries the client library makes by itself within one attempt (discord.js and Slack: `retries: 1`). */
const CLIENT_RETRIES: Record<Platform, number> = { telegram: 0, discord: 1, slack: 1 };
const SHORT_RETRY_AFTER = 1;
/** Longer than discord.js waits out by itself (5 s): it goes back to the outbox on every platform. */
const LONG_RETRY_AFTER = 6;

interface Scenario {
  name: string;
  faults: (platform: Platform) => Fault[];
}

const SCENARIOS: Scenario[] = [
  { name: 'reset', faults: () => [{ kind: 'reset' }, { kind: 'reset' }] },
  { name: 'timeout', faults: () => [{ kind: 'hang' }] },
  { name: '5xx', faults: (p) => [ANSWERS[p].serverError(500), ANSWERS[p].serverError(502)] },
  { name: '429-short', faults: (p) => [ANSWERS[p].rateLimited(SHORT_RETRY_AFTER)] },
  { name: '429-long', faults: (p) => [ANSWERS[p].rateLimited(LONG_RETRY_AFTER)] },
];
const HEALTHY = 5;

describe('platform faults', () => {
  it('delivers every alert once each platform recovers from timeouts, resets, 5xx and 429s, holding up only the faulty chats', async () => {
    world = await startWorld({ clientTimeoutMs: 1000, backoff: { baseMs: 200, maxMs: 800 } });
    const w = world;
    const chats: Array<{ platform: Platform; id: string; scenario?: Scenario }> = [];
    for (const platform of PLATFORMS) {
      SCENARIOS.forEach((scenario, i) => {
        const id = chatId(platform, i);
        w.watch(platform, id, 'fault-coin');
        w.proxy(platform).fail(id, ...scenario.faults(platform));
        chats.push({ platform, id, scenario });
      });
      for (let i = 0; i < HEALTHY; i += 1) {
        const id = chatId(platform, 100 + i);
        w.watch(platform, id, 'fault-coin');
        chats.push({ platform, id });
      }
    }

    const res = await w.post(nameChange('fault-coin'));
    expect(await res.json()).toMatchObject({ status: 'recorded', deliveries: chats.length });
    await until(() => chats.every((c) => w.delivered(c.platform, c.id) >= 1), 'every chat has its alert', 30_000);
    await w.bot.dispatcher.idle();

    for (const chat of chats) {
      expect(w.delivered(chat.platform, chat.id), `${chat.platform} ${chat.scenario?.name ?? 'healthy'}`).toBe(1);
      // One request per injected fault (whether the client library or the outbox retried it) and the one that succeeded.
      const requests = w.proxy(chat.platform).requestsFor(chat.id);
      const faults = chat.scenario?.faults(chat.platform).length ?? 0;
      expect(requests.map((r) => r.outcome).slice(faults), `requests to ${chat.platform} ${chat.scenario?.name ?? 'healthy'}`).toEqual(['forwarded']);
    }
    expect(outboxCounts(w.db)).toEqual({ sent: chats.length });

    for (const platform of PLATFORMS) {
      const proxy = w.proxy(platform);
      // The healthy chats were served before the rate-limited chat was tried again: nobody waits for someone else's 429.
      const healthyDone = Math.max(...chats.filter((c) => c.platform === platform && !c.scenario).map((c) => proxy.requestsFor(c.id)[0]!.answeredAt!));
      for (const name of ['429-short', '429-long', 'timeout']) {
        const faulty = chats.find((c) => c.platform === platform && c.scenario?.name === name)!;
        const [first, retry] = proxy.requestsFor(faulty.id);
        expect(healthyDone, `${platform}: healthy chats served before the ${name} chat's retry`).toBeLessThan(retry!.at);
        if (name.startsWith('429')) {
          // The platform's wait is honoured: no request to that chat before retry-after has passed.
          const wait = name === '429-short' ? SHORT_RETRY_AFTER : LONG_RETRY_AFTER;
          expect(retry!.at - first!.answeredAt!, `${platform} ${name}`).toBeGreaterThanOrEqual(wait * 1000 - 50);
        }
      }
    }
    // A rate limit is the platform's pacing, not a failure: it costs no attempt.
    const attempts = w.db.$client
      .prepare("select c.platform, c.platform_chat_id as id, d.attempts from deliveries d join chats c on c.id = d.chat_id")
      .all() as Array<{ platform: Platform; id: string; attempts: number }>;
    for (const platform of PLATFORMS) {
      for (const name of ['429-short', '429-long']) {
        const id = chats.find((c) => c.platform === platform && c.scenario?.name === name)!.id;
        const row = attempts.find((a) => a.platform === platform && a.id === id)!;
        expect(row.attempts, `${platform} ${name}: attempts`).toBe(1);
      }
    }
    expect(w.lines.filter((l) => l.includes('"level":50'))).toEqual([]);
  }, 60_000);

  it('rides out a platform-wide outage on every platform with backoff, not a retry storm, and sends each alert once after it', async () => {
    const backoff = { baseMs: 400, maxMs: 1600 };
    world = await startWorld({ clientTimeoutMs: 1000, backoff });
    const w = world;
    const perPlatform = 8;
    for (const platform of PLATFORMS) {
      for (let i = 0; i < perPlatform; i += 1) w.watch(platform, chatId(platform, i), 'outage-coin');
      w.proxy(platform).failAll(ANSWERS[platform].serverError(502));
    }
    const outageMs = 3000;
    const started = performance.now();
    expect(await (await w.post(nameChange('outage-coin'))).json()).toMatchObject({ deliveries: perPlatform * 3 });
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    for (const platform of PLATFORMS) w.proxy(platform).failAll(undefined);
    const outage = performance.now() - started;

    await until(
      () => PLATFORMS.every((p) => Array.from({ length: perPlatform }, (_, i) => w.delivered(p, chatId(p, i))).every((n) => n >= 1)),
      'every chat has its alert after the outage',
      20_000,
    );
    await w.bot.dispatcher.idle();
    // Attempt n waits at least half of base·2^(n-1) (equal jitter): over the outage a chat can fail only this often.
    let attempts = 1;
    for (let waited = 0; waited < outage; attempts += 1) waited += Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempts - 1)) / 2;
    for (const platform of PLATFORMS) {
      for (let i = 0; i < perPlatform; i += 1) {
        const id = chatId(platform, i);
        expect(w.delivered(platform, id)).toBe(1);
        const failed = w.proxy(platform).requestsFor(id).filter((r) => r.outcome === 'respond').length;
        expect(failed, `${platform} chat ${i}: failed requests during the outage`).toBeLessThanOrEqual(attempts * (1 + CLIENT_RETRIES[platform]));
      }
    }
    expect(outboxCounts(w.db)).toEqual({ sent: perPlatform * 3 });
  }, 60_000);
});
