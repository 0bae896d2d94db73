import { describe, expect, it } from 'vitest';
import { timeLabel, timeTicks } from '../../src/renderer/src/components/chartData';

describe('the charts’ time axis', () => {
  it('labels every tick of a one-second run differently, with tenths of a second', () => {
    const splits = [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1];
    const labels = timeTicks(splits, 0.2);
    expect(labels).toEqual(['0:00.0', '0:00.2', '0:00.4', '0:00.6', '0:00.8', '0:01.0']);
    expect(new Set(labels).size).toBe(splits.length);
  });

  it('uses hundredths where ticks are that close, and whole seconds from a step of a second up', () => {
    expect(timeTicks([0.05, 0.1, 0.15], 0.05)).toEqual(['0:00.05', '0:00.10', '0:00.15']);
    expect(timeTicks([0, 15, 30, 45, 60], 15)).toEqual(['0:00', '0:15', '0:30', '0:45', '1:00']);
    expect(timeTicks([0, 1800, 3600, 5400], 1800)).toEqual(['0:00', '30:00', '1:00:00', '1:30:00']);
  });

  it('rounds a time to the decimals asked for, carrying into the seconds', () => {
    expect(timeLabel(59.96, 1)).toBe('1:00.0');
    expect(timeLabel(0.04, 1)).toBe('0:00.0');
    expect(timeLabel(125.5, 0)).toBe('2:06');
  });
});
