// Whether each chat platform is reachable, always visible: `connected`, `connecting` (with the last error) or
// `unauthorized` (the platform refused our credentials; the variable to fix is named). One log line at each change of
// state, never one per retry; /healthz and /metrics read the current state.
import type { Logger } from '../logger.js';

export type PlatformStatus = 'connected' | 'connecting' | 'unauthorized';

export interface PlatformState {
  readonly status: PlatformStatus;
  /** What went wrong last (connecting, unauthorized); never holds a secret. */
  readonly error?: string;
  /** Milliseconds since the epoch of the last change of status. */
  readonly since: number;
}

/** An adapter's way to say its connection changed (the gateway dropped, polling failed, it is back). */
export type ReportState = (status: PlatformStatus, error?: string) => void;

/** Thrown by an adapter's start() when the platform refuses the credentials: retrying soon cannot help. */
export class PlatformUnauthorizedError extends Error {
  override name = 'PlatformUnauthorizedError';
  constructor(
    /** The variable holding the refused credential, e.g. `TELEGRAM_BOT_TOKEN`. */
    readonly variable: string,
    /** What the platform said, e.g. `Telegram refused the bot token (401: Unauthorized)`. */
    what: string,
  ) {
    super(`${what}; check ${variable}`);
  }
}

export interface PlatformStateTracker {
  get(): PlatformState;
  report: ReportState;
}

export interface TrackerOptions {
  platform: string;
  log: Logger;
  clock?: () => number;
  /** Removes configured secrets from error texts, which reach /healthz and the log. */
  scrub?: (text: string) => string;
}

/** Holds one platform's state, starting at `connecting`; logs a line only when the status changes. */
export function trackPlatformState(options: TrackerOptions): PlatformStateTracker {
  const clock = options.clock ?? Date.now;
  const scrub = options.scrub ?? ((text: string) => text);
  let state: PlatformState = { status: 'connecting', since: clock() };
  let first = true;
  return {
    get: () => state,
    report(status, error) {
      // The first report always gets its line: "connecting" at boot is the state before anyone tried.
      const changed = first || status !== state.status;
      first = false;
      const text = error === undefined ? undefined : scrub(error).slice(0, 300);
      state = { status, ...(status !== 'connected' && text !== undefined && { error: text }), since: changed ? clock() : state.since };
      if (!changed) return;
      const fields = { platform: options.platform, state: status, ...(text !== undefined && status !== 'connected' && { error: text }) };
      if (status === 'connected') options.log.info(fields, `${options.platform} connected`);
      else if (status === 'connecting') options.log.warn(fields, `${options.platform} is not reachable; its commands are not received until it connects (retrying)`);
      else options.log.error(fields, `${options.platform} refused the credentials: ${text ?? 'unauthorized'}`);
    },
  };
}
