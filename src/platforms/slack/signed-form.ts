// The front of every Slack request route (slash commands, interactions): the body size first, then the signature and
// its freshness against SLACK_SIGNING_SECRET before the body is parsed at all; 413 and 401 answer what fails.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../logger.js';
import { verifySlackRequest } from './verify-slack-signature.js';

export interface SignedFormDeps {
  signingSecret: string;
  clock: () => number;
  log: Logger;
}

/** The size limit, as middleware. */
export const slackBodyLimit = (maxBytes: number): MiddlewareHandler =>
  bodyLimit({ maxSize: maxBytes, onError: (c) => c.json({ error: `body larger than ${maxBytes} bytes` }, 413) });

/** The signed form body, or the 401 to answer (logged with `what` and the reason). */
export async function signedForm(c: Context, deps: SignedFormDeps, what: string): Promise<{ form: URLSearchParams } | { refused: Response }> {
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  const verdict = verifySlackRequest(
    deps.signingSecret,
    { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature'), rawBody },
    deps.clock(),
  );
  if (!verdict.ok) {
    deps.log.warn({ reason: verdict.reason }, `${what} refused`);
    return { refused: c.json({ error: 'invalid request signature' }, 401) };
  }
  return { form: new URLSearchParams(Buffer.from(rawBody).toString('utf8')) };
}
