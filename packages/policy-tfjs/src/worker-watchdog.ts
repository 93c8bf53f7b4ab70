import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

/** Index in a slot's shared flag array set to 1 by the watchdog once that worker is gone. */
export const DEAD_INDEX = 1;

/**
 * Thread body (CommonJS, run with `eval`): for each watched port, when its other end closes (the
 * policy worker's thread exited, threw, ran out of memory or was terminated), mark the slot dead
 * and wake whoever waits on the reply flag.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ port, flag }) => {
  port.on('close', () => {
    Atomics.store(flag, ${DEAD_INDEX}, 1);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  port.on('message', () => {});
});
`;

/**
 * Notices a policy worker's death while the main thread is blocked in `Atomics.wait`. A blocked
 * event loop never sees the worker's `exit` event, and a dead worker never sets its reply flag,
 * so without this a crash mid-call would block until the synchronous timeout. This small thread
 * holds one end of a "lifeline" channel per worker (the worker holds the other end and does
 * nothing with it); the channel closes when the worker's thread ends, and this thread then sets
 * the slot's dead mark and notifies the flag. It never keeps the process alive.
 */
export class WorkerWatchdog {
  private thread: Worker | undefined;

  /** A port to hand to a new worker (transfer it); `flag` is the worker's shared reply flag. */
  lifeline(flag: Int32Array): MessagePort {
    if (!this.thread) {
      this.thread = new Worker(SOURCE, { eval: true });
      this.thread.unref();
    }
    const channel = new MessageChannel();
    this.thread.postMessage({ port: channel.port1, flag }, [channel.port1]);
    return channel.port2;
  }

  async dispose(): Promise<void> {
    const t = this.thread;
    this.thread = undefined;
    await t?.terminate();
  }
}
