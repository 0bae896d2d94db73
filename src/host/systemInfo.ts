import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { getLlama, getLlamaGpuTypes, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { SystemInfo } from '#shared/contract';
import type { Backend } from '#shared/engine';

/**
 * The machine as the engine sees it. The backend list and the GPU's llama.cpp handle are looked up once per process:
 * finding them loads native code, while memory figures are read fresh on every call.
 */
export class SystemInspector {
  private backends: Promise<Backend[]> | null = null;
  private gpu: Promise<Llama | null> | null = null;

  async info(): Promise<SystemInfo> {
    const backends = await this.availableBackends();
    return {
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      totalMemoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      backends,
      gpu: await this.gpuInfo(backends[0] ?? 'cpu'),
    };
  }

  private availableBackends(): Promise<Backend[]> {
    this.backends ??= getLlamaGpuTypes('supported').then(
      (types): Backend[] => [...types.filter((type) => type !== false), 'cpu'],
      (): Backend[] => ['cpu'],
    );
    return this.backends;
  }

  private async gpuInfo(backend: Backend): Promise<SystemInfo['gpu']> {
    if (backend === 'cpu') return null;
    this.gpu ??= getLlama({ gpu: backend, build: 'never', logLevel: LlamaLogLevel.error }).catch(() => null);
    const llama = await this.gpu;
    if (!llama) return null;
    try {
      const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
      return { name: names[0] ?? backend, vramTotalBytes: vram.total, vramUsedBytes: vram.used };
    } catch {
      return null;
    }
  }
}
