/** A tiny byte-free BPE tokenizer.json written by hand (test fixture). */
export const BPE_JSON = {
  version: '1.0',
  added_tokens: [
    { id: 0, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ],
  normalizer: null,
  pre_tokenizer: null,
  post_processor: null,
  decoder: { type: 'Fuse' },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    vocab: { '<s>': 0, '</s>': 1, a: 2, b: 3, c: 4, ' ': 5, ab: 6, abc: 7 },
    merges: ['a b', 'ab c'],
  },
};
