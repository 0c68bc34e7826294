// The outbox gauges of /metrics, counted in the background. Counting the queued and dead rows walks an index range as
// long as the backlog, so a scrape reads the last count (at most `everyMs` old) and never does that work itself: forty
// parallel scrapes cost nothing, whatever the outbox holds.
import type { Db } from './open-database.js';
import { deadLetters, outboxDepth } from './outbox.js';

export interface OutboxGauges {
  depth(): number;
  dead(): number;
  /** Counts now, then every `everyMs`. */
  start(): void;
  stop(): void;
}

export function createOutboxGauges(db: Db, everyMs = 15_000): OutboxGauges {
  let last = { depth: 0, dead: 0 };
  let timer: NodeJS.Timeout | undefined;
  const refresh = () => {
    try {
      last = { depth: outboxDepth(db), dead: deadLetters(db) };
    } catch {
      // The database is locked or closing: the gauges keep the last count; /healthz reports the database itself.
    }
  };
  return {
    depth: () => last.depth,
    dead: () => last.dead,
    start() {
      refresh();
      timer ??= setInterval(refresh, everyMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
