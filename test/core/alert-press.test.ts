// The press handler on a real database: a button works only in its own chat, only while the bot serves that chat
// (CHAT_ACCESS), and a retried send carries the buttons its first attempt minted.
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandService } from '../../src/core/command-service.js';
import type { PressRequest } from '../../src/core/alert-press.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import { findChat, setChatAccess } from '../../src/db/chats.js';
import { claimChats, nextChat } from '../../src/db/outbox-queue.js';
import { createAlertComposer } from '../../src/delivery/alert-composer.js';
import { createAlertControls, sqliteButtonStore } from '../../src/delivery/alert-controls.js';
import { command, recordFixture, telegramGroup } from '../cli/seed.js';
import { NOW_MS, tempDb, type TempDb } from '../support/harness.js';

describe('pressing an alert button', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  async function sentAlert() {
    t = tempDb();
    const chat = telegramGroup('-100', 'On-call');
    await command(t.db, chat, 'watch', 'platforms');
    await recordFixture(t.db, 'contract-migration-same-chain', 'evt-1');
    const controls = createAlertControls(t.db, { clock: () => NOW_MS });
    const row = claimChats(t.db, [nextChat(t.db, 0)!], { platforms: new Set(['telegram']), now: NOW_MS, limit: 10 }).claims[0]!.alerts[0]!;
    const composed = createAlertComposer(t.db)(row)!;
    const first = controls.alert(row, composed.alert);
    const service = createCommandService(sqliteChatStore(t.db), {
      subscriptionLimit: 500,
      access: { mode: 'approval', admins: new Set() },
      buttons: sqliteButtonStore(t.db, controls),
      clock: () => NOW_MS,
    });
    const payload = (label: string) => first.controls!.buttons.find((b) => b.label === label)!.payload;
    const press = (label: string, where = chat): Promise<Awaited<ReturnType<typeof service.press>>> =>
      service.press({ payload: payload(label), chat: where, user: { id: '7', name: 'Ada' }, canManage: () => true } satisfies PressRequest);
    return { chat, controls, row, composed, first, press };
  }

  it('carries the same buttons on a retried send', async () => {
    const { controls, row, composed, first } = await sentAlert();
    expect(first.controls!.buttons.map((b) => b.label)).toEqual(['Mute 1d', 'Unwatch', 'Acknowledge']);
    expect(controls.alert(row, composed.alert).controls).toEqual(first.controls);
    expect(t.db.$client.prepare('select count(*) as n from alert_buttons').get()).toEqual({ n: 4 });
  });

  it('does nothing in another chat, nor in a chat the bot no longer serves', async () => {
    const { chat, press } = await sentAlert();
    expect(await press('Acknowledge', telegramGroup('-200'))).toMatchObject({ outcome: 'expired', toast: expect.stringMatching(/expired/) });
    setChatAccess(t.db, findChat(t.db, 'telegram', chat.platformChatId)!.id, 'revoked', 'cli');
    expect(await press('Acknowledge')).toMatchObject({ outcome: 'not_served' });
    expect(await press('Mute 1d')).toMatchObject({ outcome: 'not_served' });
    expect(t.db.$client.prepare('select count(*) as n from deliveries where acked_at is not null').get()).toEqual({ n: 0 });
    expect(t.db.$client.prepare('select count(*) as n from mutes').get()).toEqual({ n: 0 });
    setChatAccess(t.db, findChat(t.db, 'telegram', chat.platformChatId)!.id, 'approved', 'cli');
    const done = await press('Acknowledge');
    expect(done).toMatchObject({ outcome: 'done' });
    expect(done.edit?.message.kind === 'alert' && done.edit.message.alert.controls).toEqual({
      buttons: [],
      status: ['✅ Acknowledged by Ada at 07:40 UTC'],
    });
  });
});
