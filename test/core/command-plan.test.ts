import { describe, expect, it } from 'vitest';
import { planCommand, type Pair, type PlanInput } from '../../src/core/command-plan.js';

const names = new Map([['bitcoin', { name: 'Bitcoin', symbol: 'btc' }]]);
const plan = (command: PlanInput['command'], current: Pair[] = [], limit = 500) => planCommand({ command, current, limit, coinNames: names });

describe('planCommand', () => {
  it('coins only: every change of those coins', () => {
    const result = plan({ name: 'watch', coins: ['bitcoin'], fields: [] });
    expect(result.add).toEqual([{ coinId: 'bitcoin', field: '*' }]);
    expect(result.reply).toBe('Watching bitcoin (Bitcoin, BTC): all changes');
  });

  it('fields only: those fields for every coin', () => {
    const result = plan({ name: 'watch', coins: [], fields: ['public_notices', 'platforms'] });
    expect(result.add).toEqual([
      { coinId: '*', field: 'public_notices' },
      { coinId: '*', field: 'platforms' },
    ]);
    expect(result.reply).toBe('Watching platforms, public_notices for every coin');
  });

  it('both: only those fields of those coins', () => {
    const result = plan({ name: 'watch', coins: ['bitcoin'], fields: ['platforms', 'public_notices'] });
    expect(result.add).toHaveLength(2);
    expect(result.reply).toBe('Watching bitcoin (Bitcoin, BTC): platforms, public_notices');
  });

  it('says what was already watched', () => {
    const result = plan({ name: 'watch', coins: ['bitcoin'], fields: [] }, [{ coinId: 'bitcoin', field: '*' }]);
    expect(result.add).toEqual([]);
    expect(result.reply).toBe('Already watching bitcoin (Bitcoin, BTC): all changes');
  });

  it('refuses what would exceed the per-chat limit, naming it', () => {
    const current = [{ coinId: 'a', field: '*' }];
    const result = plan({ name: 'watch', coins: ['b', 'c'], fields: [] }, current, 2);
    expect(result.add).toEqual([{ coinId: 'b', field: '*' }]);
    expect(result.reply).toContain('Subscription limit reached (2 per chat): not added: c: all changes');
  });

  it('unwatch of a coin removes every subscription about it', () => {
    const current = [
      { coinId: 'bitcoin', field: 'platforms' },
      { coinId: 'bitcoin', field: 'name' },
      { coinId: 'ethereum', field: '*' },
    ];
    const result = plan({ name: 'unwatch', coins: ['bitcoin', 'solana'], fields: [] }, current);
    expect(result.remove).toEqual(current.slice(0, 2));
    expect(result.reply).toBe('Stopped watching bitcoin (Bitcoin, BTC): name, platforms\nNot watching solana: all changes');
  });

  it('unwatch of a field removes it and its sub-fields for every coin, not coin-specific ones', () => {
    const current = [
      { coinId: '*', field: 'platforms' },
      { coinId: '*', field: 'platforms.ethereum' },
      { coinId: '*', field: 'platforms_x' },
      { coinId: 'bitcoin', field: 'platforms' },
    ];
    const result = plan({ name: 'unwatch', coins: [], fields: ['platforms'] }, current);
    expect(result.remove).toEqual(current.slice(0, 2));
  });

  it('unwatch all empties the chat', () => {
    const current = [{ coinId: 'bitcoin', field: '*' }];
    expect(plan({ name: 'unwatch_all' }, current)).toMatchObject({ remove: current, reply: 'Removed all 1 subscription of this chat.' });
    expect(plan({ name: 'unwatch_all' }).reply).toBe('This chat watches nothing; nothing to remove.');
  });

  it('lists subscriptions readably', () => {
    const current = [
      { coinId: '*', field: 'public_notices' },
      { coinId: 'bitcoin', field: '*' },
    ];
    expect(plan({ name: 'list', coins: [], fields: [] }, current).reply).toBe(
      'This chat watches (2 subscriptions):\n• public_notices for every coin\n• bitcoin (Bitcoin, BTC): all changes',
    );
    expect(plan({ name: 'list', coins: [], fields: [] }).reply).toContain('watches nothing yet');
  });
});
