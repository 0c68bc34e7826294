// What ops channels see on every platform: digests within each platform's limits and as inert text, and the rule that
// only the chat's own /mention ever pings: payload text such as `@everyone`, `<!channel>`, `<@123>` or `@some_admin`
// never does, on any platform.
import { describe, expect, it } from 'vitest';
import { composeAlert, type Alert } from '../../src/core/alert.js';
import { composeDigest } from '../../src/core/compact.js';
import { EMBED_LIMITS, renderDiscordAlert, renderDiscordDigest } from '../../src/platforms/discord/render-discord.js';
import { BLOCK_KIT_LIMITS, renderSlackAlert, renderSlackDigest } from '../../src/platforms/slack/render-slack.js';
import { MAX_MESSAGE_LENGTH, renderTelegramAlert, renderTelegramDigest } from '../../src/platforms/telegram/render-telegram.js';

const INJECTION = '@everyone @here <!channel> <!here> <@U0123> <@123456789012345678> <@&987654321098765432> @some_admin <b>x</b>';

function alertOf(field: string, changeType: string, newValue: unknown, name = INJECTION): Alert {
  return composeAlert({
    eventId: 'evt-1',
    coin: { id: 'evil-coin', symbol: 'EVL', name },
    changes: [{ field, changeType, oldValue: changeType === 'addition' ? null : JSON.stringify('0x1111111111111111111111111111111111111111'), newValue: JSON.stringify(newValue) }],
  });
}

const migration = alertOf('platforms.ethereum', 'update', '0x2222222222222222222222222222222222222222');
const notice = alertOf('public_notices', 'addition', INJECTION);
const lowSeverity = alertOf('categories', 'addition', INJECTION);

describe('mentions come only from /mention', () => {
  it('Telegram: payload @names are broken with a word joiner; the configured @oncall pings on high severity only', () => {
    for (const alert of [migration, notice, lowSeverity]) {
      const html = renderTelegramAlert(alert, { mention: '@oncall' });
      expect(html).not.toMatch(/@(everyone|here|some_admin)/);
      expect(html).toContain('@\u2060some_admin');
      expect(html).not.toContain('<b>x</b>');
      expect(html.includes('🔔 @oncall'), alert.headline).toBe(alert.severity === 'high');
    }
    expect(renderTelegramAlert(migration)).not.toContain('🔔');
  });

  it('Discord: nothing parsed from content; only the configured role, on high severity', () => {
    for (const alert of [migration, notice, lowSeverity]) {
      const message = renderDiscordAlert(alert, { mention: '<@&1800000000000000001>' });
      const high = alert.severity === 'high';
      expect(message.allowed_mentions).toEqual(high ? { parse: [], roles: ['1800000000000000001'] } : { parse: [] });
      expect(message.content ?? '').toBe(high ? '🔔 <@&1800000000000000001>' : '');
      expect(JSON.stringify(message.embeds)).not.toMatch(/@(everyone|here)|<@&?\d/);
    }
  });

  it('Slack: payload only in escaped plain text; the configured user group pings on high severity only', () => {
    for (const alert of [migration, notice, lowSeverity]) {
      const { text, blocks } = renderSlackAlert(alert, { mention: '<!subteam^S0ONCALL>' });
      const high = alert.severity === 'high';
      const raw = JSON.stringify(blocks) + text;
      expect(raw).not.toMatch(/<!channel>|<!here>|<@U0123>/);
      expect(raw.includes('<!subteam^S0ONCALL>'), alert.headline).toBe(high);
    }
  });
});

describe('digests', () => {
  const hostile = Array.from({ length: 60 }, (_, i) => alertOf('categories', 'addition', `${INJECTION} ${'&'.repeat(10_000)}`, `${INJECTION} #${i}`));
  const digest = composeDigest(hostile);

  it('lists at most 50 entries and counts the rest', () => {
    expect(digest.count).toBe(60);
    expect(digest.entries).toHaveLength(50);
    expect(digest.omitted).toBe(10);
  });

  it('Telegram: one message within 4096 characters, inert, with what was left out said', () => {
    const html = renderTelegramDigest(digest);
    expect(html.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(html).toMatch(/^🗂 <b>Digest: 60 low-severity alerts/);
    expect(html).toMatch(/… \d+ more not shown/);
    expect(html).toContain('…and 10 more.');
    expect(html).not.toMatch(/@(everyone|here|some_admin)|<b>x<\/b>|&am(?!p;)/);
  });

  it('Discord: one embed within the limits, pinging nobody', () => {
    const message = renderDiscordDigest(digest);
    const [embed] = message.embeds;
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(embed.description.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(embed.title.length + embed.description.length + embed.footer.text.length).toBeLessThanOrEqual(EMBED_LIMITS.total);
    expect(JSON.stringify(message)).not.toMatch(/@(everyone|here)|<@&?\d/);
  });

  it('Slack: plain_text sections within Block Kit limits, no control sequences', () => {
    const { text, blocks } = renderSlackDigest(digest);
    expect(blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.blocks);
    for (const block of blocks) {
      if (block.type === 'section') {
        expect(block.text?.type).toBe('plain_text');
        expect(block.text!.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.sectionText);
      }
    }
    expect(JSON.stringify(blocks) + text).not.toMatch(/<!channel>|<!here>|<@U0123>/);
  });
});
