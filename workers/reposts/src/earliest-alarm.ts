/**
 * A Durable Object's alarm, mirrored in memory, for objects that want it at the earliest of
 * several deadlines: `schedule` only ever moves it earlier, so steady traffic cannot keep
 * pushing a pending flush or report later, and it skips a storage call when the alarm is
 * already early enough.
 */
export class EarliestAlarm {
  private at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the alarm already scheduled (call once, inside the constructor's blockConcurrencyWhile). */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  /** The alarm fired (call first thing in `alarm()`): nothing is scheduled until `schedule` again. */
  fired(): void {
    this.at = null;
  }

  /** Moves the alarm to `at` if that is earlier than the one scheduled, or none is. */
  schedule(at: number): void {
    if (this.at !== null && this.at <= at) return;
    this.at = at;
    void this.storage.setAlarm(at);
  }
}
