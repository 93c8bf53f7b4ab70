/**
 * What to show: a fixed text, or a function that renders for a terminal `width` in cells
 * (undefined when the stream is not a terminal: show everything).
 */
export type Render = string | ((width: number | undefined) => string);

/** The columns assumed for a terminal that reports none. */
const FALLBACK_COLUMNS = 80;

/** Carriage return + erase the whole line (ECMA-48 EL 2): the only escape sequence this display writes. */
const CLEAR_LINE = '\r\x1b[2K';

/** A stream the display writes to: a `tty.WriteStream` (or anything with `write`, `isTTY` and `columns`). */
export type ProgressStream = Pick<NodeJS.WriteStream, 'write'> &
  Partial<Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'on' | 'off'>>;

/**
 * Writes progress to a stream. On a terminal: one live line, rewritten in place (carriage return
 * and erase line), always rendered to fit in `columns - 1` cells so it never wraps (writing the
 * last column makes some terminals wrap), and redrawn when the terminal is resized; permanent
 * lines (`log`) are printed above it. Not on a terminal (CI logs, pipes, files): every update is
 * its own full line, at most one per `minIntervalMs` (forced updates always print).
 */
export class ProgressLine {
  private lastPrint = 0;
  private live: Render | undefined;
  private readonly onResize = () => {
    if (this.live !== undefined) this.draw(this.live);
  };

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    private readonly minIntervalMs = 0,
  ) {}

  private get tty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** Cells a line may take: `columns - 1` on a terminal, undefined otherwise. */
  get width(): number | undefined {
    if (!this.tty) return undefined;
    const columns = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : FALLBACK_COLUMNS;
    return Math.max(1, columns - 1);
  }

  private static text(render: Render, width: number | undefined): string {
    return typeof render === 'string' ? render : render(width);
  }

  private draw(render: Render): void {
    this.stream.write(`${CLEAR_LINE}${ProgressLine.text(render, this.width)}`);
  }

  /** Replace the live line (terminal) or print a line (otherwise; rate-limited unless `force`). */
  update(render: Render, force = false): void {
    if (this.tty) {
      if (this.live === undefined) this.stream.on?.('resize', this.onResize);
      this.live = render;
      this.draw(render);
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPrint < this.minIntervalMs) return;
    this.lastPrint = now;
    this.stream.write(`${ProgressLine.text(render, undefined)}\n`);
  }

  /** Print a permanent line; on a terminal the live line is drawn again below it. */
  log(render: Render): void {
    if (this.tty && this.live !== undefined) this.stream.write(CLEAR_LINE);
    this.stream.write(`${ProgressLine.text(render, this.width)}\n`);
    if (this.tty && this.live !== undefined) this.draw(this.live);
  }

  /** End the live line (it stays on screen as a permanent line) and stop following resizes. */
  done(): void {
    if (this.tty && this.live !== undefined) {
      this.stream.write('\n');
      this.stream.off?.('resize', this.onResize);
    }
    this.live = undefined;
  }
}
