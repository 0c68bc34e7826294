// The buttons on an alert, declared once: what each does, its label, and the command whose right a press needs (the
// same people may press it as may type that command). Also the neutral controls of a message — the buttons still to
// press and the lines saying what was done — derived, purely, from the state of its buttons. Every platform renders
// these controls its own way (an inline keyboard, message components, a Block Kit actions block, a console line).
import { changesSettings, findCommand, type CommandName } from './commands.js';
import { formatUtc } from './mutes.js';

export interface AlertActionSpec {
  label: string;
  /**
   * The command a press stands for: the press needs its right and has its effect (`/mute 1d <coin>`). Null for
   * Acknowledge, which changes the alert itself: taking ownership of an incident is for the chat's managers, too.
   */
  command: CommandName | null;
  /** How a platform may colour it: `primary` (Acknowledge), `danger` (the confirmation of Unwatch). */
  style?: 'primary' | 'danger';
}

/** In the order the buttons are shown. */
export const ALERT_ACTIONS = {
  mute1d: { label: 'Mute 1d', command: 'mute' },
  unwatch: { label: 'Unwatch', command: 'unwatch' },
  /** Shown in place of Unwatch once it was tapped: the second tap that confirms. */
  unwatch_confirm: { label: 'Confirm unwatch', command: 'unwatch', style: 'danger' },
  acknowledge: { label: 'Acknowledge', command: null, style: 'primary' },
} as const satisfies Record<string, AlertActionSpec>;

export type AlertActionName = keyof typeof ALERT_ACTIONS;

export const isAlertAction = (name: string): name is AlertActionName => Object.hasOwn(ALERT_ACTIONS, name);

/** Whether pressing `action` needs the right to change the chat's settings (in groups: its managers). */
export function pressNeedsManager(action: AlertActionName): boolean {
  const command = ALERT_ACTIONS[action].command;
  return command === null || changesSettings(findCommand(command)!, 'something');
}

/** How long a button works after its message was sent. */
export const BUTTON_TTL_MS = 7 * 24 * 3600_000;
/** How long the Mute button mutes. */
export const MUTE_BUTTON_MS = 24 * 3600_000;

/** What a platform puts in a button (Telegram callback_data ≤ 64 bytes, Discord custom_id ≤ 100 characters). */
export const BUTTON_PREFIX = 'cs:';
export const buttonPayload = (token: string) => `${BUTTON_PREFIX}${token}`;
/** The token a button payload carries; undefined for a payload that is not one of ours. */
export function tokenOfPayload(payload: string): string | undefined {
  return payload.startsWith(BUTTON_PREFIX) && payload.length <= 64 ? payload.slice(BUTTON_PREFIX.length) : undefined;
}

/** One button as every platform renders it. */
export interface AlertButton {
  action: AlertActionName;
  label: string;
  /** buttonPayload(token): what the press carries back. */
  payload: string;
  style?: 'primary' | 'danger';
}

/** The controls under a message: buttons to press, and what was done from it (`✅ Acknowledged by Ada at 14:32 UTC`). */
export interface MessageControls {
  buttons: AlertButton[];
  status: string[];
}

/** A button of a message as stored. */
export interface ButtonState {
  action: AlertActionName;
  token: string;
  coins: readonly string[];
  armedAt: number | null;
  actedAt: number | null;
  actedBy: string | null;
}

/** The acknowledgement of the alert a message belongs to (it or its reminder). */
export interface Acknowledgement {
  by: string;
  at: number;
}

/** `14:32 UTC` (on another day: `2026-11-23 14:32 UTC`), as the acknowledgement line shows it. */
export function ackTime(at: number, now: number): string {
  const full = formatUtc(at);
  return full.slice(0, 10) === formatUtc(now).slice(0, 10) ? full.slice(11) : full;
}

export const acknowledgedLine = (ack: Acknowledgement, now: number) => `✅ Acknowledged by ${ack.by} at ${ackTime(ack.at, now)}`;

const coinList = (coins: readonly string[]) => (coins.length <= 3 ? coins.join(', ') : `${coins.slice(0, 3).join(', ')} and ${coins.length - 3} more`);

/**
 * The message's controls from the state of its buttons: once acknowledged, no buttons are left, only who took it and
 * when; otherwise each action not yet taken is a button (Unwatch, once tapped, becomes its confirmation), and each
 * action taken is a line.
 */
export function messageControls(buttons: readonly ButtonState[], ack: Acknowledgement | undefined, now: number): MessageControls {
  const by = (action: AlertActionName) => buttons.find((b) => b.action === action);
  const status: string[] = [];
  const shown: ButtonState[] = [];
  const mute = by('mute1d');
  if (mute?.actedAt != null) status.push(`🔕 ${coinList(mute.coins)} muted here for 1 day by ${mute.actedBy} (low-severity alerts)`);
  else if (mute) shown.push(mute);
  const unwatch = by('unwatch');
  const confirm = by('unwatch_confirm');
  if (confirm?.actedAt != null) status.push(`👋 ${confirm.actedBy} stopped watching ${coinList(confirm.coins)} here`);
  else if (unwatch?.armedAt != null && confirm) shown.push(confirm);
  else if (unwatch) shown.push(unwatch);
  const acknowledge = by('acknowledge');
  if (ack) status.push(acknowledgedLine(ack, now));
  else if (acknowledge) shown.push(acknowledge);
  const order = Object.keys(ALERT_ACTIONS);
  return {
    buttons: ack
      ? []
      : shown
          .sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action))
          .map((b) => {
            const spec: AlertActionSpec = ALERT_ACTIONS[b.action];
            return { action: b.action, label: spec.label, payload: buttonPayload(b.token), ...(spec.style && { style: spec.style }) };
          }),
    status,
  };
}

/** The actions an alert offers: Mute 1d and Unwatch for a known coin, Acknowledge on high severity. */
export function alertActions(coinId: string | null, severity: string): AlertActionName[] {
  return [...(coinId === null ? [] : (['mute1d', 'unwatch', 'unwatch_confirm'] as const)), ...(severity === 'high' ? (['acknowledge'] as const) : [])];
}

/** A digest offers Mute 1d for all its coins. */
export const digestActions = (coinIds: readonly string[]): AlertActionName[] => (coinIds.length > 0 ? ['mute1d'] : []);
