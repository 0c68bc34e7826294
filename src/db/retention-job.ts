// The server's hourly prune (RETENTION_DAYS). It runs the prune's small transactions one at a time and pauses after
// each, so webhooks arriving meanwhile are recorded between two batches instead of waiting for the whole prune: the
// pause is long enough that the prune takes at most `dutyCycle` of the event loop (a fifth by default), so a first
// prune of a year of history on a busy server takes minutes rather than seconds, and ingest barely notices. A failed
// run (the database locked by an admin command, say) is logged and tried again at the next hour.
import type { Logger } from '../logger.js';
import type { Db } from './open-database.js';
import { pruneSteps, type PruneReport } from './retention.js';

export interface RetentionJobOptions {
  db: Db;
  /** 0: the job never runs. */
  retentionDays: number;
  log: Logger;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Between runs (default one hour); the first run comes `firstRunMs` after start (default one minute). */
  intervalMs?: number;
  firstRunMs?: number;
  /** Rows per transaction (default 200). */
  batchSize?: number;
  /** Share of the time the prune may hold the event loop (default 0.2), and the shortest pause after a batch (ms). */
  dutyCycle?: number;
  pauseMs?: number;
}

export interface RetentionJob {
  start(): void;
  /** Runs a prune now (or joins the one running); resolves to its report, undefined when it failed or was stopped. */
  runNow(): Promise<PruneReport | undefined>;
  /** Stops the timer and the prune in progress after its current batch. */
  stop(): Promise<void>;
}

export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { db, retentionDays, log } = options;
  const clock = options.clock ?? Date.now;
  const pauseMs = options.pauseMs ?? 2;
  const dutyCycle = options.dutyCycle ?? 0.2;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PruneReport | undefined> | undefined;
  let stopped = false;

  async function run(): Promise<PruneReport | undefined> {
    if (retentionDays === 0) return undefined;
    const steps = pruneSteps(db, { now: clock(), retentionDays, batchSize: options.batchSize ?? 200 });
    try {
      for (;;) {
        if (stopped) {
          // Ends the generator at its yield: its finally block records what was removed so far.
          steps.return(undefined as unknown as PruneReport);
          return undefined;
        }
        const began = performance.now();
        const step = steps.next();
        const worked = performance.now() - began;
        if (step.done) {
          const report = step.value;
          const removed = report.deliveries + report.events + report.quarantine;
          log[removed > 0 ? 'info' : 'debug']({ ...report, retentionDays }, 'retention: pruned history older than RETENTION_DAYS');
          return report;
        }
        await new Promise((resume) => setTimeout(resume, Math.max(pauseMs, (worked * (1 - dutyCycle)) / dutyCycle)));
      }
    } catch (error) {
      log.warn({ err: error }, 'retention: prune failed; trying again at the next run');
      return undefined;
    }
  }

  function schedule(delayMs: number) {
    timer = setTimeout(() => {
      void job.runNow().finally(() => {
        if (!stopped) schedule(options.intervalMs ?? 3600_000);
      });
    }, delayMs);
    timer.unref();
  }

  const job: RetentionJob = {
    start() {
      if (retentionDays === 0) {
        log.info('retention: RETENTION_DAYS=0, history is kept forever');
        return;
      }
      schedule(options.firstRunMs ?? 60_000);
    },
    runNow() {
      running ??= run().finally(() => (running = undefined));
      return running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
  return job;
}
