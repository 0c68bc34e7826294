import { adapterContract } from './adapter-contract.js';
import { telegramHarness } from './telegram-harness.js';

adapterContract('Telegram', telegramHarness);
