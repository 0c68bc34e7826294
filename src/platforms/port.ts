// The port every chat platform implements (Telegram, Discord, Slack, the console sink). The core never names a
// platform: it hands an adapter a neutral Alert for a chat and gets an outcome back; commands flow the other way,
// from the adapter into the CommandHandler as neutral requests.
import type { Alert } from '../core/alert.js';
import type { Digest } from '../core/compact.js';
import type { CommandHandler } from '../core/command-service.js';
import type { Hono } from 'hono';
import type { ChatRef } from '../core/chat.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ReportState } from './platform-state.js';

export type { ChatKind, ChatRef } from '../core/chat.js';

/** What became of one send. Anything but `sent` tells the dispatcher what to do with the outbox row. */
export type SendOutcome =
  /** Delivered. */
  | { kind: 'sent' }
  /** Transient (rate limit, 5xx, network): try again, no earlier than `afterMs` when the platform said so. */
  | { kind: 'retry'; error: string; afterMs?: number }
  /** The chat is gone for good (bot blocked, kicked, channel deleted): deactivate it and cancel what is queued. */
  | { kind: 'chat_gone'; reason: string }
  /** The chat has a new id (Telegram group → supergroup): rewrite it and send again. */
  | { kind: 'chat_moved'; newPlatformChatId: string }
  /** This message can never be delivered as it is (the platform refused its content): dead letter, chat stays. */
  | { kind: 'rejected'; error: string }
  /** The platform refuses us altogether (bad token): stop sending on this platform until restart. */
  | { kind: 'platform_down'; error: string };

/** Sending rates the dispatcher keeps to, per platform. */
export interface RateLimits {
  /** Messages per second across every chat. */
  perSecond: number;
  /** Minimum spacing of two messages to one chat, in milliseconds. */
  perChatIntervalMs: number;
  /** Messages per minute to one group or channel, where the platform caps them further (Telegram: 20). */
  perGroupPerMinute?: number;
}

export interface PlatformAdapter {
  readonly platform: string;
  readonly limits: RateLimits;
  /** Renders and sends one alert to one chat. Must not throw for platform answers: map them to an outcome. */
  send(chat: ChatRef, alert: Alert): Promise<SendOutcome>;
  /** Renders and sends a digest of held low-severity alerts (one message, no ping). Same outcome rules as `send`. */
  sendDigest(chat: ChatRef, digest: Digest): Promise<SendOutcome>;
  /** Sends one line of our own plain text (an admin's change told to the chat), escaped, pinging no one. Same outcome rules. */
  sendNotice(chat: ChatRef, text: string): Promise<SendOutcome>;
  /**
   * Connects and starts receiving commands (polling, gateway, …), handing them to `intake.commands`. Resolves once
   * connected; throws a PlatformUnauthorizedError when the platform refuses the credentials, any other error when it
   * cannot be reached (then it is tried again). Later changes of the connection (gateway dropped, back again) go to
   * `intake.report`.
   */
  start?(intake: Intake): Promise<void>;
  stop?(): Promise<void>;
  /** HTTP routes the adapter serves (Telegram webhook mode, Slack slash commands). */
  routes?(intake: Intake): ReadonlyArray<{ path: string; app: Hono }>;
}

/** What an adapter's command intake is handed. */
export interface Intake {
  commands: CommandHandler;
  /** Where later changes of the connection go. */
  report?: ReportState;
  /**
   * The lane for replies that are messages of their own (Telegram's sendMessage): they spend the bot's message budget,
   * so they share the platform's limits with alerts. A reply that answers the request itself (Slack's HTTP answer, a
   * Discord interaction response) does not count against that budget and goes out directly.
   */
  replies: ReplyLane;
}

export interface ReplyLane {
  /**
   * Queues one reply message for `chat` behind the platform's limits: after high-severity alerts, turn about with other
   * alerts, within the chat's own pacing. `attempt` sends it and maps the platform's answer; a `retry` is waited out
   * (the platform's retry-after) and tried again a few times. Never rejects: resolves with the last outcome, and the
   * lane logs a reply that could not be delivered. The caller need not wait for it.
   */
  send(chat: ChatRef, attempt: () => Promise<SendOutcome>): Promise<SendOutcome>;
}

/** A platform as src/platforms/index.ts lists it: its adapter for a configuration, or why it is off. */
export interface PlatformModule {
  readonly name: string;
  /** The adapter this configuration enables, or why the platform is off (one line for the log). */
  create(config: Config, deps: { log: Logger }): Promise<PlatformAdapter | { off: string }>;
}
