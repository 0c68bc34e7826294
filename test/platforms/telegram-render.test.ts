import { describe, expect, it } from 'vitest';
import { composeAlert } from '../../src/core/alert.js';
import { shorten } from '../../src/core/text.js';
import { MAX_MESSAGE_LENGTH, escapeHtml, renderTelegramAlert } from '../../src/platforms/telegram/render-telegram.js';

const alertWith = (name: string, changes: Array<{ field: string; changeType: string; oldValue: unknown; newValue: unknown }>) =>
  composeAlert({
    eventId: 'e',
    coin: { id: 'evil-coin', symbol: 'evl', name },
    changes: changes.map((c) => ({ ...c, oldValue: JSON.stringify(c.oldValue), newValue: JSON.stringify(c.newValue) })),
  });

describe('renderTelegramAlert', () => {
  it('renders a hostile coin name as text, not markup', () => {
    const name = '<b>Evil</b> &amp; </a> 🚀';
    const html = renderTelegramAlert(alertWith(name, [{ field: 'name', changeType: 'update', oldValue: 'Old', newValue: name }]));
    expect(html).toContain('&lt;b&gt;Evil&lt;/b&gt; &amp;amp; &lt;/a&gt; 🚀');
    expect(html).not.toContain('<b>Evil</b>');
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html).toContain('<code>evil-coin</code>');
  });

  it('shortens an overlong notice visibly and stays within 4096 characters', () => {
    const notice = '&'.repeat(10_000);
    const html = renderTelegramAlert(alertWith('Coin', [{ field: 'public_notices', changeType: 'addition', oldValue: null, newValue: notice }]));
    expect(html.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(html).toMatch(/… \(\d+ more characters\)/);
    expect(html).not.toMatch(/&am(?!p;)/); // never a cut entity
  });

  it('summarises changes that do not fit instead of cutting the message', () => {
    const changes = Array.from({ length: 40 }, (_, i) => ({ field: `links.site${i}`, changeType: 'update', oldValue: 'x'.repeat(300), newValue: 'y'.repeat(300) }));
    const html = renderTelegramAlert(alertWith('Coin', changes));
    expect(html.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(html).toMatch(/… and \d+ more changes: see CoinGecko/);
    expect(html.endsWith('View on CoinGecko</a>')).toBe(true);
  });

  it('marks high severity', () => {
    const html = renderTelegramAlert(alertWith('Coin', [{ field: 'additional_notices.has_unverified_contract', changeType: 'update', oldValue: false, newValue: true }]));
    expect(html.startsWith('🚨 <b>Security flag raised</b> · HIGH SEVERITY')).toBe(true);
    expect(html).toContain('⚠️ <b>Security flag raised</b>: Has unverified contract\nWas: no\nNow: yes');
  });
});

describe('shorten', () => {
  it('never splits a surrogate pair', () => {
    const out = shorten('🚀'.repeat(100), 50);
    expect(out).toMatch(/^(🚀)+… \(\d+ more characters\)$/);
    expect(out.length).toBeLessThanOrEqual(50);
  });
  it('measures the escaped length, and keeps as much text as fits', () => {
    const out = shorten('<'.repeat(700), 700, escapeHtml);
    expect(escapeHtml(out).length).toBeLessThanOrEqual(700);
    expect(out).toMatch(/^<{160,}… \(\d+ more characters\)$/);
  });
  it('leaves short text alone', () => {
    expect(shorten('abc', 10)).toBe('abc');
  });
});
