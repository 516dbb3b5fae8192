/** The symptoms docs/troubleshooting.md is organised by; every code points to at least one. */
export type SymptomGroup =
  'never-starts' | 'http-errors' | 'local-only' | 'wrong-answer' | 'no-logs' | 'deploy-blocked' | 'notes'

export interface GroupInfo {
  id: SymptomGroup
  title: string
  /** What the user notices, and where to start. */
  intro: string
}

/** Where and how a problem shows itself on Azure. */
export interface Sighting {
  /** Which OS and plans, e.g. "Linux, every plan". */
  on: string
  /**
   * Host log records, verbatim (variable parts are examples). The exception the host attaches to a
   * record follows on the next lines, as the file log writes it; App Insights keeps it apart.
   */
  log?: string[]
  /** What callers and the host status show. */
  status?: string
  /** Anything else to look at: the portal, the deployment log, the handler's own output. */
  elsewhere?: string
}

export interface Explanation {
  code: string
  /** Codes outside the finding catalogue (deploy and Azure errors) carry their own summary and exit code. */
  error?: {summary: string; exit: number}
  groups: SymptomGroup[]
  /** What chd looks at to report it. */
  checks: string
  /** What the Functions host (or the platform) does. */
  host: string
  /**
   * The files behind `host` and `checks`: "host PATH" (Azure/azure-functions-host), "kudulite PATH",
   * "kudu PATH", "core-tools PATH", "docker PATH" (azure-functions-docker), "dotnet PATH" (dotnet/runtime),
   * "chd PATH" (this repository, including its reference docs/host-protocol.md and docs/platform.md).
   */
  source: string[]
  seen: Sighting[]
  /**
   * The codes `chd doctor --app` (and deploy's verify) report for it on Azure, from the host's lines above and
   * its status; this code itself when the lines name it. The lines often do not tell causes apart: a missing #!
   * interpreter and a missing file both read "No such file or directory".
   */
  seenAs?: string[]
  why: string
  /** Commands that show it. */
  confirm: string[]
  fix: string[]
}
