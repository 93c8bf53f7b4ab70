import { readFile } from 'node:fs/promises';
import { ConfigError, formatIssues, z } from '@trellis/core';
import { parse as parseYaml } from 'yaml';
import type { ChatMessage } from './request-schemas';

/**
 * How chat messages become one prompt. Each message is its role's line with `{content}` replaced
 * by the message text (verbatim, newlines included); `developer` messages use `system`. The
 * prompt is `prefix`, then every message, then `generation` (the start of the assistant turn the
 * model completes). `stop` sequences end every chat reply and are cut from it.
 */
export interface ChatTemplate {
  readonly prefix: string;
  readonly system: string;
  readonly user: string;
  readonly assistant: string;
  readonly generation: string;
  readonly stop: readonly string[];
}

/**
 * The template used when none is given (checkpoints carry no chat template). Printable ASCII and
 * newline only:
 *
 * ```text
 * System: <system message>
 * User: <user message>
 * Assistant: <assistant message>
 * User: <user message>
 * Assistant: <- the model writes from here, and stops at "\nUser:"
 * ```
 */
export const DEFAULT_CHAT_TEMPLATE: ChatTemplate = {
  prefix: '',
  system: 'System: {content}\n',
  user: 'User: {content}\n',
  assistant: 'Assistant: {content}\n',
  generation: 'Assistant: ',
  stop: ['\nUser:'],
};

const withContent = z.string().includes('{content}', { message: 'must contain {content}' });

/** Schema of a `--chat-template` file (YAML or JSON); keys left out keep their default. */
export const chatTemplateFile = z.strictObject({
  prefix: z.string().optional(),
  system: withContent.optional(),
  user: withContent.optional(),
  assistant: withContent.optional(),
  generation: z.string().optional(),
  stop: z.array(z.string().min(1)).max(4).optional(),
});

/** Render `messages` into the prompt string the model completes. */
export function renderChat(template: ChatTemplate, messages: readonly ChatMessage[]): string {
  let out = template.prefix;
  for (const m of messages) {
    const line = m.role === 'user' ? template.user : m.role === 'assistant' ? template.assistant : template.system;
    const content = typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
    out += line.replaceAll('{content}', () => content);
  }
  return out + template.generation;
}

/** Read a `--chat-template` file (see {@link chatTemplateFile}); bad files throw a `ConfigError`. */
export async function loadChatTemplate(path: string): Promise<ChatTemplate> {
  let data: unknown;
  try {
    data = parseYaml(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read chat template (${(e as Error).message})`, path);
  }
  const parsed = chatTemplateFile.safeParse(data);
  if (!parsed.success) throw new ConfigError(formatIssues(chatTemplateFile, parsed.error.issues).join('; '), path);
  const set = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_CHAT_TEMPLATE, ...set };
}
