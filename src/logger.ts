// Structured JSON logs (pino). Secrets never reach a log line: callers log ids and outcomes, the redaction list below
// blanks secret-named keys, and every configured secret is scrubbed from the finished line, wherever it hides (a client
// library's error message can carry a URL with the bot token in it).
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'secret',
  'token',
  'signature',
  'authorization',
  '*.secret',
  '*.token',
  '*.signature',
  '*.authorization',
  'headers["x-cg-signature"]',
  'headers["x-cexping-signature"]',
  'headers["x-cexpingz-signature"]',
  'headers["x-slack-signature"]',
  'headers["x-telegram-bot-api-secret-token"]',
  'headers["x-cg-pro-api-key"]',
  'headers["x-cg-demo-api-key"]',
];

/**
 * A JSON logger at `level`, writing to `destination` (stdout by default). Any of `secrets` that appears in a line is
 * replaced by `[redacted]` before the line is written.
 */
export function createLogger(level: string, destination?: DestinationStream, secrets: readonly string[] = []): Logger {
  const out = destination ?? pino.destination({ dest: 1, sync: true });
  const hidden = secrets.filter((secret) => secret.length >= 6);
  const stream: DestinationStream =
    hidden.length === 0 ? out : { write: (line: string) => out.write(hidden.reduce((text, secret) => text.split(secret).join('[redacted]'), line)) };
  return pino({ level, base: { app: 'coinsentry' }, redact: { paths: REDACT, censor: '[redacted]' } }, stream);
}

/** Every secret in the configuration, for the logger to scrub. */
export function secretsOf(config: {
  webhook: { secrets: readonly string[] };
  cexping?: { secrets: readonly string[] };
  telegram?: { token: string; webhook?: { secret: string } };
  discord?: { token: string };
  slack?: { token: string; signingSecret: string };
  coingeckoApi?: { key: string };
}): string[] {
  return [
    ...config.webhook.secrets,
    ...(config.cexping?.secrets ?? []),
    config.telegram?.token,
    config.telegram?.webhook?.secret,
    config.discord?.token,
    config.slack?.token,
    config.slack?.signingSecret,
    config.coingeckoApi?.key,
  ].filter((s): s is string => Boolean(s));
}
