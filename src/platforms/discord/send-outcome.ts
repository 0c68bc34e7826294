// What a failed Discord REST call means for the outbox: a thrown discord.js error → a SendOutcome (DESIGN.md §5).
// discord.js already waited out short rate limits and retried 5xx once, so what reaches here is final for this attempt.
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import type { SendOutcome } from '../port.js';

/** API error codes that mean the bot can no longer post in the channel, with the reason recorded on the chat. */
const GONE: Record<number, string> = {
  10003: 'the Discord channel was deleted (10003 Unknown Channel)',
  10004: 'the bot is no longer in the Discord server (10004 Unknown Guild)',
  50001: 'the bot lost access to the Discord channel (50001 Missing Access)',
  50007: 'the Discord user does not accept messages from the bot (50007 Cannot send messages to this user)',
  50013: 'the bot may no longer post in the Discord channel (50013 Missing Permissions)',
};

export function outcomeOfError(error: unknown): SendOutcome {
  if (error instanceof RateLimitError) {
    return { kind: 'retry', error: `rate limited on ${error.route}`, afterMs: Math.max(error.retryAfter, error.timeToReset, 0) };
  }
  if (error instanceof DiscordAPIError) return outcomeOfApiError(error);
  if (error instanceof HTTPError) {
    return error.status >= 500
      ? { kind: 'retry', error: `Discord answered ${error.status} ${error.message}` }
      : { kind: 'rejected', error: `Discord answered ${error.status} ${error.message}` };
  }
  // Timeouts (AbortError), refused or reset connections, DNS failures: transient from where we stand.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'retry', error: `could not reach Discord (${message})` };
}

function outcomeOfApiError(error: DiscordAPIError): SendOutcome {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const gone = code === undefined ? undefined : GONE[code];
  if (gone) return { kind: 'chat_gone', reason: gone };
  if (error.status === 404) return { kind: 'chat_gone', reason: `Discord answered 404 for the channel: ${error.message}` };
  if (error.status === 401) return { kind: 'platform_down', error: `Discord refused the bot token (401 ${error.message})` };
  if (error.status === 429) {
    const raw = error.rawError as { retry_after?: unknown };
    const seconds = typeof raw.retry_after === 'number' ? raw.retry_after : undefined;
    return { kind: 'retry', error: `rate limited: ${error.message}`, ...(seconds !== undefined && { afterMs: Math.ceil(seconds * 1000) }) };
  }
  return { kind: 'rejected', error: `Discord refused the message (${error.status}${code ? ` code ${code}` : ''}: ${error.message})` };
}
