// Prometheus metrics, on a registry of their own per app instance (so tests and several apps never share counters).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  /** Pending + in-flight outbox rows, read at scrape time. */
  outboxDepth?: () => number;
  /** Outbox rows that exhausted their attempts, read at scrape time. */
  deadLetters?: () => number;
  /** Whether each platform is connected, read at scrape time. */
  platformUp?: () => ReadonlyArray<{ platform: string; up: boolean }>;
  /** Also export process metrics (memory, event-loop lag). Off in tests. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'coinsentry_' });
  const { outboxDepth, deadLetters, platformUp } = options;
  return {
    registry,
    webhookRequests: new Counter({
      name: 'coinsentry_webhook_requests_total',
      help: 'Webhook requests by source, outcome (accepted, duplicate, quarantined, unhandled, ping, rejected) and rejection reason',
      labelNames: ['source', 'outcome', 'reason'] as const,
      registers: [registry],
    }),
    dbWriteSeconds: new Histogram({
      name: 'coinsentry_db_write_seconds',
      help: 'Time to commit one webhook (event, changes, matching, outbox) to SQLite',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'coinsentry_deliveries_total',
      help: 'Alert delivery attempts by platform and result (sent, retry, rate_limited, dead, chat_gone, moved, platform_down)',
      labelNames: ['platform', 'result'] as const,
      registers: [registry],
    }),
    replies: new Counter({
      name: 'coinsentry_replies_total',
      help: 'Command replies sent as messages of their own (Telegram), by platform and result (sent, retry, dropped, failed)',
      labelNames: ['platform', 'result'] as const,
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: 'coinsentry_send_seconds',
      help: 'Time for one platform API send',
      labelNames: ['platform'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    buttonPresses: new Counter({
      name: 'coinsentry_button_presses_total',
      help: 'Presses of alert buttons by action (mute1d, unwatch, unwatch_confirm, acknowledge) and outcome (done, armed, already, expired, refused, not_served)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    escalations: new Counter({
      name: 'coinsentry_escalations_total',
      help: 'Reminders of unacknowledged high-severity alerts sent (ESCALATE_AFTER_MINUTES), by platform',
      labelNames: ['platform'] as const,
      registers: [registry],
    }),
    timeToAcknowledge: new Histogram({
      name: 'coinsentry_time_to_acknowledge_seconds',
      help: 'From a high-severity alert being sent to its acknowledgement from the Acknowledge button, by platform',
      labelNames: ['platform'] as const,
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400],
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'coinsentry_outbox_depth',
      help: 'Outbox rows waiting to be sent (pending or in flight)',
      registers: [registry],
      collect() {
        if (outboxDepth) this.set(outboxDepth());
      },
    }),
    platformUp: new Gauge({
      name: 'coinsentry_platform_up',
      help: 'Whether each chat platform is connected (1) or connecting / refusing the credentials (0); /healthz says why',
      labelNames: ['platform'] as const,
      registers: [registry],
      collect() {
        for (const { platform, up } of platformUp?.() ?? []) this.set({ platform }, up ? 1 : 0);
      },
    }),
    deadLetters: new Gauge({
      name: 'coinsentry_dead_letters',
      help: 'Alerts that exhausted their attempts (status dead); list them with npm run cli -- dead-letters',
      registers: [registry],
      collect() {
        if (deadLetters) this.set(deadLetters());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What the storage gauges read at scrape time (src/db/storage-stats.ts supplies it). */
export interface StorageReadings {
  fileSizes: () => { databaseBytes: number; walBytes: number };
  lastPrune: () => { ranAt: number; deliveries: number; events: number; changes: number; quarantine: number } | undefined;
  /** When the oldest event kept was received, milliseconds since the epoch. */
  oldestEventAt: () => number | undefined;
}

/** Adds the database's size, its last prune and how far back it goes to the app's registry. */
export function addStorageMetrics(metrics: Metrics, read: StorageReadings): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'coinsentry_database_bytes',
    help: 'Size of the SQLite file (file) and of its write-ahead log (wal)',
    labelNames: ['file'] as const,
    registers,
    collect() {
      const sizes = read.fileSizes();
      this.set({ file: 'database' }, sizes.databaseBytes);
      this.set({ file: 'wal' }, sizes.walBytes);
    },
  });
  new Gauge({
    name: 'coinsentry_prune_last_run_timestamp_seconds',
    help: 'When the last retention prune finished (0: never)',
    registers,
    collect() {
      this.set((read.lastPrune()?.ranAt ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'coinsentry_prune_last_removed_rows',
    help: 'Rows the last retention prune removed, by table',
    labelNames: ['table'] as const,
    registers,
    collect() {
      const last = read.lastPrune();
      for (const table of ['deliveries', 'events', 'changes', 'quarantine'] as const) this.set({ table }, last?.[table] ?? 0);
    },
  });
  new Gauge({
    name: 'coinsentry_oldest_event_timestamp_seconds',
    help: 'When the oldest event kept was received (how far back history goes; 0: no events)',
    registers,
    collect() {
      this.set((read.oldestEventAt() ?? 0) / 1000);
    },
  });
}
