// Threads for @tensorflow/tfjs-backend-wasm under Node. tfjs 4.22 turns them off there
// (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue #3830), and forcing the flag
// alone fails: the pthread worker is handed to worker_threads as a blob: URL, which Node refuses,
// and the worker then loads the main script from a Blob as well. Emscripten's worker does support
// Node, so this writes both scripts to files (the main one with the bundle's `require$$n`
// module aliases it expects in scope) and has the worker import the file. The backend also caps
// its pool at logical cores / 2 (one on two cores), so os.cpus() reports doubled while it starts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';

const mainScriptStart = 'var WasmBackendModuleThreadedSimd =';
const workerLoadsBlob =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
const moduleAliases =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";

/** Call before tf.setBackend('wasm'); returns a function to call once it has resolved. */
export function forceWasmThreads(tf: typeof TF): () => void {
  const dir = mkdtempSync(join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const mainPath = join(dir, 'main.js');
  const texts = new WeakMap<Blob, string>();
  const OriginalBlob = globalThis.Blob;
  globalThis.Blob = class extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith(mainScriptStart)) writeFileSync(mainPath, moduleAliases + text);
      }
    }
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (!text?.includes(workerLoadsBlob)) return createObjectURL(blob);
    const workerPath = join(dir, 'worker.js');
    writeFileSync(
      workerPath,
      text.replace(workerLoadsBlob, `importScripts(${JSON.stringify(mainPath)});`),
    );
    return workerPath;
  };
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  return () => {
    os.cpus = cpus;
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = createObjectURL;
  };
}
