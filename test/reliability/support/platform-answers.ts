// What each platform really answers in trouble, as FaultProxy faults: rate limits with their retry-after, server
// errors (JSON, or an HTML page from a proxy in front), a refused token, and the permanent "this chat is gone" errors.
import type { Fault } from './fault-proxy.js';
import type { Platform } from './world.js';

const respond = (status: number, body: unknown, headers: Record<string, string> = {}): Fault => ({ kind: 'respond', status, body, headers });
const html = (status: number): Fault => respond(status, `<html><body>${status} upstream trouble</body></html>`, { 'content-type': 'text/html' });
const telegramError = (status: number, description: string, parameters?: object): Fault =>
  respond(status, { ok: false, error_code: status, description, ...(parameters && { parameters }) });
const discordError = (status: number, code: number, message: string): Fault => respond(status, { code, message });
const slackError = (error: string): Fault => respond(200, { ok: false, error });

export interface PlatformAnswers {
  rateLimited(retryAfterSeconds: number): Fault;
  /** A 5xx: JSON from the platform for 500, an HTML page from a proxy for 502/503. */
  serverError(status: 500 | 502 | 503): Fault;
  /** The platform no longer accepts our token. */
  tokenRevoked: Fault;
  /** The platform's permanent errors for one chat, with a word the stored reason must contain. */
  gone: Array<{ name: string; fault: Fault; reason: RegExp }>;
}

export const ANSWERS: Record<Platform, PlatformAnswers> = {
  telegram: {
    rateLimited: (s) => telegramError(429, `Too Many Requests: retry after ${s}`, { retry_after: s }),
    serverError: (status) => (status === 500 ? telegramError(500, 'Internal Server Error') : html(status)),
    tokenRevoked: telegramError(401, 'Unauthorized'),
    gone: [
      { name: 'blocked by the user', fault: telegramError(403, 'Forbidden: bot was blocked by the user'), reason: /blocked/ },
      { name: 'kicked from the group', fault: telegramError(403, 'Forbidden: bot was kicked from the group chat'), reason: /kicked/ },
      { name: 'chat not found', fault: telegramError(400, 'Bad Request: chat not found'), reason: /chat not found/ },
      { name: 'channel deleted (private)', fault: telegramError(400, 'Bad Request: CHANNEL_PRIVATE'), reason: /CHANNEL_PRIVATE/ },
    ],
  },
  discord: {
    rateLimited: (s) => ({
      kind: 'respond',
      status: 429,
      headers: {
        'retry-after': String(s),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(s),
        'x-ratelimit-bucket': 'reliability-channel-messages',
        'x-ratelimit-scope': 'user',
      },
      body: { message: 'You are being rate limited.', retry_after: s, global: false },
    }),
    serverError: (status) => (status === 500 ? respond(500, { message: '500: Internal Server Error', code: 0 }) : html(status)),
    tokenRevoked: discordError(401, 0, '401: Unauthorized'),
    gone: [
      { name: 'unknown channel', fault: discordError(404, 10003, 'Unknown Channel'), reason: /10003 Unknown Channel/ },
      { name: 'missing access (kicked)', fault: discordError(403, 50001, 'Missing Access'), reason: /50001 Missing Access/ },
      { name: 'missing permissions', fault: discordError(403, 50013, 'Missing Permissions'), reason: /50013 Missing Permissions/ },
      { name: 'unknown guild', fault: discordError(404, 10004, 'Unknown Guild'), reason: /10004 Unknown Guild/ },
    ],
  },
  slack: {
    rateLimited: (s) => respond(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(s) }),
    serverError: (status) => (status === 500 ? respond(500, { ok: false, error: 'internal_error' }) : html(status)),
    tokenRevoked: slackError('token_revoked'),
    gone: [
      { name: 'archived channel', fault: slackError('is_archived'), reason: /is_archived/ },
      { name: 'channel not found', fault: slackError('channel_not_found'), reason: /channel_not_found/ },
      { name: 'not in channel (removed)', fault: slackError('not_in_channel'), reason: /not_in_channel/ },
      { name: 'account inactive', fault: slackError('account_inactive'), reason: /account_inactive/ },
    ],
  },
};
