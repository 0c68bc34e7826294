// The console sink: a platform adapter that prints each alert as the real platforms would render it. Used by the
// demo (no tokens, no network) and handy for a dry run of a new deployment.
import type { Alert } from '../../core/alert.js';
import { coinTitle, type Digest } from '../../core/compact.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../port.js';

export interface ConsoleRenderer {
  /** A heading for this rendering, e.g. `Telegram HTML`; empty prints the rendering alone. */
  label: string;
  render(alert: Alert, chat: ChatRef): string;
  renderDigest(digest: Digest): string;
}

export interface ConsoleOptions {
  write: (text: string) => void;
  renderers: readonly ConsoleRenderer[];
  /** Simulates a platform's answer for a chat (rate limit, chat gone) in dry runs and tests; `sent` when undefined. */
  answer?: (chat: ChatRef) => SendOutcome | undefined;
}

export interface ConsoleAdapter extends PlatformAdapter {
  /** Every alert and digest printed, in order (tests and the demo read them). */
  sent: Array<{ chat: ChatRef; alert: Alert }>;
  digests: Array<{ chat: ChatRef; digest: Digest }>;
  notices: Array<{ chat: ChatRef; text: string }>;
}

export function createConsoleAdapter(options: ConsoleOptions): ConsoleAdapter {
  const sent: Array<{ chat: ChatRef; alert: Alert }> = [];
  const digests: Array<{ chat: ChatRef; digest: Digest }> = [];
  const notices: Array<{ chat: ChatRef; text: string }> = [];
  const sections = (render: (r: ConsoleRenderer) => string) =>
    options.renderers.map((r) => (r.label ? `── ${r.label} ──\n${render(r)}` : render(r))).join('\n\n');
  return {
    platform: 'console',
    limits: { perSecond: 1000, perChatIntervalMs: 0 },
    sent,
    digests,
    notices,
    async send(chat, alert) {
      const simulated = options.answer?.(chat);
      if (simulated && simulated.kind !== 'sent') return simulated;
      sent.push({ chat, alert });
      options.write(`── to ${chat.title ?? chat.platformChatId} · ${alert.coin.id ?? coinTitle(alert.coin)} · ${alert.severity} ──\n${sections((r) => r.render(alert, chat))}\n`);
      return { kind: 'sent' };
    },
    async sendNotice(chat, text) {
      const simulated = options.answer?.(chat);
      if (simulated && simulated.kind !== 'sent') return simulated;
      notices.push({ chat, text });
      options.write(`── notice to ${chat.title ?? chat.platformChatId} ──\n${text}\n`);
      return { kind: 'sent' };
    },
    async sendDigest(chat, digest) {
      const simulated = options.answer?.(chat);
      if (simulated && simulated.kind !== 'sent') return simulated;
      digests.push({ chat, digest });
      options.write(`── digest to ${chat.title ?? chat.platformChatId} · ${digest.count} alerts ──\n${sections((r) => r.renderDigest(digest))}\n`);
      return { kind: 'sent' };
    },
  };
}
