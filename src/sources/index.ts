// Every webhook source coinsentry knows, in one list. A new source is a folder in src/sources/ exporting a
// SourceModule, plus one line here (and its variables in config.ts and .env.example).
import { cexping } from './cexping/cexping-source.js';
import { coingecko } from './coingecko/coingecko-source.js';
import type { SourceModule, SourcesConfig, WebhookSource } from './source.js';

export const SOURCES: readonly SourceModule[] = [coingecko, cexping];

/** The sources this configuration enables, and a line for each one that is off. */
export function webhookSources(config: SourcesConfig): { enabled: WebhookSource[]; off: string[] } {
  const enabled: WebhookSource[] = [];
  const off: string[] = [];
  for (const module of SOURCES) {
    const created = module.create(config);
    if ('off' in created) off.push(created.off);
    else enabled.push(created);
  }
  return { enabled, off };
}
