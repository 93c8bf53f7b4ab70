import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE, loadChatTemplate, renderChat } from './chat-template';

const fixture = fileURLToPath(new URL('../../test/fixtures/serve/chat-template.yaml', import.meta.url));

describe('chat templates', () => {
  it('the default template renders role lines and an open assistant turn, in printable ASCII + newline only', () => {
    const prompt = renderChat(DEFAULT_CHAT_TEMPLATE, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4' },
      {
        role: 'developer',
        content: [
          { type: 'text', text: 'Now ' },
          { type: 'text', text: 'harder.' },
        ],
      },
      { role: 'user', content: '3*3?' },
    ]);
    expect(prompt).toBe('System: Be brief.\nUser: What is 2+2?\nAssistant: 4\nSystem: Now harder.\nUser: 3*3?\nAssistant: ');
    const text = Object.values(DEFAULT_CHAT_TEMPLATE).flat().join('');
    expect(text).toMatch(/^[\n\x20-\x7e]*$/);
    expect(DEFAULT_CHAT_TEMPLATE.stop).toEqual(['\nUser:']);
  });

  it('content is inserted verbatim ($ patterns and {content} inside content are not expanded)', () => {
    expect(renderChat(DEFAULT_CHAT_TEMPLATE, [{ role: 'user', content: "$& $' {content}" }])).toBe(
      "User: $& $' {content}\nAssistant: ",
    );
  });

  it('a template file sets some keys; the others keep the default', async () => {
    const t = await loadChatTemplate(fixture);
    expect(t).toEqual({
      ...DEFAULT_CHAT_TEMPLATE,
      prefix: '### Chat\n',
      user: 'Q: {content}\n',
      assistant: 'A: {content}\n',
      generation: 'A:',
      stop: ['\nQ:'],
    });
    expect(
      renderChat(t, [
        { role: 'system', content: 's' },
        { role: 'user', content: 'hi' },
      ]),
    ).toBe('### Chat\nSystem: s\nQ: hi\nA:');
  });

  it('bad template files are config errors naming the file and the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-chat-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    await expect(loadChatTemplate(write('unknown.yaml', 'usr: "x {content}"\n'))).rejects.toThrow(/unknown\.yaml: .*usr/);
    await expect(loadChatTemplate(write('nocontent.yaml', 'user: "User:"\n'))).rejects.toThrow(/user.*must contain \{content\}/);
    await expect(loadChatTemplate(join(dir, 'missing.yaml'))).rejects.toBeInstanceOf(ConfigError);
  });
});
