import { PROCESS_TYPE } from './names.js';
import type { ProcessTypes } from './types.js';

// Procfile: "type: command" per line; blank lines and # comments ignored.

export interface ProcfileError {
  line: number;
  message: string;
}

export type ProcfileResult = { ok: true; processTypes: ProcessTypes } | { ok: false; errors: ProcfileError[] };

export function parseProcfile(text: string): ProcfileResult {
  const processTypes: ProcessTypes = {};
  const errors: ProcfileError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    if (!m) {
      errors.push({ line: i + 1, message: `expected "type: command", got ${JSON.stringify(line.slice(0, 80))}` });
      return;
    }
    const [, type, command] = m as unknown as [string, string, string];
    if (!PROCESS_TYPE.test(type))
      errors.push({
        line: i + 1,
        message: `invalid process type ${JSON.stringify(type.slice(0, 40))} (letters, digits, _ and -, up to 30)`,
      });
    else if (command.trim() === '') errors.push({ line: i + 1, message: `process type "${type}" has no command` });
    else if (type in processTypes) errors.push({ line: i + 1, message: `process type "${type}" is defined twice` });
    else processTypes[type] = command.trim();
  });
  return errors.length ? { ok: false, errors } : { ok: true, processTypes };
}
