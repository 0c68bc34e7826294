// Prints the Slack app manifest for a host: `npm run slack-manifest -- https://alerts.example.org`.
import { EXAMPLE_BASE_URL, slackManifest } from '../platforms/slack/slack-manifest.js';

const [base = EXAMPLE_BASE_URL] = process.argv.slice(2);
if (!/^https:\/\/[^\s/]+/.test(base)) {
  process.stderr.write(`slack-manifest: "${base}" is not an https:// URL (Slack only calls https)\nUsage: npm run slack-manifest -- https://your.host\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(slackManifest(base), null, 2)}\n`);
