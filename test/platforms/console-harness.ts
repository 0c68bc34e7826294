// The console sink under the shared contract: commands go straight to the command service (the sink has no intake of
// its own, like the demo), alerts are what the sink printed, and failures are simulated through its `answer` hook.
import { expect } from 'vitest';
import { parseCommandText } from '../../src/core/command-grammar.js';
import { createConsoleAdapter } from '../../src/platforms/console/console-adapter.js';
import type { ChatRef, SendOutcome } from '../../src/platforms/port.js';
import { escapePayload, renderTelegramAlert, renderTelegramDigest } from '../../src/platforms/telegram/render-telegram.js';
import { CHAT_COMMANDS } from '../../src/core/commands.js';
import type { HarnessFactory } from './adapter-contract.js';

/** A platform answer as the sink's `answer` hook simulates it. */
function simulated(kind: Exclude<SendOutcome['kind'], 'sent'>): SendOutcome {
  switch (kind) {
    case 'retry':
      return { kind, error: '429 (simulated)', afterMs: 1000 };
    case 'chat_gone':
      return { kind, reason: 'chat deleted (simulated)' };
    case 'chat_moved':
      return { kind, newPlatformChatId: 'ops-2' };
    case 'rejected':
      return { kind, error: 'message refused (simulated)' };
    case 'platform_down':
      return { kind, error: 'token refused (simulated)' };
  }
}

export const consoleHarness: HarnessFactory = async () => {
  const printed: string[] = [];
  const failures: SendOutcome[] = [];
  const adapter = createConsoleAdapter({
    write: (text) => printed.push(text),
    renderers: [{ label: 'Telegram', render: (alert) => renderTelegramAlert(alert), renderDigest: renderTelegramDigest }],
    answer: () => failures.shift(),
  });
  const chat: ChatRef = { platform: 'console', platformChatId: 'ops', kind: 'group', title: 'Ops' };
  return {
    adapter,
    chat,
    advertised: () => CHAT_COMMANDS.map((c) => c.name),
    contexts: [],
    noIntake: 'the console sink prints alerts; it receives no commands (the demo calls the command service directly)',
    noButtons: 'the console sink prints the buttons (the demo shows them) but nobody can press a printed button',
    mention: '@oncall',
    sendAnswers: [
      { answer: 'printed', arrange: () => undefined, outcome: 'sent' },
      ...(['retry', 'chat_gone', 'chat_moved', 'rejected', 'platform_down'] as const).map((kind) => ({
        answer: `simulated ${kind}`,
        arrange: () => void failures.push(simulated(kind)),
        outcome: kind,
      })),
    ],
    async command(text, { commands }) {
      if (!parseCommandText(text)) throw new Error(`not a command: ${text}`);
      const [, name = '', args = ''] = /^\/(\w+)\s*([\s\S]*)$/.exec(text.trim()) ?? [];
      return (await commands.run({ chat, name, args, canManage: () => true })) ?? '';
    },
    notices: (chatId) => adapter.notices.filter((n) => n.chat.platformChatId === chatId).map((n) => n.text),
    alerts: (chatId) => adapter.sent.filter((s) => s.chat.platformChatId === chatId).map((s) => ({ ...s, printed: printed.join('\n') })),
    assertInert(alert, hostile) {
      const text = (alert as { printed: string }).printed;
      expect(text).toContain(escapePayload(hostile));
      expect(text).not.toContain('<b>x</b>');
    },
    failNextAlert(_chatId, failure) {
      failures.push(
        failure.kind === 'rate_limited'
          ? { kind: 'retry', error: '429 (simulated)', afterMs: failure.retryAfterSeconds * 1000 }
          : { kind: 'chat_gone', reason: 'chat deleted (simulated)' },
      );
    },
    close: async () => undefined,
  };
};
