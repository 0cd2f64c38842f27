// BLOB_URL read once into where the blob store keeps its bytes: a folder (file:///path) or an
// S3 bucket and key prefix (s3://bucket/prefix). Pure: no file, no connection, no SDK;
// src/store/blobs/ opens the store this names.

/** A folder on this machine. */
export interface FileBlobAddress {
  kind: 'file';
  /** An absolute path, percent-decoded. */
  dir: string;
}

/** A bucket of an S3-compatible object store; every key starts with `prefix`. */
export interface S3BlobAddress {
  kind: 's3';
  bucket: string;
  /** Empty, or ends with `/`: `s3://b/blobs` and `s3://b/blobs/` both give `blobs/`. */
  prefix: string;
}

export type BlobAddress = FileBlobAddress | S3BlobAddress;

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (the lenient
// rules MinIO and the others share: 3 to 63 of a-z 0-9 . -, a letter or digit at each end)
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The address, or a sentence saying what is wrong with the URL (for the configuration error). */
export function parseBlobUrl(text: string): BlobAddress | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL like file:///var/lib/backprop/blobs or s3://bucket/prefix';
  }
  if (url.search !== '' || url.hash !== '')
    return 'takes no query or fragment: give the S3 endpoint in AWS_ENDPOINT_URL_S3';
  if (url.username || url.password)
    return 'takes no credentials: give them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost')
      return `must name a folder on this machine (file:///path), not host ${url.host}`;
    const dir = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    if (dir === '') return 'must name a folder, not the root: file:///var/lib/backprop/blobs';
    return { kind: 'file', dir };
  }
  if (url.protocol === 's3:') {
    const bucket = url.hostname;
    if (!bucketName.test(bucket))
      return `the bucket (${JSON.stringify(bucket)}) must be 3 to 63 of a-z, 0-9, '.', '-': s3://bucket/prefix`;
    if (url.port !== '') return 'takes no port: give the S3 endpoint in AWS_ENDPOINT_URL_S3';
    const path = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
    return { kind: 's3', bucket, prefix: path === '' ? '' : `${path}/` };
  }
  return `must start with file:// or s3://, not ${url.protocol}//`;
}
