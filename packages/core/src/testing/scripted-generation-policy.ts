import type { LogProbOutput, Policy } from '../policy/policy';
import type { GenerationRequest, GenerationResult, SamplingParams } from '../records/generation';
import type { Tokenizer } from '../tokenizer/tokenizer';

const ALPHABET = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;

/** Test-only tokenizer: 0 PAD, 1 BOS, 2 EOS, then newline and printable ASCII, one id per character. */
export const asciiTokenizer: Tokenizer = {
  vocabSize: ALPHABET.length + 3,
  bosId: 1,
  eosId: 2,
  padId: 0,
  encode: (text) =>
    Array.from(text, (c) => {
      const i = ALPHABET.indexOf(c);
      if (i < 0) throw new Error(`asciiTokenizer: character ${JSON.stringify(c)} is not printable ASCII`);
      return i + 3;
    }),
  decode: (ids) =>
    ids
      .filter((i) => i >= 3)
      .map((i) => ALPHABET[i - 3])
      .join(''),
  toJSON: () => ({ kind: 'ascii' }),
};

/** What a scripted reply sees: the request, its index in the `generate` call, and the call number. */
export interface ScriptedReplyInput {
  readonly request: GenerationRequest;
  readonly index: number;
  readonly call: number;
  readonly sampling: SamplingParams;
}

/**
 * Test-only policy for rollout strategies: `generate` answers each request with its prefill (when
 * given, forced, `prefillLength` set) followed by `reply(...)`, cut to `maxNewTokens` characters;
 * behaviour log-probs are -1 per token; it records every call. It cannot score or train.
 */
export class ScriptedGenerationPolicy implements Policy {
  readonly tokenizer = asciiTokenizer;
  readonly calls: { requests: readonly GenerationRequest[]; sampling: SamplingParams }[] = [];

  constructor(
    private readonly reply: (input: ScriptedReplyInput) => string,
    readonly maxContext = 4096,
  ) {}

  encodePrompt(prompt: string): number[] {
    return [asciiTokenizer.bosId as number, ...asciiTokenizer.encode(prompt)];
  }

  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    const call = this.calls.length;
    this.calls.push({ requests, sampling });
    return requests.map((request, index) => {
      const prefill = request.prefill ?? '';
      const sampled = this.reply({ request, index, call, sampling }).slice(0, sampling.maxNewTokens);
      const completionIds = [...asciiTokenizer.encode(prefill), ...asciiTokenizer.encode(sampled)];
      return {
        promptIds: this.encodePrompt(request.prompt),
        completionIds,
        text: prefill + sampled,
        logProbs: completionIds.map(() => -1),
        prefillLength: prefill.length,
        temperature: sampling.greedy ? 1 : sampling.temperature,
        finishReason: 'eos',
      };
    });
  }

  logProbs(): LogProbOutput {
    throw new Error('ScriptedGenerationPolicy cannot score tokens');
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
