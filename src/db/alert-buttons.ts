// Alert buttons in SQLite: minted once per (message, action), found by token, and pressed through conditional updates
// (`… where acted_at is null`), so a double tap or two managers at once act exactly once. Acknowledgements are kept on
// the alert's outbox row (a reminder's acknowledgement goes to the alert it reminds of).
import { and, eq, isNull, sql } from 'drizzle-orm';
import { isAlertAction, type Acknowledgement, type AlertActionName, type ButtonState } from '../core/alert-actions.js';
import type { ButtonMessage, StoredButton } from '../core/alert-press.js';
import type { ChatKind } from '../core/chat.js';
import type { Db } from './open-database.js';
import { alertButtons, chats, deliveries, type AlertButtonRow } from './schema.js';

export type { ButtonMessage };

export interface MintRequest {
  message: ButtonMessage;
  chatId: number;
  coins: readonly string[];
  actions: readonly AlertActionName[];
  now: number;
  expiresAt: number;
  newToken: () => string;
}

/** The message's buttons, minting those it lacks (a retried send finds the ones its first attempt minted). */
export function mintButtons(db: Db, request: MintRequest): ButtonState[] {
  const { message } = request;
  db.transaction((tx) => {
    for (const action of request.actions) {
      tx.insert(alertButtons)
        .values({
          token: request.newToken(),
          action,
          chatId: request.chatId,
          deliveryId: message.deliveryId,
          message: message.kind,
          digestIds: message.kind === 'digest' ? JSON.stringify(message.digestIds) : null,
          coins: JSON.stringify(request.coins),
          expiresAt: request.expiresAt,
          createdAt: request.now,
        })
        .onConflictDoNothing({ target: [alertButtons.deliveryId, alertButtons.message, alertButtons.action] })
        .run();
    }
  });
  return buttonsOf(db, message.deliveryId, message.kind);
}

/** Every button of a message, as the controls are derived from them. */
export function buttonsOf(db: Db, deliveryId: number, message: ButtonMessage['kind']): ButtonState[] {
  return db
    .select()
    .from(alertButtons)
    .where(and(eq(alertButtons.deliveryId, deliveryId), eq(alertButtons.message, message)))
    .all()
    .filter((row) => isAlertAction(row.action))
    .map(stateOf);
}

function stateOf(row: AlertButtonRow): ButtonState {
  return {
    action: row.action as AlertActionName,
    token: row.token,
    coins: JSON.parse(row.coins) as string[],
    armedAt: row.armedAt,
    actedAt: row.actedAt,
    actedBy: row.actedBy,
  };
}

/** A button by its token, with its chat. */
export function findButton(db: Db, token: string): StoredButton | undefined {
  const row = db
    .select({ button: alertButtons, chat: chats })
    .from(alertButtons)
    .innerJoin(chats, eq(chats.id, alertButtons.chatId))
    .where(eq(alertButtons.token, token))
    .get();
  if (!row || !isAlertAction(row.button.action)) return undefined;
  const { button, chat } = row;
  return {
    ...stateOf(button),
    id: button.id,
    expiresAt: button.expiresAt,
    message:
      button.message === 'digest'
        ? { kind: 'digest', deliveryId: button.deliveryId, digestIds: JSON.parse(button.digestIds ?? '[]') as number[] }
        : { kind: 'alert', deliveryId: button.deliveryId },
    chat: {
      id: chat.id,
      platform: chat.platform,
      platformChatId: chat.platformChatId,
      kind: chat.kind as ChatKind,
      title: chat.title,
      access: chat.access,
      opsMention: chat.opsMention,
    },
  };
}

/** The first tap of a two-tap button; false when it was armed already. */
export function armButton(db: Db, id: number, now: number): boolean {
  return db.update(alertButtons).set({ armedAt: now }).where(and(eq(alertButtons.id, id), isNull(alertButtons.armedAt))).run().changes === 1;
}

/** Takes the button's action for `by`; false when it was taken already (by this press's twin, or someone else). */
export function claimButton(db: Db, id: number, now: number, by: string): boolean {
  return (
    db
      .update(alertButtons)
      .set({ actedAt: now, actedBy: by })
      .where(and(eq(alertButtons.id, id), isNull(alertButtons.actedAt)))
      .run().changes === 1
  );
}

/** Gives a claimed button back: its action did not happen after all (the command was refused). */
export function releaseButton(db: Db, id: number): void {
  db.update(alertButtons).set({ actedAt: null, actedBy: null }).where(eq(alertButtons.id, id)).run();
}

/** The alert a delivery stands for: itself, or for a reminder the alert it reminds of. */
const alertIdOf = (db: Db, deliveryId: number): number =>
  db.select({ id: sql<number>`coalesce(${deliveries.reminderOf}, ${deliveries.id})` }).from(deliveries).where(eq(deliveries.id, deliveryId)).get()?.id ??
  deliveryId;

/**
 * Acknowledges the alert of `deliveryId` (its reminder's too) unless someone did already: returns the acknowledgement
 * that stands, whether this call made it, and when the alert was sent (time to acknowledge).
 */
export function acknowledgeDelivery(
  db: Db,
  deliveryId: number,
  ack: { at: number; by: string; via: string },
): { ack: Acknowledgement; fresh: boolean; sentAt: number | null } | undefined {
  return db.transaction((tx) => {
    const alertId = alertIdOf(db, deliveryId);
    const fresh =
      tx
        .update(deliveries)
        .set({ ackedAt: ack.at, ackedBy: ack.by, ackedVia: ack.via })
        .where(and(eq(deliveries.id, alertId), isNull(deliveries.ackedAt)))
        .run().changes === 1;
    const row = tx.select({ at: deliveries.ackedAt, by: deliveries.ackedBy, sentAt: deliveries.sentAt }).from(deliveries).where(eq(deliveries.id, alertId)).get();
    if (!row || row.at === null) return undefined;
    return { ack: { at: row.at, by: row.by ?? 'someone' }, fresh, sentAt: row.sentAt };
  });
}

/** The acknowledgement of the alert of `deliveryId`, if any. */
export function acknowledgementOf(db: Db, deliveryId: number): Acknowledgement | undefined {
  const row = db
    .select({ at: deliveries.ackedAt, by: deliveries.ackedBy })
    .from(deliveries)
    .where(eq(deliveries.id, alertIdOf(db, deliveryId)))
    .get();
  return row?.at != null ? { at: row.at, by: row.by ?? 'someone' } : undefined;
}
