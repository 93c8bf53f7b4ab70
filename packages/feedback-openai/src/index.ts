import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { OpenaiFeedback } from './openai-feedback';
import { openaiFeedbackOptions } from './openai-feedback-options';

export { type ChatMessages, OpenaiFeedback } from './openai-feedback';
export { type OpenaiFeedbackOptions, openaiFeedbackOptions } from './openai-feedback-options';
export { DEFAULT_OPENAI_TEMPLATES, DEFAULT_SYSTEM_PROMPT } from './openai-templates';
export { toFeedbackError } from './to-feedback-error';

/** Plugin manifest of @trellis/feedback-openai. Registers nothing until `createModule` is called. */
export default definePlugin({
  id: 'feedback-openai',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { feedback: ['openai'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'feedback',
        id: 'openai',
        description:
          'Any OpenAI-compatible chat endpoint (vLLM, SGLang, llama.cpp, OpenAI, trellis serve) via the openai client.',
        optionsSchema: openaiFeedbackOptions,
        service: OpenaiFeedback,
      },
    ]),
});
