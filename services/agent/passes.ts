// One reconcile pass at a time, and one more after it when asked meanwhile
// (however many times): the loop of the agent (agent.ts) and of its add-on
// runner (addons/runner.ts). A failed pass is logged; the next poke runs
// another. Stopped: no pass starts; `idle()` waits for the one running.

export class Passes {
  private running = false;
  private again = false;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly failed: (err: unknown) => void,
  ) {}

  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.loop = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.failed(err);
        }
      } while (this.again && !this.stopped);
      this.running = false;
    })();
  }

  /** No pass starts from now on; resolves once the running one (if any) ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
