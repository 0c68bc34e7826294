// Markup and mention injection on every platform, end to end: hostile text in every payload slot of a signed webhook
// (coin name, symbol and id, old and new values, notices, categories, addresses, links, field names) goes through
// the real dispatcher and client libraries to the fake platforms, and arrives as inert text within each platform's
// limits: no tag, link, formatting, mention or direction override of its own, and every message accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/platforms/telegram/render-telegram.js';
import { assertInert as assertDiscordInert, markdownTexts } from '../platforms/discord-harness.js';
import { assertSlackInert, textObjects } from '../platforms/slack-harness.js';
import { PLATFORMS, chatId, outboxCounts, startWorld, until, type Platform, type World } from './support/world.js';

/** Shown in full (short enough for every slot), so each platform's inertness check can find it. */
const SHORT: Record<string, string> = {
  html: '<b>bold</b><a href="https://evil.example">x</a><script>alert(1)</script>&amp;&lt;',
  markdown: '*b* _i_ ~s~ `c` ```x``` ||spoiler|| > quote # H [l](https://evil.example) <https://evil.example|go>',
  slack: '<!channel> <!here> <!everyone> <@U123ABC> <#C123ABC> <!subteam^S123|@team> <!date^0^{date}|x>',
  discord: '@everyone @here <@&123456789012345678> <@123456789012345678> <#123456789012345678> <t:0:R> :joy:',
  telegram: '@oncall_desk /unwatch@coinsentry_bot all #tag $BTC',
  zeroWidth: '@every\u200bone <!chan\u200bnel> zero\u200c\u200d\u2060\ufeffwidth',
};
/** Direction overrides and isolates: they could reorder the text around them; shown as U+FFFD instead. */
const BIDI = 'rtl \u202eevil\u202c \u202dltr\u202c \u2067iso\u2069 \u2066l\u2069 \u2068f\u2069 \u202bemb\u202c and real RTL: עברית عربي';
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
const LONG = `${Object.values(SHORT).join(' ')} ${'ж@<&*_'.repeat(1700)}`.slice(0, 10_000);

function eventBody(coinId: string, hostile: string): string {
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: coinId,
      symbol: hostile.slice(0, 40),
      name: hostile,
      changes: [
        { field: 'name', change_type: 'update', old_value: hostile, new_value: `${hostile}!` },
        { field: 'public_notices', change_type: 'addition', new_value: hostile },
        { field: 'categories', change_type: 'addition', new_value: hostile },
        { field: 'platforms.ethereum', change_type: 'update', old_value: hostile, new_value: `0x${'a'.repeat(40)}` },
        { field: 'links.homepage', change_type: 'update', old_value: [hostile], new_value: [hostile, 'https://evil.example'] },
        { field: 'additional_notices.can_mint_new_tokens', change_type: 'update', old_value: false, new_value: true },
        { field: hostile.slice(0, 1000), change_type: 'update', old_value: { nested: [hostile] }, new_value: hostile },
      ],
    },
  });
}

interface Case {
  name: string;
  hostile: string;
  /** The coin id of the event: a plain one, or the hostile text itself. */
  coinId: string;
}

const CASES: Case[] = [
  ...Object.entries(SHORT).flatMap(([name, hostile]) => [
    { name, hostile, coinId: `inject-${name}` },
    { name: `${name} as the coin id`, hostile, coinId: hostile },
  ]),
  { name: 'bidi', hostile: BIDI, coinId: 'inject-bidi' },
  { name: 'a 10,000-character string', hostile: LONG, coinId: 'inject-long' },
  { name: 'a 10,000-character coin id', hostile: LONG.slice(0, 1000), coinId: LONG.slice(0, 1000) },
];

let world: World;
const chatOf = (platform: Platform, i: number) => chatId(platform, 500 + i);

beforeAll(async () => {
  world = await startWorld();
  CASES.forEach((c, i) => {
    for (const platform of PLATFORMS) world.watch(platform, chatOf(platform, i), c.coinId, { kind: platform === 'telegram' ? 'private' : 'group' });
  });
  // A 3,500-change event: summarised within the limits, never refused.
  for (const platform of PLATFORMS) world.watch(platform, chatOf(platform, 99), 'inject-many', { kind: platform === 'telegram' ? 'private' : 'group' });
  for (const c of CASES) {
    const res = await world.post(eventBody(c.coinId, c.hostile));
    expect(await res.json(), c.name).toMatchObject({ status: 'recorded', deliveries: 3 });
  }
  const many = JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: { id: 'inject-many', name: LONG.slice(0, 300), changes: Array.from({ length: 3500 }, (_, i) => ({ field: 'categories', change_type: 'addition', new_value: `<!here>${i}` })) },
  });
  expect(await (await world.post(many)).json()).toMatchObject({ deliveries: 3 });
  const total = (CASES.length + 1) * 3;
  await until(() => (outboxCounts(world.db).sent ?? 0) + (outboxCounts(world.db).dead ?? 0) === total, 'every alert has an outcome', 30_000);
  await world.bot.dispatcher.idle();
}, 60_000);
afterAll(() => world?.close());

