// Notices an admin's change owes a chat (`npm run cli -- approve|revoke`, run as a process of its own, perhaps while no
// server runs): the server finds them in the chats table at start and every sweep (a partial index: the cost is what
// is owed, never the table), sends each through the platform's reply lane (its limits, its retry-after) and clears it
// once delivered, or once it never can be (chat gone, content refused). Unsent ones wait for the next sweep; a platform
// this server does not run keeps its notices for one that does.
import { clearNotice, pendingNotices, type PendingNotice } from '../db/chats.js';
import type { Db } from '../db/open-database.js';
import type { Logger } from '../logger.js';
import type { PlatformAdapter, ReplyLane } from '../platforms/port.js';

/** How often the server looks for notices owed. */
export const NOTICE_SWEEP_MS = 30_000;
/** Notices sent per sweep, at most: the rest wait for the next. */
const NOTICES_PER_SWEEP = 100;

export interface ChatNoticesDeps {
  db: Db;
  adapters: readonly PlatformAdapter[];
  /** The platform's reply lane: notices share its limits with alerts and replies. */
  replies: (platform: string) => ReplyLane;
  log: Logger;
  sweepMs?: number;
}

export interface ChatNotices {
  /** Sends what is owed now, then every sweep. */
  start(): void;
  /**
   * No further sweeps. A notice still waiting for its slot is given up with the platform's limiter and stays owed;
   * one sent after this is not recorded (the database may be closing) and is sent again at the next start.
   */
  stop(): void;
}

export function createChatNotices(deps: ChatNoticesDeps): ChatNotices {
  const { db, log } = deps;
  const adapters = new Map(deps.adapters.map((adapter) => [adapter.platform, adapter]));
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  let stopped = false;

  async function tell(notice: PendingNotice, adapter: PlatformAdapter): Promise<void> {
    const { chat, text } = notice;
    const outcome = await deps.replies(chat.platform).send(chat, () => adapter.sendNotice(chat, text));
    if (stopped || outcome.kind === 'retry' || outcome.kind === 'platform_down') return;
    if (outcome.kind === 'sent') log.info({ platform: chat.platform, chat: chat.platformChatId }, 'told the chat of its admin\'s access change');
    else log.warn({ platform: chat.platform, chat: chat.platformChatId, outcome }, 'could not tell the chat of its admin\'s access change; dropping the notice');
    clearNotice(db, notice.chatId, text);
  }

  function sweep(): void {
    if (sweeping || stopped) return;
    let owed: PendingNotice[];
    try {
      owed = pendingNotices(db, [...adapters.keys()], NOTICES_PER_SWEEP);
    } catch (error) {
      log.error({ err: error }, 'could not read the notices owed to chats; trying again at the next sweep');
      return;
    }
    if (owed.length === 0) return;
    sweeping = true;
    void Promise.all(owed.map((notice) => tell(notice, adapters.get(notice.chat.platform)!)))
      .catch((error: unknown) => log.error({ err: error }, 'could not record a notice sent to a chat; it is sent again at the next sweep'))
      .finally(() => (sweeping = false));
  }

  return {
    start() {
      if (timer || adapters.size === 0) return;
      sweep();
      timer = setInterval(sweep, deps.sweepMs ?? NOTICE_SWEEP_MS);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
