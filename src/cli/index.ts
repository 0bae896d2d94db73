// The version is built into the bundle, so it holds wherever the bundle is run from.
import { version } from '../../package.json';
import { parseCommandLine, UsageError, type CommandLine } from './args';
import { EXIT, type ExitCode } from './exitCodes';
import { HELP } from './help';
import { startModelProbe } from './modelProbe';
import { reportError } from './reportError';

async function main(argv: readonly string[]): Promise<ExitCode> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError && error.showHelp) process.stderr.write(`${HELP}\n\n`);
    // The command line could not be read, so --json is honoured wherever it appears.
    return reportError(error, argv.includes('--json'));
  }
  switch (commandLine.command) {
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return EXIT.ok;
    case 'version':
      process.stdout.write(`${version}\n`);
      return EXIT.ok;
  }
  if (commandLine.command === 'models' || commandLine.command === 'verify' || commandLine.command === 'merge') {
    try {
      if (commandLine.command === 'merge')
        return await (await import('./commands/merge')).runMerge(commandLine.options);
      return commandLine.command === 'models'
        ? await (await import('./commands/models')).runModels(commandLine.options)
        : await (await import('./commands/verify')).runVerify(commandLine.options);
    } catch (error) {
      return reportError(error, commandLine.options.json);
    }
  }
  if (
    commandLine.command === 'index' ||
    commandLine.command === 'neighbours' ||
    commandLine.command === 'duplicates' ||
    commandLine.command === 'export-map'
  ) {
    try {
      if (commandLine.command === 'export-map')
        return await (await import('./commands/exportMap')).runExportMap(commandLine.options);
      const explore = await import('./commands/explore');
      if (commandLine.command === 'index') return await explore.runIndex(commandLine.options);
      if (commandLine.command === 'neighbours') return await explore.runNeighbours(commandLine.options);
      return await explore.runDuplicates(commandLine.options);
    } catch (error) {
      return reportError(error, commandLine.options.json);
    }
  }
  const probe = startModelProbe({ model: commandLine.options.model ?? '', gpu: commandLine.options.gpu });
  try {
    // Loaded only when needed: node-llama-cpp takes a second to load, which --help and usage errors need not wait for.
    if (commandLine.command === 'embed')
      return await (await import('./commands/embed')).runEmbed(commandLine.options, probe.launch);
    if (commandLine.command === 'search')
      return await (await import('./commands/search')).runSearch(commandLine.options, probe.launch);
    return await (await import('./commands/info')).runInfo(commandLine.options, probe.launch);
  } catch (error) {
    return reportError(error, commandLine.options.json);
  } finally {
    probe.dispose();
  }
}

process.exitCode = await main(process.argv.slice(2));
