import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.js';

describe('createLogger', () => {
  it('scrubs configured secrets from every line, even inside nested error messages', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink, ['123456:TOKEN-abc', 'whsec_live']);
    const inner = new Error('request to https://api.telegram.org/bot123456:TOKEN-abc/sendMessage failed');
    log.error({ err: Object.assign(new Error('Network request failed'), { error: inner }) }, 'send failed');
    log.info({ secret: 'x', headers: { 'x-cg-signature': 'sig' }, note: 'whsec_live' }, 'hello');
    const all = lines.join('');
    expect(all).not.toContain('TOKEN-abc');
    expect(all).not.toContain('whsec_live');
    expect(all).not.toContain('"sig"');
    expect(all).toContain('bot[redacted]/sendMessage');
  });
});
