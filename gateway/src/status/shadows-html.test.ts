import { emptyAgreementCounts, summarizeAgreement } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { shadowsHtml } from './shadows-html.js';

describe('shadowsHtml', () => {
  it('shows each shadow with its calls, drops, errors, latency and agreement, and nothing without shadows', () => {
    const agreement = summarizeAgreement({ ...emptyAgreementCounts(), calls: 8, exact: 2, agreeing: 6, argmaxRows: 8, argmaxAgreeingRows: 6, maxAbsDiff: 0.5, maxRelDiff: 0.25 });
    const html = shadowsHtml([{ model: 'mlp', version: '2', calls: 8, errors: 0, errorRate: 0, p50Ms: 1.2, p99Ms: 3.4, agreement, dropped: 3 }]);
    expect(html).toContain('<h2>Shadow traffic</h2>');
    expect(html).toContain('<tr data-model="mlp" data-version="2"><td class="">mlp</td><td class="">v2</td><td class="num calls">8</td><td class="num dropped warn">3</td>');
    expect(html).toContain('75.0 % of 8');
    expect(html).toContain('0.500 / 0.250');
    expect(shadowsHtml(undefined)).toBe('');
    expect(shadowsHtml([])).toBe('');
  });
});
