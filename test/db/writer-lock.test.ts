// The writer lock in one process (the kill -9 and second-process cases are in one-writer.test.ts): held until released,
// the refusal names the path and the holder, and a release lets the next server in.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireWriterLock, describeHeldLock } from '../../src/db/writer-lock.js';
import { NOW_MS } from '../support/harness.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coinsentry-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writer lock', () => {
  it('refuses a second holder with the path and the first holder, until the first releases', () => {
    const path = join(dir, 'data', 'bot.db');
    const first = acquireWriterLock(path, { pid: 4121, now: NOW_MS });
    expect(first.kind).toBe('acquired');

    const second = acquireWriterLock(path, { pid: 5000, now: NOW_MS });
    expect(second).toMatchObject({ kind: 'held', path });
    if (second.kind !== 'held') return;
    expect(describeHeldLock(second)).toMatch(
      new RegExp(`^DATABASE_PATH ${path} is in use by another coinsentry server \\(pid 4121 on .+, started 2026-04-13T07:40:00.000Z\\); `),
    );

    if (first.kind === 'acquired') first.lock.release();
    expect(existsSync(`${path}.lock-holder`)).toBe(false);
    const third = acquireWriterLock(path, { pid: 5000 });
    expect(third.kind).toBe('acquired');
    if (third.kind === 'acquired') third.lock.release();
  });

  it('says "holder unknown" when the holder line is missing, and needs no lock for :memory:', () => {
    const path = join(dir, 'bot.db');
    const first = acquireWriterLock(path);
    rmSync(`${path}.lock-holder`);
    const second = acquireWriterLock(path);
    expect(second.kind === 'held' && describeHeldLock(second)).toContain('(holder unknown)');
    if (first.kind === 'acquired') first.lock.release();
    expect(acquireWriterLock(':memory:').kind).toBe('acquired');
    expect(acquireWriterLock(':memory:').kind).toBe('acquired');
  });
});
