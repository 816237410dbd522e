// Why a container could not be placed, in a person's words: what `paas ps`
// and the release's failure say (`not enough memory: needs 1024 MB, ...`).

/** 1024 CPU shares are one CPU. */
export const SHARES_PER_CPU = 1024;

/** `pool=high, ssd=true` (sorted by key). */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(', ');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const cpusOf = (shares: number) =>
  `${+(shares / SHARES_PER_CPU).toFixed(2)} CPU${shares === SHARES_PER_CPU ? '' : 's'}`;

/** The largest capacity and free room (memory MB, CPU shares) among the hosts that match. */
export interface MatchingRoom {
  hosts: number;
  memCap: number;
  cpuCap: number;
  memFree: number;
  cpuFree: number;
}

/** Why none of the matching hosts can take the request. */
export function noRoomReason(
  request: { memoryMb: number; cpuShares: number; requiredTags?: Readonly<Record<string, string>> },
  room: MatchingRoom,
): string {
  const tags = request.requiredTags;
  const where = tags && Object.keys(tags).length > 0 ? ` with tags ${formatTags(tags)}` : '';
  const of = `(${plural(room.hosts, 'host')}${where})`;
  const mem = request.memoryMb;
  const cpu = request.cpuShares;
  const needsCpu = `not enough CPU: needs ${cpu} shares (${cpusOf(cpu)})`;
  if (mem > room.memCap)
    return `not enough memory: needs ${mem} MB, the largest matching host has ${room.memCap} MB ${of}`;
  if (cpu > room.cpuCap)
    return `${needsCpu}, the largest matching host has ${room.cpuCap} shares (${cpusOf(room.cpuCap)}) ${of}`;
  if (mem > room.memFree)
    return `not enough memory: needs ${mem} MB, most free on a matching host is ${Math.max(0, room.memFree)} MB ${of}`;
  if (cpu > room.cpuFree)
    return `${needsCpu}, most free on a matching host is ${Math.max(0, room.cpuFree)} shares ${of}`;
  return (
    `no matching host has both ${mem} MB and ${cpu} CPU shares free: ` +
    `hosts with the memory lack the CPU and hosts with the CPU lack the memory ${of}`
  );
}