function messageOf(platform: Platform, id: string): unknown {
  const list: unknown[] =
    platform === 'telegram' ? world.telegram.fake.alerts(id) : platform === 'discord' ? world.discord.fake.messages(id) : world.slack.fake.alerts(id);
  expect(list, `${platform} messages to ${id}`).toHaveLength(1);
  return list[0];
}

/** Telegram HTML: only our tags, only links we made, every `&` an entity, no mention or direction override of the payload. */
function assertTelegramInert(message: unknown, hostile: string, whole: boolean): void {
  const text = (message as { text: string; parse_mode: string }).text;
  expect((message as { parse_mode: string }).parse_mode).toBe('HTML');
  expect(text.length).toBeLessThanOrEqual(4096);
  for (const tag of text.match(/<[^>]*>/g) ?? []) {
    expect(tag, 'a tag we did not write').toMatch(/^<\/?(b|i|s|code|blockquote)>$|^<a href="https:\/\/[^"<>]+">$|^<\/a>$/);
    const href = /^<a href="([^"]+)">$/.exec(tag)?.[1];
    if (href) expectOurLink(href.replace(/&amp;/g, '&'));
  }
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
  // Telegram makes @username a mention (a ping) in any message text; a payload's `@` must not form one.
  expect(text).not.toMatch(/@[A-Za-z0-9_]/);
  expect(text).not.toMatch(BIDI_CONTROLS);
  if (whole) expect(text).toContain(escapeHtml(hostile).replace(/@/g, '@\u2060'));
}

/** A link we made: to CoinGecko or a block explorer, never to a host the payload names (its text may be in the path). */
function expectOurLink(url: string): void {
  const parsed = new URL(url);
  expect(parsed.protocol).toBe('https:');
  expect(parsed.hostname).not.toContain('evil');
}

describe.each(PLATFORMS)('%s', (platform) => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('keeps %s inert, within the limits', (_name, c, i) => {
    const message = messageOf(platform, chatOf(platform, i));
    const whole = c.hostile.length <= 200 && !BIDI_CONTROLS.test(c.hostile);
    if (platform === 'telegram') assertTelegramInert(message, c.hostile, whole);
    if (platform === 'discord') {
      // The fake Discord accepted it, so it is within the embed limits; nobody can be pinged.
      expect((message as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
      for (const part of markdownTexts(message)) {
        expect(part).not.toMatch(/@(?!\u200b)/);
        expect(part).not.toMatch(BIDI_CONTROLS);
      }
      const embeds = (message as { embeds: Array<{ url?: string }> }).embeds;
      for (const embed of embeds) if (embed.url) expectOurLink(embed.url);
      // (The harness reads U+200B as its own mention breaker, so a payload carrying one is checked by the lines above.)
      if (whole && !c.hostile.includes('\u200b')) assertDiscordInert(message, c.hostile);
    }
    if (platform === 'slack') {
      const json = JSON.stringify(message);
      for (const raw of ['<!', '<@', '<#', '<https://evil', '<b>']) expect(json).not.toContain(raw);
      for (const object of textObjects((message as { blocks: unknown }).blocks)) expect(object.text).not.toMatch(BIDI_CONTROLS);
      expect((message as { text: string }).text).not.toMatch(BIDI_CONTROLS);
      for (const object of textObjects((message as { blocks: unknown }).blocks)) {
        for (const [, url] of object.text.matchAll(/<(https:\/\/[^|>]+)\|/g)) expectOurLink(url!.replace(/&amp;/g, '&'));
      }
      // (The harness's own check also wants no payload text in link paths: only for events with a plain coin id.)
      if (whole && c.coinId !== c.hostile) assertSlackInert(message, c.hostile);
    }
  });

  it('summarises a 3,500-change event within the limits', () => {
    const message = messageOf(platform, chatOf(platform, 99));
    // Shown as far as it fits, and the rest named: "… and N more changes" or "… (N more characters)".
    expect(JSON.stringify(message)).toMatch(/more (change|character)/);
    expect(JSON.stringify(message)).not.toMatch(/<!here>/);
  });

  it('had every alert accepted: nothing refused, nothing dead-lettered', () => {
    expect(outboxCounts(world.db)).toEqual({ sent: (CASES.length + 1) * 3 });
  });
});
