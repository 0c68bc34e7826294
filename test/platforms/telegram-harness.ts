// The Telegram side of the adapter contract: the real grammY adapter against TelegramFake, long polling. Commands are
// typed in a private chat, and in a supergroup by an administrator (as /cmd@bot) and by a plain member.
import { expect } from 'vitest';
import { slashForm } from '../../src/core/commands.js';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { escapePayload } from '../../src/platforms/telegram/render-telegram.js';
import { BOT_USERNAME, TelegramFake, type ApiFailure, type FakeChat, type SentMessage } from '../fakes/telegram-fake.js';
import { UNPACED_CHATS } from '../support/harness.js';
import type { HarnessFactory, IntakeContext, SendAnswer } from './adapter-contract.js';

const ADMIN = { id: 91, first_name: 'Ada' };
const MEMBER = { id: 92, first_name: 'Max' };

export const telegramHarness: HarnessFactory = async ({ log }) => {
  const fake = await new TelegramFake().listen();
  fake.memberStatus.set(ADMIN.id, 'administrator');
  const privateChat: FakeChat = { id: 1001, type: 'private' };
  const group: FakeChat = { id: -1002001, type: 'supergroup', title: 'Ops desk' };
  const typed = (name: string, args: string, bot = '') => `/${name}${bot}${args ? ` ${args}` : ''}`;
  const context = (label: string, chat: FakeChat, from: typeof ADMIN, manages: boolean, bot = ''): IntakeContext => ({
    label,
    platformChatId: String(chat.id),
    manages,
    form: slashForm,
    aliases: true,
    say: (name, args) => fake.say(chat, typed(name, args, bot), from),
  });
  const fail = (failure: ApiFailure) => (chatId: string) => fake.failNext(chatId, failure);
  const sendAnswers: SendAnswer[] = [
    { answer: '200 ok', arrange: () => undefined, outcome: 'sent' },
    { answer: '429 retry_after 3', arrange: fail({ error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }), outcome: 'retry' },
    { answer: '500', arrange: fail({ error_code: 500, description: 'Internal Server Error' }), outcome: 'retry' },
    { answer: '403 blocked by the user', arrange: fail({ error_code: 403, description: 'Forbidden: bot was blocked by the user' }), outcome: 'chat_gone' },
    { answer: '400 chat not found', arrange: fail({ error_code: 400, description: 'Bad Request: chat not found' }), outcome: 'chat_gone' },
    {
      answer: '400 group upgraded to a supergroup',
      arrange: fail({ error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009 } }),
      outcome: 'chat_moved',
    },
    { answer: '400 message is too long', arrange: fail({ error_code: 400, description: 'Bad Request: message is too long' }), outcome: 'rejected' },
    { answer: '401 Unauthorized', arrange: fail({ error_code: 401, description: 'Unauthorized' }), outcome: 'platform_down' },
  ];
  return {
    adapter: createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log, chatLimits: UNPACED_CHATS }),
    chat: { platform: 'telegram', platformChatId: String(privateChat.id), kind: 'private' },
    command: (text) => fake.say(privateChat, text),
    advertised: () => {
      const menus = fake.calls.filter((c) => c.method === 'setMyCommands');
      return ((menus.at(-1)?.body.commands ?? []) as Array<{ command: string }>).map((c) => c.command);
    },
    contexts: [
      context('private chat', privateChat, ADMIN, true),
      context('group, administrator', group, ADMIN, true, `@${BOT_USERNAME}`),
      context('group, member', group, MEMBER, false),
    ],
    mention: '@oncall_desk',
    sendAnswers,
    buttons: {
      chat: { platform: 'telegram', platformChatId: String(group.id), kind: 'group', title: group.title ?? null },
      command: (text) => fake.say(group, text, ADMIN),
      managerName: ADMIN.first_name,
      buttons: (message) => ((message as SentMessage).reply_markup?.inline_keyboard ?? []).flat().map((b) => ({ label: b.text, payload: b.callback_data })),
      // What Telegram shows of the HTML: tags gone, entities read, the invisible joiner after @ dropped.
      text: (message) =>
        (message as SentMessage).text
          .replace(/<[^>]+>/g, '')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
          .replace(/\u2060/g, ''),
      press: async (message, payload, asManager) => (await fake.press(message as SentMessage, payload, asManager ? ADMIN : MEMBER, group)).text ?? '',
    },
    alerts: (chatId) => fake.alerts(chatId),
    notices: (chatId) => fake.sent.filter((m) => m.chat_id === chatId && m.parse_mode === undefined && m.text.startsWith('coinsentry no longer')).map((m) => m.text),
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
