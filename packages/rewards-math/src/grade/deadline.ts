/** Thrown by {@link Deadline.check} once the time budget is spent. */
export class GradeTimeout extends Error {
  constructor() {
    super('grading timed out');
  }
}

/** A wall-clock budget checked between bounded units of grading work. */
export class Deadline {
  private readonly end: number;

  /** `budgetMs`: milliseconds from now. */
  constructor(budgetMs: number) {
    this.end = performance.now() + budgetMs;
  }

  expired(): boolean {
    return performance.now() >= this.end;
  }

  /** Throws GradeTimeout when the budget is spent. */
  check(): void {
    if (this.expired()) throw new GradeTimeout();
  }
}
