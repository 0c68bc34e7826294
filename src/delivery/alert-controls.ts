// The buttons of outgoing messages, and the pressed message drawn again. Buttons are minted when a message is handed
// to its platform (the sender's compose step), once per (message, action): a retried send, or a send resumed after a
// restart, carries the same tokens, so a press on any copy acts on the same row. A reminder is marked here as well.
// After a press, the message is composed again from its outbox rows with its new controls, for the platform to edit.
import { randomBytes } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { BUTTON_TTL_MS, alertActions, digestActions, messageControls, type AlertActionName } from '../core/alert-actions.js';
import type { Alert } from '../core/alert.js';
import { composeDigest, type Digest } from '../core/compact.js';
import type { ButtonStore } from '../core/alert-press.js';
import {
  acknowledgeDelivery,
  acknowledgementOf,
  armButton,
  buttonsOf,
  claimButton,
  findButton,
  mintButtons,
  releaseButton,
  type ButtonMessage,
} from '../db/alert-buttons.js';
import type { Db } from '../db/open-database.js';
import type { ClaimedDelivery } from '../db/outbox-queue.js';
import { deliveries } from '../db/schema.js';
import { createAlertComposer, type AlertComposer } from './alert-composer.js';
import type { Message } from './sender.js';

/** 72 random bits as 12 URL-safe characters: unguessable, and short enough for every platform's button payload. */
export const newButtonToken = (): string => randomBytes(9).toString('base64url');

export interface AlertControlsOptions {
  clock: () => number;
  /** ESCALATE_AFTER_MINUTES: how late a reminder says it is. */
  escalateAfterMinutes?: number;
  newToken?: () => string;
  compose?: AlertComposer;
}

type Row = Pick<ClaimedDelivery, 'id' | 'chatId' | 'eventRowId' | 'positions' | 'reminderOf'>;

export interface AlertControls {
  /** The alert of one outbox row with its buttons (minted now if it had none) and, for a reminder, its reminder line. */
  alert(row: Row, alert: Alert): Alert;
  /** A digest of `rows` with its Mute 1d button for every coin it lists. */
  digest(rows: readonly Row[], digest: Digest, coinIds: readonly string[]): Digest;
  /** The message a button sits on, as it reads now (after a press); undefined when its rows are gone. */
  redraw(message: ButtonMessage): Message | undefined;
}

export function createAlertControls(db: Db, options: AlertControlsOptions): AlertControls {
  const { clock } = options;
  const newToken = options.newToken ?? newButtonToken;
  const compose = options.compose ?? createAlertComposer(db);

  function mint(message: ButtonMessage, chatId: number, coins: readonly string[], actions: readonly AlertActionName[]) {
    if (actions.length === 0) return [];
    const now = clock();
    return mintButtons(db, { message, chatId, coins, actions, now, expiresAt: now + BUTTON_TTL_MS, newToken });
  }

  /** A reminder says so above the alert. */
  const marked = (row: Row, alert: Alert): Alert => (row.reminderOf !== null ? { ...alert, reminder: { minutes: options.escalateAfterMinutes ?? 0 } } : alert);

  function withControls(row: Row, alert: Alert, buttons: ReturnType<typeof mint>): Alert {
    return { ...marked(row, alert), controls: messageControls(buttons, acknowledgementOf(db, row.id), clock()) };
  }

  function loadRows(ids: readonly number[]): Row[] {
    const rows = db
      .select({ id: deliveries.id, chatId: deliveries.chatId, eventRowId: deliveries.eventRowId, matched: deliveries.matchedPositions, reminderOf: deliveries.reminderOf })
      .from(deliveries)
      .where(inArray(deliveries.id, [...ids]))
      .all();
    return rows.map((r) => ({ id: r.id, chatId: r.chatId, eventRowId: r.eventRowId, positions: JSON.parse(r.matched) as number[], reminderOf: r.reminderOf }));
  }

  /**
   * The message with its controls; without them when the database refuses the write (locked, read-only): an alert
   * without buttons still goes out, as it would have before buttons existed, and a later send mints them.
   */
  function orPlain<T>(message: T, decorate: () => T): T {
    try {
      return decorate();
    } catch {
      return message;
    }
  }

  return {
    alert(row, alert) {
      const coins = alert.coin.id === null ? [] : [alert.coin.id];
      return orPlain(marked(row, alert), () => withControls(row, alert, mint({ kind: 'alert', deliveryId: row.id }, row.chatId, coins, alertActions(alert.coin.id, alert.severity))));
    },

    digest(rows, digest, coinIds) {
      const first = rows[0];
      if (!first) return digest;
      const message: ButtonMessage = { kind: 'digest', deliveryId: first.id, digestIds: rows.map((r) => r.id) };
      return orPlain(digest, () => ({ ...digest, controls: messageControls(mint(message, first.chatId, coinIds, digestActions(coinIds)), undefined, clock()) }));
    },

    redraw(message) {
      if (message.kind === 'alert') {
        const [row] = loadRows([message.deliveryId]);
        const composed = row && compose(row);
        return composed ? { kind: 'alert', alert: withControls(row, composed.alert, buttonsOf(db, row.id, 'alert')) } : undefined;
      }
      const alerts = loadRows(message.digestIds)
        .sort((a, b) => a.id - b.id)
        .map((row) => compose(row)?.alert)
        .filter((alert): alert is Alert => alert !== undefined);
      if (alerts.length === 0) return undefined;
      const controls = messageControls(buttonsOf(db, message.deliveryId, 'digest'), undefined, clock());
      return { kind: 'digest', digest: { ...composeDigest(alerts), controls } };
    },
  };
}

/** The distinct coin ids of a digest's alerts, in order. */
export function digestCoins(alerts: readonly Alert[]): string[] {
  return [...new Set(alerts.map((a) => a.coin.id).filter((id): id is string => id !== null))];
}


/** The ButtonStore the command service presses through: the SQLite rows, and messages redrawn by `controls`. */
export function sqliteButtonStore(db: Db, controls: Pick<AlertControls, 'redraw'>): ButtonStore {
  return {
    find: (token) => findButton(db, token),
    arm: (id, now) => armButton(db, id, now),
    claim: (id, now, by) => claimButton(db, id, now, by),
    release: (id) => releaseButton(db, id),
    acknowledge: (deliveryId, ack) => acknowledgeDelivery(db, deliveryId, ack),
    redraw: (message) => controls.redraw(message),
  };
}
