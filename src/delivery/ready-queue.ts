// Which chats the dispatcher serves next, in round-robin order, without ever reading the backlog. A chat enters the
// queue when something may have become claimable for it, and only then:
// - an event committed a row for it (the recorder names the chats it queued alerts for);
// - its last send in flight finished (its next rows are claimable now);
// - one of its rows fell due by time (a retry, a paused chat's rows, a digest): read from a cursor over the due-time
//   index, so each row is read once, when it falls due (a row released to `now` belongs to a chat whose send just
//   finished, which is queued anyway);
// - a scan of every active chat (start, restart resumption, the safety sweep, an outside change such as a requeue):
//   a walk over the chats' primary key, at most SCAN_STEP chats per pump; it costs the number of chats, never the
//   number of rows queued (a chat without work is found idle by one seek when its turn comes).
// A chat is queued once however many reasons it has; it leaves the queue when it is served (claimed or found with
// nothing claimable) and comes back at the end, so a chat with 10,000 queued alerts gets one turn like any other.
import {
  dueSince,
  nextChat,
  nextDueAfter,
  type DueCursor,
  type TimedState,
} from '../db/outbox-queue.js';
import type { Db } from '../db/open-database.js';

/** Chats a scan adds per pump: a scan over 10,000 chats spreads over pumps instead of stalling one. */
const SCAN_STEP = 256;
/** Due rows read per pump from each due-time cursor. */
const DUE_STEP = 512;
const STATES: readonly TimedState[] = ['pending', 'held'];

export interface ReadyQueue {
  /** An event committed rows for these chats: they may have something to claim. */
  committed(chatIds: readonly number[]): void;
  /** The chat's sends in flight have all finished (or it was found idle): its next rows may be claimed. */
  ready(chatId: number): void;
  /** Walk every chat with work (start, sweep, outside changes). */
  rescan(): void;
  /** Up to `max` chats to serve now, first come first served, after bringing in what fell due by `now`. */
  take(now: number, max: number): number[];
  /** Chats taken but not reached (the claim ran out of room): served first next time. */
  putBack(chatIds: readonly number[]): void;
  /** True when a `take` now could return chats (queued chats, events not yet looked at, a scan in progress). */
  hasWork(now: number): boolean;
  /** When the next row falls due after what the cursors have read, if any. */
  nextDueAt(): number | undefined;
  /** This process wrote a row due at `at` (a retry, a release, a digest): the next read of due rows is no later. */
  noteDue(at: number): void;
}

export function createReadyQueue(db: Db, start: number): ReadyQueue {
  let queue = new Set<number>();
  /**
   * The earliest due time past the cursors, as last read (null: none), lowered by every due time this process writes:
   * while it is in the future a pump reads no due rows at all. Undefined: read it again. Rows due in the future are
   * written only by this process (the admin CLI requeues and replays to due-at-once, which the sweep's scan finds).
   */
  let nextDue: number | null | undefined;
  // Each cursor starts at the queue's creation: rows due before it are found by the scan that follows every start.
  const cursors: Record<TimedState, DueCursor> = { pending: { at: start, id: Number.MAX_SAFE_INTEGER }, held: { at: start, id: Number.MAX_SAFE_INTEGER } };
  const moreDue: Record<TimedState, boolean> = { pending: false, held: false };
  /** The scan's position: the last chat id visited; undefined when no scan is running. */
  let scan: number | undefined;

  function bringInDue(now: number): void {
    for (const state of STATES) {
      const read = dueSince(db, state, cursors[state], now, DUE_STEP);
      for (const chatId of read.chatIds) queue.add(chatId);
      moreDue[state] = read.more;
      cursors[state] = read.cursor;
    }
    nextDue = undefined;
  }

  function earliestDue(): number | null {
    if (nextDue === undefined) {
      const times = STATES.map((state) => nextDueAfter(db, state, cursors[state].at)).filter((t): t is number => t !== undefined);
      nextDue = times.length ? Math.min(...times) : null;
    }
    return nextDue;
  }

  function scanStep(): void {
    for (let budget = SCAN_STEP; scan !== undefined && budget > 0; budget -= 1) {
      scan = nextChat(db, scan);
      if (scan !== undefined) queue.add(scan);
    }
  }

  return {
    committed(chatIds) {
      for (const chatId of chatIds) queue.add(chatId);
    },
    ready(chatId) {
      queue.add(chatId);
    },
    rescan() {
      scan = 0;
    },
    take(now, max) {
      const due = earliestDue();
      if (moreDue.pending || moreDue.held || (due !== null && due <= now)) bringInDue(now);
      if (queue.size < max) scanStep();
      const taken: number[] = [];
      for (const chatId of queue) {
        if (taken.length >= max) break;
        taken.push(chatId);
        queue.delete(chatId);
      }
      return taken;
    },
    putBack(chatIds) {
      if (chatIds.length === 0) return;
      queue = new Set([...chatIds, ...queue]);
    },
    hasWork(now) {
      if (queue.size > 0 || moreDue.pending || moreDue.held) return true;
      if (scan !== undefined) return true;
      const due = earliestDue();
      return due !== null && due <= now;
    },
    nextDueAt() {
      return earliestDue() ?? undefined;
    },
    noteDue(at) {
      if (nextDue !== undefined) nextDue = nextDue === null ? at : Math.min(nextDue, at);
    },
  };
}
