// The Telegram side of the adapter contract: the real grammY adapter against TelegramFake, long polling.
import { expect } from 'vitest';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { escapePayload } from '../../src/platforms/telegram/render-telegram.js';
import { TelegramFake } from '../fakes/telegram-fake.js';
import type { HarnessFactory } from './adapter-contract.js';

export const telegramHarness: HarnessFactory = async ({ log }) => {
  const fake = await new TelegramFake().listen();
  const privateChat = { id: 1001, type: 'private' as const };
  return {
    adapter: createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log }),
    chat: { platform: 'telegram', platformChatId: String(privateChat.id), kind: 'private' },
    command: (text) => fake.say(privateChat, text),
    alerts: (chatId) => fake.alerts(chatId),
    assertInert(alert, hostile) {
      const text = (alert as { text: string }).text;
      expect(text).toContain(escapePayload(hostile));
      expect(text).not.toContain('<b>x</b>');
      expect(text).not.toContain('<https://evil.example');
      // Every tag left is one of ours.
      for (const tag of text.match(/<\/?([a-z]+)/g) ?? []) expect(['<b', '</b', '<code', '</code', '<a', '</a']).toContain(tag);
    },
    failNextAlert(chatId, failure) {
      fake.failNext(
        chatId,
        failure.kind === 'rate_limited'
          ? { error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfterSeconds}`, parameters: { retry_after: failure.retryAfterSeconds } }
          : { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      );
    },
    close: () => fake.close(),
  };
};
