// /recent: recorded changes as compact lines, newest first. Pure: the store supplies the history.
import { composeAlert, type AlertSource } from './alert.js';
import { coinTitle, compactSummary } from './compact.js';
import { formatUtc } from './mutes.js';

export interface RecentAlert {
  source: AlertSource;
  /** When coinsentry received the event, milliseconds since the epoch. */
  receivedAt: number;
  /** For the chat's own history: what became of its alert. */
  status?: string;
  /** For the chat's own history: who acknowledged the alert from its button, and when. */
  acknowledged?: { by: string; at: number };
}

/** Where history runs out: what came before `since` was removed by retention (RETENTION_DAYS, `days`). */
export interface RecentHorizon {
  horizon: { since: number; days: number };
}

/** What the store answers: alerts newest first, then the horizon when it ran out of them before the limit. */
export type RecentEntry = RecentAlert | RecentHorizon;

/** What a status means to a chat user; sent alerts carry no tag. */
const STATUS_TAG: Record<string, string> = {
  muted: ' [muted]',
  held: ' [in the next digest]',
  pending: ' [queued]',
  sending: ' [sending]',
  dead: ' [not delivered]',
  cancelled: ' [cancelled]',
};

export function describeRecent(heading: string, entries: readonly RecentEntry[], empty: string): string {
  const alerts = entries.filter((entry): entry is RecentAlert => 'source' in entry);
  const horizon = entries.find((entry): entry is RecentHorizon => 'horizon' in entry)?.horizon;
  const end = horizon
    ? [`Nothing older is kept: history before ${formatUtc(horizon.since)} was removed (this bot keeps ${horizon.days} days).`]
    : [];
  if (alerts.length === 0) return [empty, ...end].join('\n');
  const lines = alerts.map((entry) => {
    const alert = composeAlert(entry.source);
    const marker = alert.severity === 'high' ? '‼ ' : '• ';
    const ack = entry.acknowledged ? ` [acknowledged by ${entry.acknowledged.by} ${formatUtc(entry.acknowledged.at).slice(5)}]` : '';
    const tag = (entry.status ? (STATUS_TAG[entry.status] ?? '') : '') + ack;
    const id = alert.coin.id === null ? '' : ` [${alert.coin.id}]`;
    return `${marker}${formatUtc(entry.receivedAt).slice(5)} ${coinTitle(alert.coin)}${id}: ${compactSummary(alert)}${tag}`;
  });
  return [heading, ...lines, ...end].join('\n');
}
