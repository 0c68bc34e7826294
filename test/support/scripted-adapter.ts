// A platform adapter whose answers a test scripts: it records every alert, digest and notice it is asked to send.
import type { Alert } from '../../src/core/alert.js';
import type { Digest } from '../../src/core/compact.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../../src/platforms/port.js';

export class ScriptedAdapter implements PlatformAdapter {
  readonly platform = 'scripted';
  readonly sends: Array<{ chat: string; alert: Alert; at: number }> = [];
  /** Outcomes to answer, in order; `sent` once the script runs out. */
  script: SendOutcome[] = [];
  /** Answers by chat, after the script (e.g. a chat that has moved). */
  answer?: (chat: ChatRef) => SendOutcome | undefined;
  constructor(readonly limits = { perSecond: 1000, perChatIntervalMs: 0 }) {}
  async send(chat: ChatRef, alert: Alert): Promise<SendOutcome> {
    this.sends.push({ chat: chat.platformChatId, alert, at: performance.now() });
    return this.script.shift() ?? this.answer?.(chat) ?? { kind: 'sent' };
  }
  readonly digests: Array<{ chat: string; digest: Digest }> = [];
  async sendDigest(chat: ChatRef, digest: Digest): Promise<SendOutcome> {
    this.digests.push({ chat: chat.platformChatId, digest });
    return this.script.shift() ?? this.answer?.(chat) ?? { kind: 'sent' };
  }
  readonly notices: Array<{ chat: string; text: string }> = [];
  async sendNotice(chat: ChatRef, text: string): Promise<SendOutcome> {
    this.notices.push({ chat: chat.platformChatId, text });
    return this.script.shift() ?? this.answer?.(chat) ?? { kind: 'sent' };
  }
}

