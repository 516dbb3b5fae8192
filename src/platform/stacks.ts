/**
 * Which programs a Functions worker has on PATH, by OS and language stack. The host runs a custom
 * handler whatever FUNCTIONS_WORKER_RUNTIME says, but the runtime (with linuxFxVersion) still picks
 * the Linux image, and with it the interpreters a bare `defaultExecutablePath` can find.
 *
 * Linux, from the image Dockerfiles (Azure/azure-functions-docker host/4/{bullseye,bookworm}/…,
 * 2024-10): every image is Debian slim with bash, sh and perl; node images add node (node 22 also
 * dotnet); python images add python, python3 and python3.X (3.12+ also dotnet); dotnet-isolated,
 * powershell and java 21 images are built on ASP.NET images and have dotnet; no image puts java
 * (only $JAVA_HOME) or pwsh on PATH; none has php, ruby, Rscript or deno. The custom stack
 * (linuxFxVersion "") runs the default .NET image, which has none of them. Node ≤ 20, python ≤ 3.11,
 * java ≤ 17, powershell 7.2 and dotnet-isolated 6/7 are Debian 11 (glibc 2.31); newer are Debian 12
 * (glibc 2.36).
 *
 * Windows workers have node (the version WEBSITE_NODE_DEFAULT_VERSION picks), dotnet and java on
 * PATH whatever the stack (Kudu PathWindowsUtility; azure-functions-host#9670), plus cmd and
 * Windows PowerShell; no python, php, ruby, R or deno.
 */

export type Os = 'linux' | 'windows'

export interface Stack {
  /** FUNCTIONS_WORKER_RUNTIME (or the Flex runtime name), lower case: custom, node, python … */
  runtime: string
  /** The stack version (linuxFxVersion "Python|3.12" → "3.12"), when known. */
  version?: string
}

/** On PATH in every image of the OS. */
const ALWAYS: Record<Os, string[]> = {
  linux: ['sh', 'bash', 'dash', 'perl', 'env'],
  windows: ['cmd', 'powershell', 'node', 'dotnet', 'java'],
}

/** Interpreter families people name in defaultExecutablePath, for messages and near misses. */
export const KNOWN_INTERPRETERS = [
  'node',
  'python',
  'python3',
  'dotnet',
  'java',
  'pwsh',
  'php',
  'ruby',
  'Rscript',
  'deno',
  'perl',
  'bash',
  'sh',
  'bun',
]

/** Stacks whose Linux image has the program; the caller knows the family of a name (python3.11 → python). */
const LINUX_PROVIDERS: Record<string, {runtime: string; label: string}> = {
  node: {runtime: 'node', label: 'Node.js'},
  python: {runtime: 'python', label: 'Python'},
  dotnet: {runtime: 'dotnet-isolated', label: '.NET isolated (or PowerShell, Node 22+, Python 3.12+, Java 21+)'},
}

function major(version: string | undefined): number | undefined {
  const n = Number.parseFloat(version ?? '')
  return Number.isFinite(n) ? n : undefined
}

/** The programs a Linux stack's image adds to the always-present ones; undefined when unknown. */
export function linuxStackPrograms(stack: Stack): string[] | undefined {
  const v = major(stack.version)
  switch (stack.runtime) {
    case 'custom':
    case 'dotnet':
      return []
    case 'dotnet-isolated':
    case 'powershell':
      return ['dotnet']
    case 'node':
      return v !== undefined && v >= 22 ? ['node', 'dotnet'] : ['node']
    case 'python': {
      const exact = stack.version ? [`python${stack.version}`] : []
      return ['python', 'python3', ...exact, ...(v !== undefined && v >= 3.12 ? ['dotnet'] : [])]
    }
    case 'java':
      return v !== undefined && v >= 21 ? ['dotnet'] : []
    default:
      return undefined
  }
}

/** glibc of the Debian release a Linux stack image is built on, when the stack says. */
export function linuxStackGlibc(stack: Stack): string | undefined {
  const v = major(stack.version)
  if (v === undefined) return stack.runtime === 'custom' ? '2.31' : undefined
  const bookworm: Record<string, number> = {
    node: 22,
    python: 3.12,
    java: 21,
    powershell: 7.4,
    'dotnet-isolated': 8,
    dotnet: 8,
  }
  const from = bookworm[stack.runtime]
  if (from === undefined) return undefined
  return v >= from ? '2.36' : '2.31'
}

/** The family of a program name for PATH purposes: python3.11 → python, node.exe → node. */
export function programFamily(name: string): string {
  const base = name.toLowerCase().replace(/\.exe$/, '')
  if (/^python(\d+(\.\d+)?)?$/.test(base)) return 'python'
  return base
}

export type PathLookup =
  /** On PATH in every image of the platform. */
  | {kind: 'present'}
  /** On PATH only with certain stacks; `label` names them. `stackKnown` false when the app's stack is not known. */
  | {kind: 'stack'; label: string; runtime: string; stackKnown: boolean; supplied: boolean}
  /** Linux stacks set JAVA_HOME but put no java on PATH (azure-functions-host#9670). */
  | {kind: 'java-home'}
  /** No image of the platform has it. */
  | {kind: 'absent'}

/** Whether the platform finds `name` on PATH, given the app's stack when known. */
export function lookupOnPath(os: Os, name: string, stack?: Stack): PathLookup {
  const exact = os === 'windows' ? name.toLowerCase().replace(/\.exe$/, '') : name
  if (ALWAYS[os].includes(exact)) return {kind: 'present'}
  if (os === 'windows') return {kind: 'absent'}
  if (exact === 'java') return {kind: 'java-home'}
  const family = programFamily(exact)
  const provider = exact === family || family === 'python' ? LINUX_PROVIDERS[family] : undefined
  if (!provider) return {kind: 'absent'}
  const programs = stack ? linuxStackPrograms(stack) : undefined
  if (!programs)
    return {kind: 'stack', label: provider.label, runtime: provider.runtime, stackKnown: false, supplied: false}
  return {
    kind: 'stack',
    label: provider.label,
    runtime: provider.runtime,
    stackKnown: true,
    supplied: programs.includes(exact),
  }
}

/** Parses FUNCTIONS_WORKER_RUNTIME and linuxFxVersion ("Python|3.12", "DOTNET-ISOLATED|8.0", "DOCKER|…"). */
export function stackFrom(runtime: string | undefined, linuxFxVersion?: string): Stack | undefined {
  const fx = /^([^|]+)\|(.+)$/.exec(linuxFxVersion ?? '')
  if (fx && fx[1].toLowerCase() !== 'docker') return {runtime: fx[1].toLowerCase(), version: fx[2]}
  if (!runtime) return undefined
  const r = runtime.toLowerCase()
  return r === 'custom' && (linuxFxVersion ?? '') === '' ? {runtime: 'custom'} : {runtime: r}
}

/** A custom container (linuxFxVersion DOCKER|…): the image decides what is on PATH. */
export function isContainer(linuxFxVersion: string | undefined): boolean {
  return /^docker\|/i.test(linuxFxVersion ?? '')
}
