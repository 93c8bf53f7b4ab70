/**
 * Set by `trellis sweep` and `trellis worker` on the `trellis run` processes they start: the pid
 * of the process that started them.
 */
export const PARENT_PID_ENV = 'TRELLIS_PARENT_PID';

/**
 * When started by a sweep or a worker (PARENT_PID_ENV set), stop this process the way `kill`
 * would (SIGTERM: a run says how to resume and exits 143, its checkpoints intact) as soon as that
 * parent is gone, however it died (SIGKILL included). Linux re-parents an orphan, so a changed
 * `process.ppid` means the parent died. Checked every `intervalMs`; the timer never keeps the
 * process alive. Returns a function that stops watching.
 */
export function watchParent(env: NodeJS.ProcessEnv = process.env, intervalMs = 500): () => void {
  const raw = env[PARENT_PID_ENV];
  const parent = raw === undefined ? Number.NaN : Number(raw);
  // Processes this one starts have another parent: they must not inherit the watch.
  delete env[PARENT_PID_ENV];
  if (!Number.isSafeInteger(parent) || parent <= 0) return () => {};
  const check = () => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  check();
  return () => clearInterval(timer);
}
