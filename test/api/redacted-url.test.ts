// The URL written to logs and problem bodies: a key in the query is masked under any spelling
// of its parameter's name that the query parser reads as that name (issue 12, defect 8).
import { describe, expect, it } from 'vitest';
import { redactedUrl } from '../../src/api/redacted-url.js';

describe('redactedUrl', () => {
  it('masks access_token however its name is encoded, and keeps the rest as sent', () => {
    const cases: [string, string][] = [
      ['/e?access_token=bpk_1', '/e?access_token=REDACTED'],
      ['/e?access%5Ftoken=bpk_1', '/e?access%5Ftoken=REDACTED'],
      ['/e?access%5ftoken=bpk_1&x=1', '/e?access%5ftoken=REDACTED&x=1'],
      ['/e?%61ccess_token=bpk_1', '/e?%61ccess_token=REDACTED'],
      ['/e?a=1&Access_Token=bpk_1&b=2', '/e?a=1&Access_Token=REDACTED&b=2'],
      ['/e?access_token[]=bpk_1', '/e?access_token[]=REDACTED'],
      [
        '/e?access_token=bpk_1&access_token=bpk_2',
        '/e?access_token=REDACTED&access_token=REDACTED',
      ],
      ['/e?access%zz_token=bpk_1', '/e?access%zz_token=REDACTED'],
      ['/e?lastEventId=1-0', '/e?lastEventId=1-0'],
      ['/v1/jobs/x/events', '/v1/jobs/x/events'],
    ];
    for (const [url, expected] of cases) expect(redactedUrl(url), url).toBe(expected);
  });
});
