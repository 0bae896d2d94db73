import { DEFAULT_BATCH_CONFIG } from '#core/batchProcessor';
import { CALIBRATION_ROWS } from '#core/output/precision';
import { DEFAULT_MAX_CONTEXT, GPU_CHOICES, LONG_TEXT_POLICIES, NORMALIZATIONS, OUTPUT_FORMATS } from '#shared/engine';
import { EXPLORE_DEFAULTS, LIMITS } from '#shared/limits';
import { DEFAULT_MAP_NEIGHBORS } from '#shared/outputMap';
import { wordList } from './format';

const range = (limits: { min: number; max: number }): string => `${limits.min}-${limits.max}`;

/** The whole help text; README.md shows it verbatim under "## Command line". */
export const HELP = `Embedding Studio: embed large text files with a local GGUF embedding model.

Usage:
  embedding-studio embed --model <model> --input <path> --output <file>
  embedding-studio info --model <model>
  embedding-studio search --embeddings <file> --query <text>
  embedding-studio index --embeddings <file>
  embedding-studio neighbours --embeddings <file> --line <n>
  embedding-studio duplicates --embeddings <file>
  embedding-studio export-map --embeddings <file> --output <file>
  embedding-studio verify <output> ... [--input <file>]
  embedding-studio merge --output <file> <output> ...
  embedding-studio models list | pull <model> | rm <name>
  embedding-studio --help | --version

In a checkout, run it as npx embedding-studio <command> [options] (npm ci
builds it), or as npm run -s cli -- <command> [options], which rebuilds it
first when its source has changed.
The summary goes to stdout; progress (on a terminal) and errors to stderr.

Commands:
  embed       Embed every line of --input (or every document of a folder)
              and write the vectors to --output
  info        Load a model and describe it: dimensions, pooling, context, backend
  search      Find the rows of an embed output nearest in meaning to a text
  index       Build the index of an embed output, which makes search fast
  neighbours  Find the rows of an embed output nearest to one of its rows
  duplicates  Find groups of rows of an embed output alike in meaning
  export-map  Write the map of an embed output (2D places, clusters and
              neighbours) as Parquet that Embedding Atlas opens
  verify      Check that the outputs of the shards of one input (see
              --shard) hold every line of it exactly once
  merge       Merge the outputs of the shards of one input into one output
  models      List, download and remove models in the models folder

Options for embed:
  --model <model>        GGUF embedding model: a .gguf file; a model in the
                         models folder by the name models list shows (.gguf
                         may be left out); or a catalog name, hf: URI or URL,
                         downloaded into the models folder first. A file that
                         exists wins, then a model in the folder
  --input <path>         Text file, one text per line; .jsonl and .ndjson
                         files: one JSON object per line (see --field); or a
                         folder of documents (see Documents below)
  --output <file>        Embeddings file (a LanceDB table folder for .lance);
                         refused if it exists (see --overwrite)
  --format <format>      ${wordList(OUTPUT_FORMATS, 'or')} (default: the --output extension)
  --field <name>         Read --input as JSON Lines and embed this field, which
                         may be a dotted path (default for .jsonl: text); for a
                         folder, the field of its .jsonl files and the column
                         of its .csv files (default: text)
  --glob <glob>          The files of a folder --input to read, by their path
                         in it: * ? [abc] {a,b} and ** for any folders, e.g.
                         '**/*.md' (default: every file of a kind read)
  --prefix <text>        Put before every text, e.g. "search_document: "
  --normalize <how>      ${wordList(NORMALIZATIONS, 'or')} (default: l2)
  --dimensions <n>       Keep the first n dimensions of each vector, at most the
                         model's, then normalize (Matryoshka; warns for a model
                         not known to be trained for it; default: all)
  --precision <type>     Numbers each vector is stored as: float32, float16,
                         int8 or uint8 (each dimension scaled by its range over
                         the first ${CALIBRATION_ROWS} rows), binary or ubinary (a bit per
                         dimension, set where it is above 0, 8 to a byte;
                         dimensions a multiple of 8) (default: float32)
  --on-long <policy>     Texts longer than the context (default: truncate):
                         ${wordList(LONG_TEXT_POLICIES, 'or')}. chunk cuts
                         every text into chunks of --chunk-tokens at a sentence
                         or word end, each a row with its chunk number and
                         place in the line (char_start, char_end); mean writes
                         a row a line, the token-weighted mean of its chunks
  --chunk-tokens <n>     Tokens of a chunk with chunk and mean, special tokens
                         included, ${range(LIMITS.chunkTokens)} (default: what the context
                         holds, --context-size less one)
  --chunk-overlap <n>    Tokens a chunk repeats of the one before, less than
                         a chunk's tokens of text (default: a tenth of
                         --chunk-tokens, rounded down)
  --context-size <n>     Tokens per text, ${range(LIMITS.contextSize)} (default: the model's
                         training context, at most ${DEFAULT_MAX_CONTEXT})
  --batch-size <n>       Texts per batch, ${range(LIMITS.batchSize)} (default: ${DEFAULT_BATCH_CONFIG.batchSize})
  --threads <n>          CPU threads, ${range(LIMITS.threads)} (default: every core)
  --gpu <backend>        ${wordList(GPU_CHOICES, 'or')} (default: auto)
  --memory-limit <MiB>   Stop the run if the process uses more memory than this
  --stop-on-error        Stop at a line that fails to embed (default: log it in
                         the skip log and go on)
  --overwrite            Replace --output (and an unfinished run of it) if it
                         exists; only regular files are ever replaced
  --resume               Continue the unfinished run of --output (one that
                         failed, was stopped or killed) after its last saved
                         line; refused if the input, model or options differ.
                         Without one, start from the first line
  --shard <K/N>          Embed only shard K of N of --input (K from 0 to N-1):
                         the lines whose number minus 1 divided by N leaves K,
                         numbered as in the whole file. Each shard has its
                         own --output; verify checks the set, merge makes
                         it one output, and a Parquet set is one table to
                         DuckDB, Polars and Spark
  --reuse <output>       An earlier output of embed (.jsonl, .npy or .parquet;
                         a shard's or a merged one) made with the same model and
                         options: a line whose text it has a row for gets
                         that row, its numbers copied, and only the other
                         lines are embedded (the summary says how many of
                         each). Refused, saying what differs, for another
                         model or option that shapes the vectors, and for
                         an output of --on-long chunk; int8 and uint8 rows
                         are all scaled by its ranges
  --json                 Print the summary as one JSON object on stdout
  --models-dir <dir>     The models folder (see Models below)

Documents (a folder as --input):
  Its files (hidden ones and links left out) are read in the order of their
  paths: .txt, .md and .markdown as they are, .html and .htm as their visible
  text, .pdf as the text of each page, .jsonl and .ndjson records by --field,
  .csv records by the column --field names in the header. Each document is
  cut into chunks (--on-long chunk; another policy is refused) at paragraph,
  sentence or word ends; each chunk is a row with its document's "line" (its
  number in that order), "source" (its path in the folder), "page" (a PDF's
  page, a record's number; null for others), "chunk" and its char_start and
  char_end in that document's (page's, record's) text. A file that cannot be
  read (binary, not UTF-8, encrypted or image-only PDF) is a line of the skip
  log saying why; the run goes on. --resume continues within a document.
  search reads a folder's .jsonl and .parquet outputs, not its .npy ones
  (exit 2); verify and merge refuse it (no shards)

Options for info:
  --model <model>        The model to describe, as for embed
  --context-size <n>, --threads <n>, --gpu <backend>, --models-dir <dir>
                         As for embed; they change what info reports
  --json                 Print the model info as one JSON object on stdout

Options for search:
  --embeddings <file>    An output of embed (.jsonl, .npy, .parquet or .lance)
                         with its <output>.run.json, which says what made it
  --query <text>         The text to search for, embedded as the run embedded
                         its lines (normalization, dimensions, precision)
  --model <model>        The model that made --embeddings, as for embed
                         (default: the model file the run recorded, at its path
                         or by its file name in the models folder); another
                         model is refused, saying what differs
  --query-prefix <text>  Put before the query (default: none). Retrieval
                         models want their query prefix, e.g. "query: " or
                         "search_query: " (see the catalog in models list)
  --top <n>              Results, best first, ${range(LIMITS.top)} (default: ${EXPLORE_DEFAULTS.top})
  --exact                Read every row even where the index is there
  --threads <n>, --gpu <backend>, --models-dir <dir>
                         As for embed
  --json                 Print {"results": [{"line", "score", "text"}, ...]}
                         (an output of chunks adds "chunk", "char_start" and
                         "char_end": where the chunk is in its line's text;
                         one of a folder "source" and "page" before them)
  Each result is a line: its input line (line:chunk for an output of
  --on-long chunk; source p.page:chunk for a folder's), its score and its
  text (the chunk's). The score is the cosine similarity of the row and
  the query (int8, uint8: of the values their steps stand for, the query
  scaled by the run's ranges; binary, ubinary: of the query and the row's
  bits as +1 and -1).
  Where <output>.index is there and was built from the output as it is, the
  search asks it (approximate: see Benchmark in the README); else it reads
  every row of --embeddings once, and says so when the index is stale. .npy
  output holds no texts: they are read from the run's input

Options for index:
  --embeddings <file>    An output of embed, as for search
  --json                 Print what <output>.index.json says as one JSON object
  Writes <output>.index (HNSW, cosine, f16) and <output>.index.json (what it
  was built from), replacing them; Ctrl-C stops it, leaving no half index

Options for neighbours:
  --embeddings <file>    An output of embed, as for search
  --line <n>             The input line of the row whose neighbours to find
  --chunk <n>            In an output of --on-long chunk: which chunk of the
                         line, from 0 (default: 0)
  --page <n>             In an output of a folder: which page (or record) of
                         the document (--line), 0 for none (default: 0)
  --top <n>, --exact, --json
                         As for search (the row itself is left out)

Options for duplicates:
  --embeddings <file>    An output of embed, as for search
  --threshold <x>        Cosine similarity from which rows are alike, ${range(LIMITS.threshold)}
                         (default: ${EXPLORE_DEFAULTS.threshold})
  --groups <file>        Write the groups as JSON Lines, one group a line
  --keep <file>          Write the rows to keep, one a line: the first of each
                         group and every row in none
  --json                 Print {"groups": [{"lines", "min_score", "exact"}, ...]}
  Rows of the same text form groups first ("exact": true), then rows at least
  --threshold alike among each row's 16 nearest in the index (the output's own,
  else one built in memory), joined pair by pair; min_score is the lowest
  similarity among the pairs that joined a group. In an output of --on-long
  chunk a row is a chunk: it is printed and kept as line:chunk, and a group
  has "chunks" beside its "lines"; in an output of a folder, line:page:chunk
  (page 0: a document without pages) and "pages" too

Options for export-map:
  --embeddings <file>    An output of embed, as for search
  --output <file>        The Parquet file to write; refused if it exists (see
                         --overwrite)
  --neighbors <n>        Nearest rows listed for each row, ${range(LIMITS.top)}
                         (default: ${DEFAULT_MAP_NEIGHBORS})
  --overwrite            Replace --output if it exists
  --json                 Print {"output", "rows", "clusters", "seconds"}
  One row per row of --embeddings, in its order: line (and chunk, char_start,
  char_end in an output of --on-long chunk), text, projection_x,
  projection_y, cluster, cluster_label and neighbors {ids, distances}, whose
  ids are zero-based row numbers of this file (as Embedding Atlas wants) and
  distances cosine distances, nearest first. The map (UMAP of a sample of at
  most 10,000 rows, the others placed by their nearest sampled rows; k-means
  clusters named by their most distinctive words) is kept in <output>.map.json
  and made again when the output changes. Open it with:
    embedding-atlas map.parquet --text text --x projection_x --y projection_y
      --neighbors neighbors

Options for verify:
  <output> ...           The outputs of the shards (any format), each with its
                         <output>.run.json and skip log
  --input <file>         The input, to count its lines and check that it is
                         the one the shards were made from (default: the
                         shards' run records tell how many lines it has)
  --json                 Print the report as one JSON object: ok, lines,
                         parts, missing and twice (ranges of lines),
                         missingShards, doubledShards, problems
  Exits 0 when every line is exactly once, as a row or in a skip log, across
  shards of one input made with one model and the same options; else 7

Options for merge:
  <output> ...           The outputs of the shards, checked first as verify
                         checks them: nothing is written unless every line is
                         exactly once (else exit 7, with verify's report)
  --output <file>        The merged output: the shards' rows in line order,
                         their numbers copied as stored (same precision), with
                         <output>.skipped.jsonl and <output>.run.json (counts
                         summed, no shard); refused if it exists (see
                         --overwrite). int8 and uint8 shards each calibrate
                         their own ranges: merged only where they are equal
  --format <format>      ${wordList(OUTPUT_FORMATS, 'or')} (default: the --output extension);
                         .npy shards (no texts or tokens) merge only into .npy,
                         and JSON Lines and LanceDB shards (no processing
                         times) into Parquet with processing_time_ms 0
  --input <file>         As for verify
  --overwrite            Replace an existing merged output
  --json                 Print verify's report as one JSON object, with merged
                         (paths, format, rows, skipped; null when refused)

Models:
  models list            The models in the models folder, incomplete
                         downloads, and the catalog of models to download
  models pull <model>    Download a catalog model (e.g. bge-small-en-v1.5), an
                         hf: URI (hf:owner/repo/file.gguf, hf:owner/repo:Q8_0)
                         or an http(s) URL. A download stopped by Ctrl-C or a
                         lost connection keeps what it fetched: pulling the
                         same model again resumes it
  models rm <name>       Delete a model that models list shows (by its name,
                         .gguf may be left out, or its catalog name), or an
                         incomplete download, from the models folder. Nothing
                         else there is deleted: another file, a folder or a
                         link is refused (exit 3), and so is a path (exit 2)
  --models-dir <dir>     The models folder (default: the one chosen in the
                         app, else models in the app's user-data folder, e.g.
                         ~/.config/embedding-studio/models on Linux)
  --json                 Print the result as one JSON object on stdout

Files written by embed:
  <output>               The embeddings, in input line order; .npy output also
                         writes <name>.lines.npy, the input line of each row
                         (with --on-long chunk or mean, <name>.rows.npy: the
                         line, chunk, char_start and char_end of each row, or
                         its line and chunks; for a folder, <name>.rows.npy:
                         line, page (0: none), chunk, char_start, char_end,
                         and <name>.sources.jsonl: the source of each line)
  <output>.skipped.jsonl One {"line", "reason", "detail"} per line not embedded
                         (blank, invalid, too long, failed ...); for a
                         folder, per document, page or record, with "source"
                         and "page"
  <output>.run.json      What made the output, written when every line is
                         done: the model file and its identity hash, the
                         options that shape the vectors, the input (and its
                         identity hash, and the shard of it), the counts;
                         a shard's run record is its manifest for verify
  *.partial              What an unfinished run (failed, stopped by Ctrl-C or
                         killed) wrote so far, flushed after every batch
                         (Parquet: every row group)
  <output>.checkpoint    How far the *.partial files go, for --resume; removed
                         when the run finishes
  embed writes only files it creates itself, never through a link, never the
  input; one in the way that is not its own is refused (see --overwrite)

Exit codes:
  0    Success
  1    Unexpected error (a bug)
  2    Bad command line: unknown or missing option, bad option value, a
       --line that is no row of --embeddings
  3    Bad input or model file: missing, unreadable, not a regular file,
       not GGUF, not an embedding model, damaged or unsupported (llama.cpp
       crashed on it); for search, neighbours and duplicates, --embeddings
       without a usable run record, or with an index that cannot be read, or
       a model that is not the one that made it; for embed, a --reuse output
       that cannot be reused (damaged, no run record, made otherwise)
  4    Output problem: output exists, is the input, is not a regular file,
       folder missing or not writable, disk full, an unfinished run that
       --resume cannot continue, a checkpoint that cannot be read
  5    The run failed: nothing embedded (an empty input, or every line
       skipped: the error says why, the skip log lists each line), an
       embedding error with --stop-on-error, a text too long with --on-long
       fail, the memory limit, the input file changed or deleted during the run
       (for search of a .npy output: since the run, its texts being read
       from it)
  6    A download failed: network error, model not found (404), connection
       lost
  7    verify, merge: the shards do not hold every line exactly once (what
       is missing or twice is listed), or merge: int8 or uint8 shards
       calibrated differently
  130  Stopped by Ctrl-C: the first one stops cleanly, keeping what is done
       for --resume; a second quits at once`;
