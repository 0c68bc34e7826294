// The shared platform-adapter contract, run against the Discord adapter and the fake Discord.
import { adapterContract } from './adapter-contract.js';
import { discordHarness } from './discord-harness.js';

adapterContract('Discord', discordHarness);
