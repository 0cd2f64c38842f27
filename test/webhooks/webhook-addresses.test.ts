// The IPv6 forms that carry an IPv4 address (issue 12, defect 9): judged as the address they
// carry, at submission (literals) and as a connection resolves a name.
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  BlockedAddressError,
  embeddedIpv4,
  isPrivateAddress,
  publicOnlyLookup,
} from '../../src/webhook-addresses.js';

// each form, written as a URL parser normalizes it and as a person writes it
const privateForms: [string, string[]][] = [
  ['NAT64 64:ff9b::/96', ['64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe']],
  ['6to4 2002::/16', ['2002:7f00:1::1', '2002:c0a8:101::', '2002:a9fe:a9fe:1::5']],
  ['IPv4-compatible ::a.b.c.d', ['::127.0.0.1', '::7f00:1', '::10.1.2.3', '::a9fe:a9fe']],
  ['IPv4-mapped, hex groups', ['::ffff:7f00:1', '::ffff:a00:1']],
  ['site-local fec0::/10', ['fec0::1', 'feff::1', 'fec0:0:0:1::7']],
  ['local-use NAT64 64:ff9b:1::/48', ['64:ff9b:1::808:808']],
  ['Teredo 2001::/32', ['2001:0:4136:e378:8000:63bf:3fff:fdd2']],
];

describe('IPv6 forms that embed IPv4', () => {
  for (const [form, addresses] of privateForms)
    it(`refuses ${form}`, () => {
      for (const address of addresses) expect(isPrivateAddress(address), address).toBe(true);
    });

  it('finds the IPv4 address each form carries', () => {
    expect(embeddedIpv4('64:ff9b::a00:1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('::127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::ffff:808:808')).toBe('8.8.8.8');
    expect(embeddedIpv4('::1')).toBe('0.0.0.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeNull();
  });

  it('lets through the same forms carrying a public address (DNS64 makes these)', () => {
    for (const address of ['64:ff9b::808:808', '64:ff9b::8.8.8.8', '2002:808:808::1', '::1.1.1.1'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('refuses, as the connection is made, a name that resolves to one of them', async () => {
    for (const [, addresses] of privateForms)
      for (const address of addresses) {
        const answers: LookupAddress[] = [
          { address: '2606:4700::1111', family: 6 },
          { address, family: 6 },
        ];
        const lookup = publicOnlyLookup((_name, _options, callback) => callback(null, answers));
        const error = await new Promise((resolve) =>
          lookup('hooks.example.com', { all: true }, (err) => resolve(err)),
        );
        expect(error, address).toBeInstanceOf(BlockedAddressError);
        expect((error as Error).message).toBe(
          `hooks.example.com resolves to ${address}, a private address`,
        );
      }
    const lookup = publicOnlyLookup((_name, _options, callback) =>
      callback(null, [{ address: '64:ff9b::808:808', family: 6 }]),
    );
    const answer = await new Promise((resolve) =>
      lookup('hooks.example.com', {}, (err, address, family) => resolve({ err, address, family })),
    );
    expect(answer).toEqual({ err: null, address: '64:ff9b::808:808', family: 6 });
  });
});
