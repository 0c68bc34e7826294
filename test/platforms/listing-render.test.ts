// Listing alerts on the three platforms: exchange, pair, type, volume and score shown with each renderer's escaping
// (payload text inert), severity marked, and an unresolved symbol said as such with a link to a CoinGecko search.
import { describe, expect, it } from 'vitest';
import { composeAlert, type AlertCoin } from '../../src/core/alert.js';
import { renderDiscordAlert } from '../../src/platforms/discord/render-discord.js';
import { renderSlackAlert } from '../../src/platforms/slack/render-slack.js';
import { escapeSlack } from '../../src/platforms/slack/slack-text.js';
import { escapePayload, renderTelegramAlert } from '../../src/platforms/telegram/render-telegram.js';
import { parseCexping } from '../../src/sources/cexping/parse-payload.js';
import { NOW_MS, cexpingBody } from '../support/harness.js';
import { assertInert as assertDiscordInert } from './discord-harness.js';
import { textObjects } from './slack-harness.js';

const HOSTILE = 'Evil <b>x</b> &amp; @everyone <!channel> <@U123> *b* _i_ `c` [l](https://evil.example)';
const UNRESOLVED: AlertCoin = { id: null, symbol: 'PEPE2', name: null };

function alertFor(name: string, overrides: Record<string, unknown> = {}, coin: AlertCoin = UNRESOLVED) {
  const text = cexpingBody(name, overrides);
  const intake = parseCexping({ bytes: Buffer.from(text), text }, NOW_MS, 300);
  if (intake.kind !== 'event') throw new Error(JSON.stringify(intake));
  return composeAlert({ eventId: 'cxp_1', coin, changes: intake.event.changes });
}
const hostile = () => alertFor('new-listing', { exchange: HOSTILE, symbol: HOSTILE, listing_type: HOSTILE }, { id: null, symbol: null, name: null });

describe('listing alerts on Telegram', () => {
  it('shows exchange, pair, type, volume and score, and says the symbol is not a known coin', () => {
    const html = renderTelegramAlert(alertFor('new-listing'));
    expect(html).toBe(
      [
        '⚠️ <b>New listing</b>\n<b>PEPE2</b> · not matched to a CoinGecko coin',
        '🆕 <b>New listing</b> on <b>Binance</b>\nPair: <code>PEPE2USDT</code>\nType: spot\n24 h volume: $2,847,393\nAI score: 87/100',
        '<a href="https://www.coingecko.com/en/search?query=PEPE2">Search on CoinGecko</a>',
      ].join('\n\n'),
    );
  });

  it('marks a delisting high severity and pings the chat\'s mention', () => {
    const html = renderTelegramAlert(alertFor('delisting', {}, { id: 'example-bridge-token', symbol: 'ebt', name: 'Example Bridge Token' }), { mention: '@oncall' });
    expect(html.startsWith('🔔 @oncall\n🚨 <b>Delisting</b> · HIGH SEVERITY\n<b>Example Bridge Token</b> (EBT) <code>example-bridge-token</code>')).toBe(true);
    expect(html).toContain('⛔ <b>Delisting</b> on <b>Binance</b>');
  });

  it('keeps hostile exchange, pair and type inert', () => {
    const html = renderTelegramAlert(hostile());
    expect(html.split(escapePayload(HOSTILE)).length).toBe(4);
    expect(html).not.toContain('@everyone');
    for (const tag of html.match(/<\/?([a-z]+)/g) ?? []) expect(['<b', '</b', '<code', '</code', '<a', '</a']).toContain(tag);
  });
});

describe('listing alerts on Discord', () => {
  it('shows the listing as one field and the unresolved symbol in the description', () => {
    const message = renderDiscordAlert(alertFor('volume-spike'));
    const [embed] = message.embeds;
    expect(embed.title).toBe('Volume spike · PEPE2');
    expect(embed.url).toBe('https://www.coingecko.com/en/search?query=PEPE2');
    expect(embed.description).toContain('Coin: **PEPE2** · not matched to a CoinGecko coin');
    expect(embed.fields).toEqual([{ name: '📊 Volume spike on Gate.io', value: '**Pair:** GENIUS\\_USDT\n**Type:** spot\n**24 h volume:** $9,800,000\n**AI score:** 65/100' }]);
  });

  it('keeps hostile exchange, pair and type inert and pings no one', () => {
    assertDiscordInert(renderDiscordAlert(hostile()), HOSTILE);
  });
});

describe('listing alerts on Slack', () => {
  it('lists exchange, pair and figures as fields, and says the symbol is not a known coin', () => {
    const message = renderSlackAlert(alertFor('futures-listing'));
    const texts = textObjects(message.blocks).map((o) => o.text);
    expect(texts).toEqual(expect.arrayContaining(['📈 *Futures listing*', 'Bybit', 'WGC-USDT', 'perp', '$1,250,000', '74/100', 'not matched to a CoinGecko coin']));
    expect(message.text).toBe('⚠️ Futures listing: PEPE2 · 1 change · https://www.coingecko.com/en/search?query=PEPE2');
  });

  it('keeps hostile exchange, pair and type in plain_text only, escaped', () => {
    const message = renderSlackAlert(hostile());
    const objects = textObjects(message.blocks);
    expect(objects.filter((o) => o.type === 'plain_text' && o.text === escapeSlack(HOSTILE))).toHaveLength(3);
    for (const object of objects.filter((o) => o.type === 'mrkdwn')) expect(object.text).not.toMatch(/Evil|everyone|channel/);
    const json = JSON.stringify(message);
    for (const raw of ['<!', '<@', '<b>']) expect(json).not.toContain(raw);
  });
});

describe('listing alerts on every platform', () => {
  it('show a direction override in an exchange name as U+FFFD, so it cannot reorder the words around it', () => {
    const alert = alertFor('new-listing', { exchange: 'Bin\u202eance' });
    const rendered = [renderTelegramAlert(alert), JSON.stringify(renderDiscordAlert(alert)), JSON.stringify(renderSlackAlert(alert))];
    for (const text of rendered) {
      expect(text).not.toContain('\u202e');
      expect(text).toContain('Bin\uFFFDance');
    }
  });
});
