import { inject, injectable, Tokens } from '@trellis/core';
import { loadHfPolicy } from './hf/load-hf-policy';
import { type HfPolicyOptions, hfPolicyOptions } from './hf-policy-options';
import { type ConcreteBackend, initBackend } from './init-backend';
import { PolicyFacade } from './policy-facade';

/**
 * Catalog service for `policy: hf`: a Llama / Qwen2 / Qwen3 checkpoint in the Hugging Face layout
 * (or random weights of an HF config), optionally trained through LoRA adapters.
 */
@injectable()
export class HfPolicyService extends PolicyFacade {
  /** The backend actually in use after `init()`. */
  backend: ConcreteBackend | undefined;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: HfPolicyOptions) {
    super();
  }

  override async init(): Promise<void> {
    const o = hfPolicyOptions.parse(this.options);
    this.backend = await initBackend(o.backend);
    this.inner = await loadHfPolicy({
      ...(o.checkpoint !== undefined ? { checkpoint: o.checkpoint } : {}),
      ...(o.random !== undefined ? { random: o.random } : {}),
      ...(o.maxContext !== undefined ? { maxContext: o.maxContext } : {}),
      chatTemplate: o.chatTemplate,
      ...(o.system !== undefined ? { system: o.system } : {}),
      templateVariables: o.templateVariables,
      ...(o.lora !== undefined ? { lora: o.lora } : {}),
      saveDtype: o.saveDtype,
      seed: o.seed,
      maxBatch: o.maxBatch,
    });
  }
}
