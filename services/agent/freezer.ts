// The frozen tier of sleep: a running container whose app goes to sleep is
// paused (Docker's cgroup freezer: its processes keep their memory and use no
// CPU) rather than stopped, while the memory of the frozen ones fits the
// host's budget, so that waking it is an unpause (tens of ms) instead of a
// start and the app's boot (the Express fixture takes about a second here).
// The budget is PAAS_AGENT_FROZEN_MB, and never more than the host's memory
// left over by the containers it runs: a frozen container holds no
// placement, so the scheduler may fill the host, and then the oldest frozen
// ones are stopped (a cold sleep, woken by a start) until the rest fit.
// Pure: the agent asks it what to pause and what to stop (agent.ts,
// containers.ts).

export interface Frozen {
  id: string;
  /** Its memory working set when it was paused (MB). */
  mb: number;
  /** When it was paused (ms). */
  at: number;
}

export class Freezer {
  private readonly frozen = new Map<string, Frozen>();

  has(id: string): boolean {
    return this.frozen.has(id);
  }

  /** The memory the frozen containers hold (MB). */
  heldMb(): number {
    let mb = 0;
    for (const f of this.frozen.values()) mb += f.mb;
    return mb;
  }

  /** Whether a container of `mb` fits beside the frozen ones within `budgetMb`. */
  admits(mb: number, budgetMb: number): boolean {
    return mb <= budgetMb - this.heldMb();
  }

  /** It is frozen now (or was found frozen, as after an agent restart). */
  note(f: Frozen): void {
    this.frozen.set(f.id, f);
  }

  /** It is no longer frozen: woken, stopped or removed. */
  forget(id: string): void {
    this.frozen.delete(id);
  }

  /** The frozen containers to stop so that the rest fit `budgetMb`: the longest frozen first. */
  overBudget(budgetMb: number): string[] {
    let held = this.heldMb();
    const out: string[] = [];
    for (const f of [...this.frozen.values()].sort((a, b) => a.at - b.at)) {
      if (held <= budgetMb) break;
      out.push(f.id);
      held -= f.mb;
    }
    return out;
  }
}

/** The frozen budget now: PAAS_AGENT_FROZEN_MB, within what the host's running assignments leave of its memory. */
export function frozenBudgetMb(frozenMb: number, hostMemoryMb: number, runningAssignedMb: number): number {
  return Math.max(0, Math.min(frozenMb, hostMemoryMb - runningAssignedMb));
}
