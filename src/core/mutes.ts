// Mutes: which low-severity alerts a chat does not want for a while. Pure: the store keeps them, the dispatcher asks.
import { ANY, coveringFields } from './fields.js';

export interface Mute {
  /** `chat`: everything low-severity (target `*`); `coin`: one coin id; `field`: a field and its sub-fields. */
  kind: 'chat' | 'coin' | 'field';
  target: string;
  /** Milliseconds since the epoch. */
  until: number;
}

/** The mutes `/mute` asks for: the whole chat when no coin or field is named. */
export function requestedMutes(coins: readonly string[], fields: readonly string[], until: number): Mute[] {
  if (coins.length === 0 && fields.length === 0) return [{ kind: 'chat', target: ANY, until }];
  return [...coins.map((target) => ({ kind: 'coin' as const, target, until })), ...fields.map((target) => ({ kind: 'field' as const, target, until }))];
}

/**
 * True when every one of an alert's changes is covered by an active mute: the chat-wide one, its coin's, or one of a
 * field covering the change (`categories` covers `categories`; `platforms` covers `platforms.ethereum`). The caller
 * never asks for high-severity alerts: those are not muted.
 */
export function isMuted(mutes: readonly Mute[], now: number, coinId: string | null, fields: readonly string[]): boolean {
  const active = mutes.filter((m) => m.until > now);
  if (active.length === 0 || fields.length === 0) return false;
  if (active.some((m) => m.kind === 'chat' || (m.kind === 'coin' && m.target === coinId))) return true;
  const mutedFields = new Set(active.filter((m) => m.kind === 'field').map((m) => m.target));
  return fields.every((field) => coveringFields(field).some((f) => mutedFields.has(f)));
}

/** `everything low-severity`, `bitcoin`, `categories`. */
export function muteLabel(mute: Pick<Mute, 'kind' | 'target'>): string {
  return mute.kind === 'chat' ? 'every low-severity alert' : mute.target;
}

/** `2026-11-23 14:05 UTC`: mutes end at a moment everyone in a group reads the same way. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2 h`, `1 d 6 h`, `45 min`: a duration as a person reads it. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days && `${days} d`, hours && `${hours} h`, rest && `${rest} min`].filter(Boolean);
  return parts.length ? parts.join(' ') : 'less than a minute';
}
