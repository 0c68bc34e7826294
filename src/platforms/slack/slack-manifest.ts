// The Slack app manifest, generated from the declared chat commands: paste it into "Create New App → From an app
// manifest" and every command coinsentry answers is registered, each pointing at POST /slack/commands, with the
// Interactivity request URL (POST /slack/interactions) that alert buttons need.
// `npm run slack-manifest -- https://your.host` prints it for your host; deploy/slack-app-manifest.json is its copy for
// https://coinsentry.example.com, kept equal to this output by a test.
import { CHAT_COMMANDS, type ChatCommand } from '../../core/commands.js';
import { DIRECT, UMBRELLA } from './slash-command.js';

export const EXAMPLE_BASE_URL = 'https://coinsentry.example.com';

interface SlashCommandEntry {
  command: string;
  url: string;
  description: string;
  usage_hint: string;
  should_escape: boolean;
}

/** Kept within what Slack's command settings page accepts for a description and a usage hint. */
const MAX_DESCRIPTION = 100;
const MAX_HINT = 1000;

export function slackManifest(baseUrl: string = EXAMPLE_BASE_URL) {
  const base = baseUrl.replace(/\/+$/, '');
  const url = `${base}/slack/commands`;
  const direct: SlashCommandEntry[] = CHAT_COMMANDS.filter((c: ChatCommand) => DIRECT.has(c.name)).map((c) => ({
    command: `/${c.name}`,
    url,
    description: c.summary.slice(0, MAX_DESCRIPTION),
    usage_hint: (c.forms.join(' | ') || ' ').slice(0, MAX_HINT),
    should_escape: true,
  }));
  const umbrella: SlashCommandEntry = {
    command: UMBRELLA,
    url,
    description: `coinsentry: ${CHAT_COMMANDS.map((c) => c.name).join(', ')}`.slice(0, MAX_DESCRIPTION),
    usage_hint: CHAT_COMMANDS.map((c: ChatCommand) => `${c.name}${c.forms[0] ? ` ${c.forms[0]}` : ''}`).join(' · ').slice(0, MAX_HINT),
    // Escaped, so `/coinsentry mention @oncall-team` arrives as a user-group mention (`<!subteam^S…|@oncall-team>`).
    should_escape: true,
  };
  return {
    display_information: { name: 'coinsentry', description: 'CoinGecko coin-metadata and exchange-listing alerts' },
    features: {
      bot_user: { display_name: 'coinsentry', always_online: true },
      app_home: { home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      slash_commands: [umbrella, ...direct],
    },
    oauth_config: { scopes: { bot: ['chat:write', 'chat:write.public', 'commands'] } },
    settings: {
      // Alert buttons (Mute 1d, Unwatch, Acknowledge) post their presses here.
      interactivity: { is_enabled: true, request_url: `${base}/slack/interactions` },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
