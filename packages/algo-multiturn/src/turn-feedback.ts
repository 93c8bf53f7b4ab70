import { type FeedbackClient, type FeedbackResult, feedbackRequest, type Problem } from '@trellis/core';

/** One prompt's feedback for a regeneration turn, with what it cost. */
export interface TurnFeedback {
  /** The merged feedback; undefined when no critique came back. */
  readonly text: string | undefined;
  /** Feedback requests made (critiques plus the merge). */
  readonly calls: number;
  /** Requests whose answer had gold-answer spans (redacted, allowed or rejected by the guard). */
  readonly leaks: number;
  /** Requests that produced no feedback (error, timeout, rejected, unsupported). */
  readonly failures: number;
}

/** Settings of {@link turnFeedback}. */
export interface TurnFeedbackOptions {
  /** Failed attempts per critique call. */
  readonly chunkSize: number;
  /** Provider name; default: the service's choice per kind. */
  readonly provider?: string;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * MulFeRL's feedback for a failed group, through the guarded feedback service: the failed
 * attempts are critiqued in chunks of `chunkSize` (one `critique` call per chunk, concurrently),
 * then one `merge` call combines the critiques into a single feedback. No merge is needed for a
 * single critique; when the merge fails, the first critique is used. Failed or empty critiques are
 * skipped; with none left the text is undefined. Gold answers reach only the guard.
 */
export async function turnFeedback(
  problem: Problem,
  attempts: readonly string[],
  client: FeedbackClient,
  options: TurnFeedbackOptions,
): Promise<TurnFeedback> {
  const call = options.provider === undefined ? {} : { provider: options.provider };
  const results: FeedbackResult[] = await Promise.all(
    chunks(attempts, options.chunkSize).map((chunk) =>
      client.request(feedbackRequest(problem, 'critique', { attempts: chunk.map((text) => ({ text })) }), call),
    ),
  );
  const critiques = results.flatMap((r) => (r.ok && r.feedback.text.trim() !== '' ? [r.feedback.text] : []));
  let text = critiques.length > 0 ? critiques[0] : undefined;
  if (critiques.length > 1) {
    const merged = await client.request(feedbackRequest(problem, 'merge', { feedbacks: critiques }), call);
    results.push(merged);
    if (merged.ok && merged.feedback.text.trim() !== '') text = merged.feedback.text;
  }
  return {
    text,
    calls: results.length,
    leaks: results.filter((r) => (r.ok ? r.leaks > 0 : r.reason === 'leak')).length,
    failures: results.filter((r) => !r.ok).length,
  };
}
