// Outcomes the database refused to record (locked past its timeout, read-only): kept in memory and written again at
// the next pump, in order, so a send that happened is never forgotten and its row never sent twice. While one waits,
// its rows stay `sending`, which also holds back the rest of their chat.
import type { Logger } from '../logger.js';

export interface OutcomeJournal {
  /** Runs the write; when the database refuses, keeps it for `flush`. Returns true when it was written now. */
  record(write: () => void): boolean;
  /** Writes the kept outcomes that the database now accepts; the others stay. Returns how many were written. */
  flush(): number;
  readonly size: number;
  /** Forgets what is kept (stop: the rows go back to pending by resumption instead). */
  clear(): void;
}

export function createOutcomeJournal(log: Logger): OutcomeJournal {
  const kept: Array<() => void> = [];
  return {
    record(write) {
      try {
        write();
        return true;
      } catch (error) {
        log.error({ err: error }, 'could not record a delivery outcome; recording it again once the database answers');
        kept.push(write);
        return false;
      }
    },
    flush() {
      let written = 0;
      for (let i = 0; i < kept.length; ) {
        try {
          kept[i]!();
          kept.splice(i, 1);
          written += 1;
        } catch {
          i += 1;
        }
      }
      return written;
    },
    get size() {
      return kept.length;
    },
    clear() {
      kept.length = 0;
    },
  };
}
