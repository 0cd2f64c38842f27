// BLOB_URL read into a folder or a bucket and prefix (issue 16), and refused with a sentence
// naming the fix when it names neither.
import { describe, expect, it } from 'vitest';
import { parseBlobUrl } from '../src/blob-url.js';

describe('parseBlobUrl', () => {
  it('reads a folder, percent-decoded, without its trailing slash', () => {
    expect(parseBlobUrl('file:///var/lib/backprop/blobs/')).toEqual({
      kind: 'file',
      dir: '/var/lib/backprop/blobs',
    });
    expect(parseBlobUrl('file://localhost/srv/my%20blobs')).toEqual({
      kind: 'file',
      dir: '/srv/my blobs',
    });
  });

  it('reads a bucket and a prefix that ends with one slash', () => {
    expect(parseBlobUrl('s3://backprop-data/prod/blobs')).toEqual({
      kind: 's3',
      bucket: 'backprop-data',
      prefix: 'prod/blobs/',
    });
    expect(parseBlobUrl('s3://backprop-data/prod/')).toMatchObject({ prefix: 'prod/' });
    expect(parseBlobUrl('s3://backprop-data')).toEqual({
      kind: 's3',
      bucket: 'backprop-data',
      prefix: '',
    });
  });

  it('refuses what it cannot store in, saying what to write instead', () => {
    expect(parseBlobUrl('/var/lib/blobs')).toBe(
      'must be a URL like file:///var/lib/backprop/blobs or s3://bucket/prefix',
    );
    expect(parseBlobUrl('gs://bucket/x')).toBe('must start with file:// or s3://, not gs://');
    expect(parseBlobUrl('file://nas/blobs')).toMatch(
      /on this machine \(file:\/\/\/path\), not host nas/,
    );
    expect(parseBlobUrl('file:///')).toMatch(/not the root/);
    expect(parseBlobUrl('s3://ab/x')).toMatch(/the bucket \("ab"\) must be 3 to 63/);
    expect(parseBlobUrl('s3://key:secret@bucket/x')).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(parseBlobUrl('s3://bucket:9000/x')).toMatch(/AWS_ENDPOINT_URL_S3/);
    expect(parseBlobUrl('s3://bucket/x?region=eu')).toMatch(/takes no query/);
  });
});
