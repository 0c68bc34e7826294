// Prints docs/commands.md from the command declaration: `npm run docs:commands`.
import { commandsDoc } from '../core/commands-doc.js';

process.stdout.write(commandsDoc());
