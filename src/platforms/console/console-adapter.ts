// The console sink: a platform adapter that prints each alert as the real platforms would render it. Used by the
// demo (no tokens, no network) and handy for a dry run of a new deployment.
import type { Alert } from '../../core/alert.js';
import { coinTitle, type Digest } from '../../core/compact.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../port.js';

export interface ConsoleRenderer {
  /** A heading for this rendering, e.g. `Telegram HTML`. */
  label: string;
  render(alert: Alert): string;
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
}

export function createConsoleAdapter(options: ConsoleOptions): ConsoleAdapter {
  const sent: Array<{ chat: ChatRef; alert: Alert }> = [];
  const digests: Array<{ chat: ChatRef; digest: Digest }> = [];
  const rule = '─'.repeat(72);
  return {
    platform: 'console',
    limits: { perSecond: 1000, perChatIntervalMs: 0 },
    sent,
    digests,
    async send(chat, alert) {
      const simulated = options.answer?.(chat);
      if (simulated && simulated.kind !== 'sent') return simulated;
      sent.push({ chat, alert });
      const sections = options.renderers.map((r) => `── ${r.label} ──\n${r.render(alert)}`);
      options.write(`${rule}\nALERT to ${chat.title ?? chat.platformChatId} · ${alert.coin.id ?? coinTitle(alert.coin)} · ${alert.severity}\n${sections.join('\n\n')}\n`);
      return { kind: 'sent' };
    },
    async sendDigest(chat, digest) {
      const simulated = options.answer?.(chat);
      if (simulated && simulated.kind !== 'sent') return simulated;
      digests.push({ chat, digest });
      const sections = options.renderers.map((r) => `── ${r.label} ──\n${r.renderDigest(digest)}`);
      options.write(`${rule}\nDIGEST to ${chat.title ?? chat.platformChatId} · ${digest.count} alerts\n${sections.join('\n\n')}\n`);
      return { kind: 'sent' };
    },
  };
}
