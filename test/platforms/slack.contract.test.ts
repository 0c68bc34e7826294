import { adapterContract } from './adapter-contract.js';
import { slackHarness } from './slack-harness.js';

adapterContract('Slack', slackHarness);
