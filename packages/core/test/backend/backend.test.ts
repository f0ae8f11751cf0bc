import { describe, expect, test } from 'vitest';
import { BackendError, backendInfo, initBackend, tf } from '@gradlab/core';

describe('backend', () => {
  test('the default backend is one of the known ones and is reported', async () => {
    const info = await initBackend();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    expect(backendInfo()).toEqual(info);
    expect(tf.getBackend()).toBe(info.name);
  });

  test('a forced backend loads or fails with a clear error, never silently falls back', async () => {
    const cpu = await initBackend({ backend: 'cpu' });
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ backend: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(wasm.threads).toBeGreaterThanOrEqual(1);
    let nativeLoads = true;
    try {
      await initBackend({ backend: 'tensorflow' });
    } catch (err) {
      nativeLoads = false;
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).code).toBe('E_BACKEND');
      expect((err as Error).message).toMatch(/backend "tensorflow" was requested but cannot load/);
    }
    if (nativeLoads) expect(tf.getBackend()).toBe('tensorflow');
    else expect(tf.getBackend()).toBe('wasm');
  });

  test('an unknown backend name is rejected naming the choices', async () => {
    await expect(initBackend({ backend: 'gpu' as never })).rejects.toThrow(
      /initBackend: backend: expected one of tensorflow, wasm, cpu, got "gpu"/,
    );
    const saved = process.env['GRADLAB_BACKEND'];
    process.env['GRADLAB_BACKEND'] = 'webgl';
    try {
      await expect(initBackend()).rejects.toThrow(/GRADLAB_BACKEND: expected one of tensorflow, wasm, cpu, got "webgl"/);
    } finally {
      if (saved === undefined) delete process.env['GRADLAB_BACKEND'];
      else process.env['GRADLAB_BACKEND'] = saved;
    }
  });
});
