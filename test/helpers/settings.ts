import type {FakeSite} from '../fake-azure/state.js'

/** Runs `body` with one app setting of a fake site removed, and puts it back afterwards, also when `body` fails. */
export async function withoutSetting<T>(site: FakeSite, name: string, body: () => Promise<T>): Promise<T> {
  const saved = site.settings[name]
  delete site.settings[name]
  try {
    return await body()
  } finally {
    if (saved !== undefined) site.settings[name] = saved
  }
}
