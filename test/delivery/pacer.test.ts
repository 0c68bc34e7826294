import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/delivery/pacer.js';

describe('createPacer', () => {
  it('starts sends at least one interval apart by their real start times, in order', async () => {
    const pacer = createPacer(20);
    const starts: Array<{ i: number; at: number }> = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => pacer.acquire().then(() => starts.push({ i, at: performance.now() }))));
    expect(starts.map((s) => s.i)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let k = 1; k < starts.length; k++) expect(starts[k]!.at - starts[k - 1]!.at).toBeGreaterThanOrEqual(19);
  });
});
