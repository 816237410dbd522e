import type { Logger } from '../core/logger.js';
import { limitFields, sameLimits, sizeNameOf, type Limits } from '../core/sizes.js';
import type { Assignment } from '../core/types.js';
import type { Runtime } from './docker.js';
import { ratesOf, type Rates } from './isolation/bandwidth.js';
import type { ContainerRef } from './spec.js';

// A dyno resized in place (the scheduler's inplace.ts writes its assignment
// again with new limits): the agent applies them to the container it has.
// Docker changes a container's memory and CPU shares while it runs (`docker
// update`, memory+swap set with memory: no swap); a running one is shaped to
// its new rates again (tc replaces the buckets on its veth); its disk grows
// online where the kernel lets the agent (layerdisk.ts `grow`) and never
// shrinks (a smaller size keeps the larger filesystem until the dyno is
// replaced). The container keeps its id, its process and its address:
// nothing restarts, nothing is reported down. The rates a container's labels
// carry are those it was created with; after a resize its assignment's are
// the truth, so a later start shapes its new veth to them (containers.ts).

/** The rates an assignment asks for (its size's), or undefined when it has none (unshaped). Pure. */
export function assignedRates(a: Pick<Limits, 'egressMbit' | 'ingressMbit'>): Rates | undefined {
  return a.egressMbit && a.ingressMbit ? { egressMbit: a.egressMbit, ingressMbit: a.ingressMbit } : undefined;
}

export interface ResizeSteps {
  /** Docker's memory and CPU shares. */
  limits: boolean;
  /** The bandwidth buckets (a running container's). */
  rates: boolean;
  /** The layer filesystem: grown when smaller (its size is looked at when unknown). */
  disk: boolean;
}

/** What to change on a container that has `have` for an assignment that asks `want`. Pure. */
export function resizeSteps(have: Limits, want: Limits): ResizeSteps {
  const rates = assignedRates(want);
  return {
    limits: have.memoryMb !== want.memoryMb || have.cpuShares !== want.cpuShares,
    rates: rates !== undefined && (have.egressMbit !== rates.egressMbit || have.ingressMbit !== rates.ingressMbit),
    disk: want.diskMb !== undefined && have.diskMb !== want.diskMb,
  };
}

/**
 * The dyno's platform line for a resize in place: `Resized in place to standard-2x (memory 1024 MB, CPU shares
 * 2048)`, with the disk when it grew, or what it keeps when it could not take the new size (`diskMb`: its size now).
 * Pure.
 */
export function resizedLine(want: Limits, diskMb?: number, grew = false): string {
  const size = sizeNameOf(want.memoryMb, want.cpuShares);
  const parts = [`memory ${want.memoryMb} MB`, `CPU shares ${want.cpuShares}`];
  if (grew && diskMb !== undefined) parts.push(`disk ${diskMb} MB`);
  const kept =
    diskMb !== undefined && want.diskMb !== undefined && diskMb !== want.diskMb
      ? `; its disk stays ${diskMb} MB until it is replaced`
      : '';
  return `Resized in place to ${size} (${parts.join(', ')})${kept}`;
}

export interface ResizerDeps {
  runtime: Runtime;
  log: Logger;
  say?: (c: Pick<ContainerRef, 'id' | 'labels'>, line: string) => void;
}

export class Resizer {
  /** The limits each container (by id) was last given: at its create, or by a resize. */
  private readonly known = new Map<string, Limits>();

  constructor(private readonly d: ResizerDeps) {}

  /** A container made for `a`: it has the assignment's limits. */
  created(containerId: string, a: Assignment): void {
    this.known.set(containerId, limitFields(a));
  }

  forget(containerId: string): void {
    this.known.delete(containerId);
  }

  /**
   * The assignment's limits on its container where they differ from those it has (a resize in place). A failure is
   * logged, and tried again at the next pass; the container runs on as it is.
   */
  async apply(a: Assignment, c: ContainerRef): Promise<void> {
    const want = limitFields(a);
    const known = this.known.get(c.id);
    if (known && sameLimits(known, want)) return;
    const { runtime, log } = this.d;
    try {
      // Not known (the agent restarted): Docker's limits, the rates it was created with, its disk looked at.
      const have: Limits = known ?? { ...(await this.observed(a, c)), ...ratesOf(c.labels) };
      const steps = resizeSteps(have, want);
      if (steps.limits) await runtime.update(c.id, want);
      const rates = assignedRates(want);
      if (steps.rates && rates && c.running) await runtime.reshape(c.id, rates);
      let diskMb: number | undefined;
      if (steps.disk && want.diskMb !== undefined) diskMb = await runtime.growDisk(c.id, want.diskMb);
      this.known.set(c.id, want);
      if (!steps.limits) return;
      const grew = diskMb !== undefined && have.diskMb !== undefined && diskMb > have.diskMb;
      const line = resizedLine(want, diskMb, grew);
      log.info({ assignment: a.id, container: c.id, ...want }, 'resized container in place');
      this.d.say?.(c, line);
    } catch (err) {
      log.warn({ err, assignment: a.id, container: c.id }, 'cannot resize container in place; trying again');
    }
  }

  private async observed(a: Assignment, c: ContainerRef): Promise<Limits> {
    const s = await this.d.runtime.inspect(c.id, a.port);
    return { memoryMb: s.memoryMb, cpuShares: s.cpuShares };
  }
}
