// The Slack app manifest is generated from the declared commands, and the copy in deploy/ is that output.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHAT_COMMANDS } from '../../src/core/commands.js';
import { commandsDoc } from '../../src/core/commands-doc.js';
import { slackManifest } from '../../src/platforms/slack/slack-manifest.js';
import { DIRECT } from '../../src/platforms/slack/slash-command.js';

describe('Slack app manifest', () => {
  it('is what deploy/slack-app-manifest.json holds', () => {
    const committed = JSON.parse(readFileSync(new URL('../../deploy/slack-app-manifest.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(slackManifest());
  });

  it('points Slack interactivity (alert buttons) at /slack/interactions', () => {
    const interactivity = slackManifest('https://alerts.example.org/').settings.interactivity;
    expect(interactivity).toEqual({ is_enabled: true, request_url: 'https://alerts.example.org/slack/interactions' });
  });

  it('registers the umbrella and the direct commands, all at /slack/commands, escaped', () => {
    const commands = slackManifest('https://alerts.example.org/').features.slash_commands;
    expect(commands.map((c) => c.command)).toEqual(['/coinsentry', ...[...DIRECT].map((name) => `/${name}`)]);
    for (const command of commands) {
      expect(command.url).toBe('https://alerts.example.org/slack/commands');
      expect(command.should_escape).toBe(true);
      expect(command.description.length).toBeLessThanOrEqual(100);
    }
    for (const { name } of CHAT_COMMANDS) expect(commands[0]!.usage_hint).toContain(name);
  });

  it('prints for a host from the command line, and refuses what is not https', () => {
    const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/slack-manifest.ts', ...args], { encoding: 'utf8' });
    expect(JSON.parse(run('https://alerts.example.org'))).toEqual(slackManifest('https://alerts.example.org'));
    expect(() => run('http://alerts.example.org')).toThrow(/not an https:\/\/ URL/);
  });
});

describe('docs/commands.md', () => {
  it('is generated from the command declaration (npm run docs:commands)', () => {
    expect(readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8')).toBe(commandsDoc());
  });
});
