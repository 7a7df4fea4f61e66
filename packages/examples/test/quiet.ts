// Test helper: runs an example with console.log silenced (its progress output would bury the
// test report), restoring it whatever happens.
export async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => {};
  try {
    return await f();
  } finally {
    console.log = log;
  }
}
