/**
 * The model addresses node-llama-cpp's downloader takes: `hf:owner/repo:quant`, `hf:owner/repo/path/file.gguf` (with
 * an optional `#branch`), and http(s) URLs. Anything else is a local path.
 */

const HF_PREFIXES = ['hf://', 'huggingface://', 'hf:', 'huggingface:'] as const;

/** Whether `text` is a Hugging Face URI or an http(s) URL rather than a file path. */
export function isModelUri(text: string): boolean {
  return huggingFacePart(text) !== null || httpUrl(text) !== null;
}

/**
 * The https URL a download of `uri` starts from, where it can be told without asking the network: an http(s) URL as
 * it is, an `hf:` URI naming a file as its `resolve` URL. Null for an `hf:owner/repo:quant` URI, which node-llama-cpp
 * resolves through the Hugging Face API.
 */
export function directUrl(uri: string, env: NodeJS.ProcessEnv = process.env): URL | null {
  const url = httpUrl(uri);
  if (url) return url;
  const rest = huggingFacePart(uri);
  if (rest === null) return null;
  const [owner, repo, ...path] = rest.split('/');
  if (!owner || !repo || repo.includes(':') || path.length === 0) return null;
  const [file = '', branch = 'main'] = path.join('/').split('#');
  const encodedPath = file.split('/').map(encodeURIComponent).join('/');
  return new URL(
    `${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/resolve/${encodeURIComponent(branch || 'main')}/${encodedPath}`,
    huggingFaceEndpoint(env),
  );
}

/** The file name at the end of a URI's path, e.g. `model.Q8_0.gguf`; null when it names no file. */
export function uriFileName(uri: string): string | null {
  const url = directUrl(uri, {});
  const last = url ? decodeURIComponent(url.pathname.split('/').pop() ?? '') : '';
  return /\.gguf$/i.test(last) ? last : null;
}

/** node-llama-cpp resolves `hf:` URIs against these, in this order; tests point them at a local server. */
function huggingFaceEndpoint(env: NodeJS.ProcessEnv): string {
  const configured = [env.MODEL_ENDPOINT, env.HF_ENDPOINT].find(
    (value) => value !== undefined && httpUrl(value) !== null,
  );
  const endpoint = configured ?? 'https://huggingface.co/';
  return endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
}

function huggingFacePart(text: string): string | null {
  const prefix = HF_PREFIXES.find((each) => text.toLowerCase().startsWith(each));
  if (!prefix) return null;
  const rest = text.slice(prefix.length);
  return /^[^/\s]+\/[^/\s]+/.test(rest) ? rest : null;
}

function httpUrl(text: string): URL | null {
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
