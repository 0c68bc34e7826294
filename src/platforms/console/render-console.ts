// Plain-text rendering for the console sink: an alert as a person reads it in a chat, without markup, in the words of
// core/wording.ts. Used by the demo's default view; the exact platform payloads are the other renderers' business.
import { UNMATCHED, coingeckoLabel, type Alert, type Severity } from '../../core/alert.js';
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
  return [
    ...ping,
    `${ICON[alert.severity]} ${alert.headline}${alert.severity === 'high' ? ' · HIGH SEVERITY' : ''}`,
    clean(coin),
    ...changes,
    `${coingeckoLabel(alert)}: ${alert.coingeckoUrl}`,
  ].join('\n');
}

export function renderConsoleDigest(digest: Digest): string {
  const lines = digest.entries.map((entry) => `• ${withoutBidiControls(`${coinTitle(entry.coin)}: ${entry.summary}`)}`);
  return [`🗂 ${digestTitle(digest)}`, ...lines, digestFooter(digest)].join('\n');
}
