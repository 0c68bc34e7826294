// Builds the admin CLI's test databases through the real code paths: webhooks recorded by the event recorder, chats
// and subscriptions made by /watch commands through the command service.
import { createCommandService } from '../../src/core/command-service.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import type { Db } from '../../src/db/open-database.js';
import { createEventRecorder } from '../../src/db/record-event.js';
import type { ChatRef } from '../../src/platforms/port.js';
import { parsePayload } from '../../src/sources/coingecko/parse-payload.js';
import { NOW_MS, fixture } from '../support/harness.js';

/** Records a bundled fixture as CoinGecko event `eventId`; resolves to the number of outbox rows it queued. */
export async function recordFixture(db: Db, name: string, eventId: string): Promise<number> {
  const rawBody = fixture(name);
  const parsed = parsePayload(rawBody);
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse: ${parsed.reason}`);
  const result = await createEventRecorder(db).record({ source: 'coingecko', eventId, occurredAt: NOW_MS / 1000, rawBody }, parsed.event);
  return result.kind === 'recorded' ? result.deliveries : 0;
}

export function telegramGroup(id: string, title = `group ${id}`): ChatRef {
  return { platform: 'telegram', platformChatId: id, kind: 'group', title };
}

/** Types `/<name> <args>` in the chat as an administrator; returns the bot's reply. */
export async function command(db: Db, chat: ChatRef, name: string, args: string, subscriptionLimit = 500): Promise<string | undefined> {
  const service = createCommandService(sqliteChatStore(db), { subscriptionLimit });
  return service.run({ chat, name, args, canManage: () => true });
}
