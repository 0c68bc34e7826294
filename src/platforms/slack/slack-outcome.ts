// Slack Web API answers → what the dispatcher does with the outbox row (DESIGN.md §5). @slack/web-api throws one
// error class per kind of failure, each with an `ErrorCode`; platform errors carry Slack's own `error` string.
import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import type { SendOutcome } from '../port.js';

/** The channel is gone for us for good: deactivate the chat. */
const CHAT_GONE = new Set(['channel_not_found', 'is_archived', 'not_in_channel', 'account_inactive']);
/** Our token is refused: no message can go anywhere on Slack until an admin fixes SLACK_BOT_TOKEN. */
const AUTH = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'not_allowed_token_type']);
/** Slack's own trouble, answered with ok:false: try again later. */
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** Whether `error` is one of @slack/web-api's coded errors. */
function isSlackError(error: unknown): error is WebAPICallError {
  if (!(error instanceof Error) || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return (
    code === ErrorCode.PlatformError ||
    code === ErrorCode.RateLimitedError ||
    code === ErrorCode.HTTPError ||
    code === ErrorCode.RequestError
  );
}

export function slackOutcome(error: unknown): SendOutcome {
  if (!isSlackError(error)) {
    // Not a Slack answer, e.g. a 429 without a usable Retry-After (the client gives up with a plain Error).
    return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
  }
  switch (error.code) {
    case ErrorCode.RateLimitedError:
      return { kind: 'retry', error: `rate limited (retry after ${error.retryAfter}s)`, afterMs: Math.max(0, error.retryAfter) * 1000 };
    case ErrorCode.PlatformError: {
      const code = error.data.error;
      if (CHAT_GONE.has(code)) return { kind: 'chat_gone', reason: code };
      if (AUTH.has(code)) return { kind: 'platform_down', error: `${code}: Slack refused SLACK_BOT_TOKEN` };
      if (TRANSIENT.has(code)) return { kind: 'retry', error: code };
      return { kind: 'rejected', error: code };
    }
    case ErrorCode.HTTPError:
      // A 413 means this very message is too big; anything else (5xx, a proxy in the way) may pass later.
      if (error.statusCode === 413) return { kind: 'rejected', error: `HTTP 413 ${error.statusMessage}` };
      return { kind: 'retry', error: `HTTP ${error.statusCode} ${error.statusMessage}`.trim() };
    case ErrorCode.RequestError:
      return { kind: 'retry', error: `network: ${error.original.message}` };
  }
}
