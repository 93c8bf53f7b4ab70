/**
 * Writes progress to a stream: on a TTY one line rewritten in place; otherwise (CI, pipes) one
 * line per update, at most every `minIntervalMs`, so logs stay readable.
 */
export class ProgressLine {
  private lastPrint = 0;
  private live = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly minIntervalMs = 0,
  ) {}

  private get tty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** Replace the live line (TTY) or print a line (non-TTY, rate-limited unless `force`). */
  update(text: string, force = false): void {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.live = true;
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPrint < this.minIntervalMs) return;
    this.lastPrint = now;
    this.stream.write(`${text}\n`);
  }

  /** Print a permanent line above the live one. */
  log(text: string): void {
    if (this.tty && this.live) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    this.live = false;
  }

  /** End the live line. */
  done(): void {
    if (this.tty && this.live) this.stream.write('\n');
    this.live = false;
  }
}
