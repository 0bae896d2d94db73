export interface FeatureStep {
  feature: string;
  flags: string[];
}

export interface SelfCheckChild {
  status: number | null;
  signal: NodeJS.Signals | null;
}

export type SelfCheckVerdict = { next: 'done' } | { next: 'rebuild'; drop: string } | { next: 'fail'; reason: string };

export const FEATURE_STEPS: FeatureStep[];
export function afterSelfCheck(
  child: SelfCheckChild,
  dropped: readonly string[],
  platform?: { arch: string; os: string },
): SelfCheckVerdict;
export function featureFlags(dropped: readonly string[]): string[];
export function buildEnvironment(flags: readonly string[], env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export function runSelfCheck(gpu: string): SelfCheckChild & { output: string };
