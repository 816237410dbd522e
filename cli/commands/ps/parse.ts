import { CliError } from '../../context.js';

// The arguments of ps:scale and ps:type, as PATCH /apps/:app/formation takes them.

/** One update of ps:scale as the API takes it: quantity absolute (3) or relative ("+1", "-2"). */
export interface ScaleUpdate {
  type: string;
  quantity?: number | string;
  size?: string;
}

const TYPE = '[a-zA-Z0-9_-]{1,30}';
const SIZE = '[a-zA-Z0-9-]{1,30}';
const ABSOLUTE = new RegExp(`^(${TYPE})=(?:(\\d{1,3})(?::(${SIZE}))?|([a-zA-Z][a-zA-Z0-9-]{0,29}))$`);
const RELATIVE = new RegExp(`^(${TYPE}?)([+-]\\d{1,3})(?::(${SIZE}))?$`);

/**
 * ps:scale's arguments: `web=3`, `web=3:standard-2x`, `web=standard-2x`
 * (size only), `web+1`, `web-1`. Anything else is refused with the form to use.
 */
export function parseScaleArgs(args: readonly string[]): ScaleUpdate[] {
  if (args.length === 0) throw new CliError('Usage: paas ps:scale web=2 worker=1:standard-2x');
  return args.map((arg) => {
    const rel = RELATIVE.exec(arg);
    if (rel) {
      const u: ScaleUpdate = { type: rel[1] as string, quantity: rel[2] as string };
      if (rel[3]) u.size = rel[3];
      return u;
    }
    const abs = ABSOLUTE.exec(arg);
    if (!abs) {
      throw new CliError(
        `Invalid argument ${JSON.stringify(arg)}: use TYPE=QUANTITY[:SIZE], TYPE=SIZE, TYPE+N or TYPE-N, e.g. web=2 worker=1:standard-2x`,
      );
    }
    const [, type, quantity, size, sizeOnly] = abs as unknown as [string, string, ...(string | undefined)[]];
    if (sizeOnly !== undefined) return { type, size: sizeOnly };
    const u: ScaleUpdate = { type, quantity: Number(quantity) };
    if (size) u.size = size;
    return u;
  });
}

/** ps:type's arguments: `web=standard-2x` (TYPE=SIZE) each. */
export function parseTypeArgs(args: readonly string[]): { type: string; size: string }[] {
  return args.map((arg) => {
    const m = new RegExp(`^(${TYPE})=(${SIZE})$`).exec(arg);
    if (!m) {
      throw new CliError(
        `Invalid argument ${JSON.stringify(arg)}: use TYPE=SIZE, e.g. web=standard-2x (paas ps:sizes lists the sizes)`,
      );
    }
    return { type: m[1] as string, size: m[2] as string };
  });
}
