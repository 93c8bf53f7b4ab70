import { Environment, Interpreter, Template } from '@huggingface/jinja';

/** One chat turn, as chat templates see it (`message.role`, `message.content`). */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Special-token strings a template refers to as `bos_token` / `eos_token` (empty string when absent). */
export interface ChatTemplateSpecials {
  readonly bosToken?: string;
  readonly eosToken?: string;
}

/** Options of {@link ChatTemplate.render}. */
export interface ChatRenderOptions {
  /** Set `add_generation_prompt` (end with the assistant header); default false. */
  readonly addGenerationPrompt?: boolean;
  /**
   * More template variables, e.g. `{ enable_thinking: false }` for Qwen3 or `{ date_string: '26 Jul 2024' }`
   * for Llama 3.x. They may replace `bos_token`, `eos_token`, `tools`, `raise_exception` and `strftime_now`,
   * but not `messages` or `add_generation_prompt`.
   */
  readonly extra?: Record<string, unknown>;
}

/** Thrown inside rendering by the template's `raise_exception(message)`. */
class TemplateRaised extends Error {}

/** Python's `range(stop)` / `range(start, stop[, step])`. */
function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Python's `strftime` for the common directives, with C-locale (English) names, independent of the
 * host locale: `%Y %y %m %d %e %j %H %I %M %S %p %b %B %h %a %A %%`; other directives stay as written.
 */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const startOfYear = new Date(date.getFullYear(), 0, 1);
  const dayOfYear = Math.floor((date.getTime() - startOfYear.getTime()) / 86_400_000) + 1;
  const h12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  const month = MONTHS[date.getMonth()] as string;
  const day = DAYS[date.getDay()] as string;
  const values: Record<string, string> = {
    Y: String(date.getFullYear()),
    y: pad(date.getFullYear() % 100),
    m: pad(date.getMonth() + 1),
    d: pad(date.getDate()),
    e: String(date.getDate()).padStart(2, ' '),
    j: pad(dayOfYear, 3),
    H: pad(date.getHours()),
    I: pad(h12),
    M: pad(date.getMinutes()),
    S: pad(date.getSeconds()),
    p: date.getHours() < 12 ? 'AM' : 'PM',
    b: month.slice(0, 3),
    h: month.slice(0, 3),
    B: month,
    a: day.slice(0, 3),
    A: day,
    '%': '%',
  };
  return format.replace(/%(.)/g, (whole, d: string) => values[d] ?? whole);
}

/**
 * A Hugging Face chat template (the jinja source of `tokenizer_config.json` `chat_template` or
 * `chat_template.jinja`), rendered with `@huggingface/jinja` in the environment transformers gives
 * templates: `messages`, `bos_token`, `eos_token`, `add_generation_prompt`, `tools` (null),
 * `raise_exception(msg)` and `strftime_now(format)`.
 */
export class ChatTemplate {
  /** The jinja source. */
  readonly source: string;
  /** What errors call the template (a file path or model name). */
  readonly name: string;
  private readonly template: Template;
  private readonly specials: ChatTemplateSpecials;

  /**
   * @param source jinja source of the template
   * @param specials `bos_token` / `eos_token` strings
   * @param name where the template came from, used in error messages
   * @throws when the source does not parse (the message names `name`)
   */
  constructor(source: string, specials: ChatTemplateSpecials, name = 'chat template') {
    this.source = source;
    this.name = name;
    this.specials = specials;
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new Error(`${name}: cannot parse chat template (${(e as Error).message})`, { cause: e });
    }
  }

  /**
   * Render `messages` to the prompt text the model was trained on.
   * @throws when the template calls `raise_exception` (its message, prefixed with {@link name}) or fails
   */
  render(messages: readonly ChatMessage[], options: ChatRenderOptions = {}): string {
    const vars: Record<string, unknown> = {
      // The globals `@huggingface/jinja`'s Template.render sets, declared here so that they can be replaced.
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
      range,
      bos_token: this.specials.bosToken ?? '',
      eos_token: this.specials.eosToken ?? '',
      tools: null,
      raise_exception: (message: unknown) => {
        throw new TemplateRaised(String(message));
      },
      strftime_now: (format: unknown) => strftime(new Date(), String(format)),
      ...options.extra,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    };
    let out: unknown;
    try {
      const env = new Environment();
      for (const [key, value] of Object.entries(vars)) env.set(key, value);
      out = new Interpreter(env).run(this.template.parsed).value;
    } catch (e) {
      if (e instanceof TemplateRaised) throw new Error(`${this.name}: ${e.message}`, { cause: e });
      throw new Error(`${this.name}: cannot render chat template (${(e as Error).message})`, { cause: e });
    }
    if (typeof out !== 'string') throw new Error(`${this.name}: chat template rendered ${typeof out}, not a string`);
    return out;
  }

  /**
   * A task prompt as one user turn (after an optional system turn), followed by the generation prompt.
   * @param extra more template variables, as in {@link ChatRenderOptions.extra}
   */
  formatPrompt(prompt: string, system?: string, extra?: Record<string, unknown>): string {
    const messages: ChatMessage[] = system === undefined ? [] : [{ role: 'system', content: system }];
    messages.push({ role: 'user', content: prompt });
    return this.render(messages, { addGenerationPrompt: true, ...(extra !== undefined ? { extra } : {}) });
  }
}
