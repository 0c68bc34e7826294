// Structured JSON logs (pino). Secrets never reach a log line: callers log ids and outcomes, and the redaction list
// below is a second line of defence for anything that slips into a logged object.
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
  'headers["x-slack-signature"]',
  'headers["x-telegram-bot-api-secret-token"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: 'coinsentry' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
