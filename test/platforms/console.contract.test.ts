import { adapterContract } from './adapter-contract.js';
import { consoleHarness } from './console-harness.js';

adapterContract('Console sink', consoleHarness);
