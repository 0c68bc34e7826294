// /recent: recorded changes as compact lines, newest first. Pure: the store supplies the history.
import { composeAlert, type AlertSource } from './alert.js';
import { coinTitle, compactSummary } from './compact.js';
import { formatUtc } from './mutes.js';

export interface RecentEntry {
  source: AlertSource;
  /** When coinsentry received the event, milliseconds since the epoch. */
  receivedAt: number;
  /** For the chat's own history: what became of its alert. */
  status?: string;
}

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
  if (entries.length === 0) return empty;
  const lines = entries.map((entry) => {
    const alert = composeAlert(entry.source);
    const marker = alert.severity === 'high' ? '‼ ' : '• ';
    const tag = entry.status ? (STATUS_TAG[entry.status] ?? '') : '';
    const id = alert.coin.id === null ? '' : ` [${alert.coin.id}]`;
    return `${marker}${formatUtc(entry.receivedAt).slice(5)} ${coinTitle(alert.coin)}${id}: ${compactSummary(alert)}${tag}`;
  });
  return [heading, ...lines].join('\n');
}
