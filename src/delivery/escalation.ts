// Escalation (ESCALATE_AFTER_MINUTES): a high-severity alert nobody acknowledged that long after it was sent is queued
// once more, as a reminder — an outbox row like any alert (durable, rate-limited, sent by the dispatcher), which the
// chat's renderer prefixes with "⏰ Not acknowledged for N min" and which pings the chat's /mention like its alert.
// Everything it needs is in the database (when the alert was sent, whether it was acknowledged), so a restart between
// the alert and its reminder changes nothing; a unique index on the reminder's `reminder_of` makes a second reminder
// of the same alert impossible, whatever runs when. Reminders are high severity: no mute or digest holds them back.
import type { Statement } from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { Db } from '../db/open-database.js';

export interface EscalationJobOptions {
  db: Db;
  /** ESCALATE_AFTER_MINUTES; 0: the job never runs. */
  afterMinutes: number;
  log: Logger;
  /** Milliseconds since the epoch (the dispatcher's clock: it stamps `sent_at`). */
  clock?: () => number;
  /** Between two looks at the outbox (default one minute). */
  intervalMs?: number;
  /** The chats that got reminders queued: the dispatcher is woken for them. */
  onQueued: (chatIds: readonly number[]) => void;
}

export interface EscalationJob {
  start(): void;
  /** Queues the reminders due now; returns how many. */
  runNow(): number;
  stop(): void;
}

/** An alert older than this past its reminder time gets none (the bot was off for a day): a stale page helps nobody. */
const LATEST_MS = 24 * 3600_000;
/** Most reminders one run queues; the next run takes the rest. */
const BATCH = 500;

/**
 * Reads the partial index deliveries_unacked_high (sent, high, not acknowledged, not a reminder) over the window of
 * send times, so the cost follows the alerts that are due, not the outbox.
 */
const QUEUE_REMINDERS = `
  insert into deliveries (event_row_id, chat_id, matched_positions, reminder_of, severity)
  select d.event_row_id, d.chat_id, d.matched_positions, d.id, 'high'
  from deliveries d indexed by deliveries_unacked_high
  join chats c on c.id = d.chat_id
  where d.status = 'sent' and d.severity = 'high' and d.acked_at is null and d.reminder_of is null
    and d.sent_at <= ? and d.sent_at > ?
    and c.active = 1 and c.access = 'approved'
    and not exists (select 1 from deliveries r where r.reminder_of = d.id)
  limit ${BATCH}
  on conflict do nothing
  returning chat_id as chatId`;

export function createEscalationJob(options: EscalationJobOptions): EscalationJob {
  const { db, log, afterMinutes } = options;
  const clock = options.clock ?? Date.now;
  const afterMs = afterMinutes * 60_000;
  let statement: Statement<[number, number], { chatId: number }> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const job: EscalationJob = {
    start() {
      if (afterMinutes <= 0 || timer) return;
      timer = setInterval(() => {
        try {
          job.runNow();
        } catch (error) {
          log.warn({ err: error }, 'escalation: could not queue reminders; trying again at the next run');
        }
      }, options.intervalMs ?? 60_000);
      timer.unref();
    },
    runNow() {
      if (afterMinutes <= 0) return 0;
      statement ??= db.$client.prepare(QUEUE_REMINDERS);
      const due = clock() - afterMs;
      const queued = statement.all(due, due - LATEST_MS);
      if (queued.length > 0) {
        log.info({ reminders: queued.length, after_minutes: afterMinutes }, 'escalation: unacknowledged high-severity alerts sent again');
        options.onQueued([...new Set(queued.map((r) => r.chatId))]);
      }
      return queued.length;
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
  return job;
}
