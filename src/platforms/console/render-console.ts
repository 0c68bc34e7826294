// Plain-text rendering for the console sink: an alert as a person reads it in a chat, without markup, in the words of
// core/wording.ts. Used by the demo's default view; the exact platform payloads are the other renderers' business.
import type { MessageControls } from '../../core/alert-actions.js';
import { UNMATCHED, coingeckoLabel, reminderLine, type Alert, type Severity } from '../../core/alert.js';
import { coinTitle, digestFooter, digestTitle, type Digest } from '../../core/compact.js';
import { withoutBidiControls } from '../../core/text.js';
import { describeChange, titleLine } from '../../core/wording.js';

const ICON: Record<Severity, string> = { high: '🚨', medium: '⚠️', info: 'ℹ️' };

export function renderConsoleAlert(alert: Alert, options: { mention?: string | null } = {}): string {
  const clean = withoutBidiControls;
  const ping = alert.severity === 'high' && options.mention ? [`🔔 ${clean(options.mention)}`] : [];
  const coin = alert.coin.id === null ? `${coinTitle(alert.coin)} · ${UNMATCHED}` : `${coinTitle(alert.coin)} · ${alert.coin.id}`;
  const changes = alert.items.flatMap((item) => {
    const w = describeChange(item);
    return [
      `${w.icon} ${clean(titleLine(w))}`,
      ...(w.prose === undefined ? [] : [`   “${clean(w.prose)}”`]),
      ...w.rows.map((row) => `   ${row.label}: ${clean(row.value)}${row.link ? ` (${row.link.name})` : ''}`),
    ];
  });
  const reminder = reminderLine(alert);
  return [
    ...ping,
    ...(reminder === undefined ? [] : [clean(reminder)]),
    `${ICON[alert.severity]} ${alert.headline}${alert.severity === 'high' ? ' · HIGH SEVERITY' : ''}`,
    clean(coin),
    ...changes,
    `${coingeckoLabel(alert)}: ${alert.coingeckoUrl}`,
    ...controlLines(alert.controls),
  ].join('\n');
}

/** What was done from the buttons, then the buttons as a chat shows them: `[ Mute 1d ] [ Unwatch ] [ Acknowledge ]`. */
function controlLines(controls: MessageControls | undefined): string[] {
  if (!controls) return [];
  const buttons = controls.buttons.map((b) => `[ ${b.label} ]`).join(' ');
  return [...controls.status.map(withoutBidiControls), ...(buttons ? [buttons] : [])];
}

export function renderConsoleDigest(digest: Digest): string {
  const lines = digest.entries.map((entry) => `• ${withoutBidiControls(`${coinTitle(entry.coin)}: ${entry.summary}`)}`);
  return [`🗂 ${digestTitle(digest)}`, ...lines, digestFooter(digest), ...controlLines(digest.controls)].join('\n');
}
