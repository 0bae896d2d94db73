import { LlamaVocabularyType, type LlamaModel, type Token } from 'node-llama-cpp';

/**
 * Turns a text's tokens into the model input: the tokens the tokenizer adds around a text ([CLS] and [SEP] for
 * WordPiece vocabularies) put around them exactly as node-llama-cpp's LlamaEmbeddingContext does, so that both engines
 * evaluate the same token sequence.
 */
export function modelInputFor(model: LlamaModel): (tokens: readonly Token[]) => Uint32Array {
  const first = beginningToken(model);
  const last = endToken(model);
  return (tokens) => {
    const addFirst = first !== null && tokens[0] !== first;
    const addLast = last !== null && tokens.at(-1) !== last;
    const input = new Uint32Array(tokens.length + Number(addFirst) + Number(addLast));
    if (addFirst) input[0] = first;
    input.set(tokens, Number(addFirst));
    if (addLast) input[input.length - 1] = last;
    return input;
  };
}

function beginningToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
    case LlamaVocabularyType.ugm:
      return null;
    case LlamaVocabularyType.wpm:
      return model.tokens.bos;
    default:
      return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }
}

function endToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
      return null;
    case LlamaVocabularyType.wpm:
      return model.tokens.sep;
    case LlamaVocabularyType.ugm:
      return model.tokens.eos;
    default:
      return model.tokens.shouldAppendEosToken ? model.tokens.eos : null;
  }
}
