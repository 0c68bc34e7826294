// A press of an alert button, platform-neutral: every adapter hands over the button's payload, the chat, who pressed
// and how to check their right, and gets back a value — the short answer for the presser (a toast) and the message as
// it now reads, for the platform to edit in place. Mute 1d and Unwatch run the very commands they stand for (same
// right, same effect, same reply); Acknowledge records who took the alert. A press acts once: the store's conditional
// updates make a double tap, or two managers at once, a single action.
import { ALERT_ACTIONS, MUTE_BUTTON_MS, ackTime, pressNeedsManager, tokenOfPayload, type Acknowledgement, type AlertActionName, type ButtonState } from './alert-actions.js';
import type { Alert } from './alert.js';
import type { ChatRef } from './chat.js';
import type { CommandForm } from './commands.js';
import type { Digest } from './compact.js';
import { formatDuration } from './mutes.js';
import { shorten, withoutBidiControls } from './text.js';

/** A message as the platforms render it: an alert, or a digest. */
export type ShownMessage = { kind: 'alert'; alert: Alert } | { kind: 'digest'; digest: Digest };

/** Which message a button sits on: an alert (one outbox row) or a digest (its first row, and all of them). */
export type ButtonMessage = { kind: 'alert'; deliveryId: number } | { kind: 'digest'; deliveryId: number; digestIds: readonly number[] };

/** A button as stored, found by its token, with its chat. */
export interface StoredButton extends ButtonState {
  id: number;
  expiresAt: number;
  message: ButtonMessage;
  chat: ChatRef & { id: number; access: string; opsMention: string | null };
}

/** The storage presses need; implemented over SQLite in src/db/alert-buttons.ts and src/delivery/alert-controls.ts. */
export interface ButtonStore {
  find(token: string): StoredButton | undefined;
  /** The first tap of a two-tap button; false when it was armed already. */
  arm(id: number, now: number): boolean;
  /** Takes the action; false when it was taken already. */
  claim(id: number, now: number, by: string): boolean;
  /** Gives a claimed action back (the command behind it was refused). */
  release(id: number): void;
  /** Acknowledges the alert of a delivery (a reminder's goes to its alert); the one that stands, and whether it is new. */
  acknowledge(deliveryId: number, ack: { at: number; by: string; via: string }): { ack: Acknowledgement; fresh: boolean; sentAt: number | null } | undefined;
  /** The message as it reads now; undefined when it is gone (pruned). */
  redraw(message: ButtonMessage): ShownMessage | undefined;
}

export interface PressRequest {
  /** The button's payload as the platform delivered it (Telegram callback_data, Discord custom_id, Slack value). */
  payload: string;
  chat: Pick<ChatRef, 'platform' | 'platformChatId'>;
  /** Who pressed: the platform's user id, and the name the message shows (`Acknowledged by Ada`). */
  user: { id?: string; name: string };
  /** Whether they may change this chat's settings (the right of the command the button stands for). */
  canManage: () => boolean | Promise<boolean>;
  /** Who may, where the platform's rule is not "chat administrators" (see CommandRequest). */
  managers?: string;
  /** How commands are typed here; the answer names them that way. */
  form?: CommandForm;
}

/** `done`: acted; `armed`: first tap of Unwatch; `already`: someone acted before; the rest changed nothing. */
export type PressOutcome = 'done' | 'armed' | 'already' | 'expired' | 'refused' | 'not_served';

export interface PressResult {
  outcome: PressOutcome;
  /** One short line for the presser (Telegram's callback answer takes at most 200 characters). */
  toast: string;
  /** The message as it now reads, to edit in place, with the chat's mention as it was sent. */
  edit?: { message: ShownMessage; mention: string | null };
}

/** What running a command reports (the command service's own answer). */
export type Perform = (request: {
  chat: ChatRef;
  name: string;
  args: string;
  senderId?: string;
  managers?: string;
  form?: CommandForm;
}) => Promise<{ reply: string; outcome: string } | undefined>;

export interface PressObserver {
  press(action: AlertActionName | 'unknown', outcome: PressOutcome): void;
  acknowledged(platform: string, seconds: number): void;
}

