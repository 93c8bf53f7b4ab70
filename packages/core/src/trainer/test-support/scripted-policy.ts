import type { LogProbOutput, Policy } from '../../policy/policy';
import type { GenerationRequest, GenerationResult, SamplingParams } from '../../records/generation';
import { TinyTokenizer } from './bigram-policy';

/**
 * Test-only policy whose `generate` answers each prompt with `reply(prompt)` and records every
 * call; the tokenizer is one id per printable ASCII character. It cannot be trained.
 */
export class ScriptedPolicy implements Policy {
  readonly tokenizer = new TinyTokenizer(`\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`);
  readonly calls: { requests: readonly GenerationRequest[]; sampling: SamplingParams }[] = [];

  constructor(
    private readonly reply: (prompt: string, request: GenerationRequest) => string,
    readonly maxContext = 4096,
  ) {}

  encodePrompt(prompt: string): number[] {
    return [this.tokenizer.bosId, ...this.tokenizer.encode(prompt)];
  }

  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    this.calls.push({ requests, sampling });
    return requests.map((r) => {
      const text = this.reply(r.prompt, r).slice(0, sampling.maxNewTokens);
      return {
        promptIds: this.encodePrompt(r.prompt),
        completionIds: this.tokenizer.encode(text),
        text,
        logProbs: Array.from(text, () => -1),
        prefillLength: 0,
        temperature: sampling.greedy ? 1 : sampling.temperature,
        finishReason: 'eos',
      };
    });
  }

  logProbs(): LogProbOutput {
    throw new Error('ScriptedPolicy cannot score tokens');
  }
  trainableVariables() {
    return [];
  }
  snapshot(): Policy {
    return this;
  }
  async save(): Promise<void> {}
  async load(): Promise<void> {}
  dispose(): void {}
}
