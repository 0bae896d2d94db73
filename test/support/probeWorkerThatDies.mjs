// A stand-in for src/core/modelProbeWorker.ts whose process really dies by a signal, as llama.cpp's does on a CPU
// feature it cannot use: the local build dies by SIGILL in the batched engine; node-llama-cpp's prebuilt binary embeds,
// unless the model's name says it dies everywhere (then SIGSEGV there too).
const [path, , binary] = process.argv.slice(-3);
const send = (message) => new Promise((resolve) => process.send(message, resolve));

if (binary === 'auto') {
  await send({ step: { buildType: 'localBuild' } });
  await send({ step: { engine: 'batched' } });
  process.stderr.write('ggml_compute_forward: illegal instruction\n');
  process.kill(process.pid, 'SIGILL');
} else if (path.includes('everywhere')) {
  await send({ step: { buildType: 'prebuilt' } });
  await send({ step: { engine: 'contexts' } });
  process.kill(process.pid, 'SIGSEGV');
} else {
  await send({ step: { buildType: 'prebuilt' } });
  await send({ step: { engine: 'contexts' } });
  await send({ report: { ok: true } });
  process.exit(0);
}