export const EXPIRED = 'This button has expired. The commands still work: /help lists them.';
export const NOT_SERVED = 'coinsentry no longer serves this chat, so its buttons do nothing.';
/** Telegram's limit for a callback answer. */
const TOAST_MAX = 200;

export const pressRefusal = (managers = 'chat administrators') => `Only ${managers} can use these buttons.`;

const coinArgs = (coins: readonly string[]) => coins.map((id) => `coin:${id}`).join(' ');
const coinList = (coins: readonly string[]) => (coins.length <= 3 ? coins.join(', ') : `${coins.length} coins`);

export function createPressHandler(deps: { store: ButtonStore; perform: Perform; clock: () => number; observe?: PressObserver }) {
  const { store, perform, clock } = deps;

  async function decide(request: PressRequest, button: StoredButton | undefined): Promise<PressResult> {
    const now = clock();
    // A token of another chat is treated as unknown: a button cannot reach across chats.
    const here = button && button.chat.platform === request.chat.platform && button.chat.platformChatId === request.chat.platformChatId;
    if (!button || !here || button.expiresAt <= now) return { outcome: 'expired', toast: EXPIRED };
    if (button.chat.access !== 'approved') return { outcome: 'not_served', toast: NOT_SERVED };
    if (pressNeedsManager(button.action) && !(await request.canManage())) return { outcome: 'refused', toast: pressRefusal(request.managers) };
    const by = shorten(withoutBidiControls(request.user.name.trim()) || 'someone', 64);
    const result = await act(button, request, by, now);
    const message = result.outcome === 'refused' ? undefined : store.redraw(button.message);
    return { ...result, ...(message && { edit: { message, mention: button.chat.opsMention } }) };
  }

  async function act(button: StoredButton, request: PressRequest, by: string, now: number): Promise<Omit<PressResult, 'edit'>> {
    switch (button.action) {
      case 'acknowledge': {
        const result = store.acknowledge(button.message.deliveryId, { at: now, by, via: request.chat.platform });
        if (!result) return { outcome: 'expired', toast: EXPIRED };
        if (!result.fresh) return { outcome: 'already', toast: `Already acknowledged by ${result.ack.by} at ${ackTime(result.ack.at, now)}.` };
        if (result.sentAt !== null) deps.observe?.acknowledged(request.chat.platform, Math.max(0, (now - result.sentAt) / 1000));
        return { outcome: 'done', toast: `Acknowledged: everyone here sees that ${by} has it.` };
      }
      case 'unwatch':
        store.arm(button.id, now);
        return { outcome: 'armed', toast: `Tap “${ALERT_ACTIONS.unwatch_confirm.label}” to stop this chat's alerts for ${coinList(button.coins)}.` };
      case 'mute1d':
      case 'unwatch_confirm': {
        if (!store.claim(button.id, now, by)) return { outcome: 'already', toast: `Already done${button.actedBy ? ` by ${button.actedBy}` : ''}.` };
        const command =
          button.action === 'mute1d'
            ? { name: 'mute', args: `${formatDuration(MUTE_BUTTON_MS).replace(' ', '')} ${coinArgs(button.coins)}` }
            : { name: 'unwatch', args: coinArgs(button.coins) };
        const { platform, platformChatId, kind, title } = button.chat;
        const answer = await perform({ chat: { platform, platformChatId, kind, title }, ...command, senderId: request.user.id, managers: request.managers, form: request.form });
        if (answer?.outcome !== 'answered') {
          store.release(button.id);
          return { outcome: 'refused', toast: answer?.reply || pressRefusal(request.managers) };
        }
        return { outcome: 'done', toast: answer.reply };
      }
    }
  }

  return async function press(request: PressRequest): Promise<PressResult> {
    const token = tokenOfPayload(request.payload);
    const button = token === undefined ? undefined : store.find(token);
    const result = await decide(request, button);
    deps.observe?.press(button?.action ?? 'unknown', result.outcome);
    return { ...result, toast: shorten(result.toast.replace(/\s*\n\s*/g, ' '), TOAST_MAX) };
  };
}
