/**
 * What runs where, and the host's limits: the "What is supported" part of docs/troubleshooting.md.
 * Every row names the file its facts come from (the same prefixes as Explanation.source).
 */
export interface PlanRow {
  plan: string
  os: string
  cpu: string
  /** How the package reaches /home/site/wwwroot, and what that does to execute bits. */
  content: string
  logs: string
  deploy: string
  source: string[]
}

export const PLANS: PlanRow[] = [
  {
    plan: 'Consumption',
    os: 'Linux',
    cpu: 'x86-64',
    content:
      'the host downloads the zip from the WEBSITE_RUN_FROM_PACKAGE URL and extracts it; it adds the execute ' +
      'bit to defaultExecutablePath only',
    logs: 'App Insights only',
    deploy: "blob in the app's storage (function-releases), its URL in " + 'WEBSITE_RUN_FROM_PACKAGE, trigger sync',
    source: [
      'host src/WebJobs.Script.WebHost/Management/LinuxSpecialization/RunFromPackageHandler.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
    ],
  },
  {
    plan: 'Flex Consumption',
    os: 'Linux',
    cpu: 'x86-64',
    content:
      'deployed with OneDeploy; the host adds the execute bit to defaultExecutablePath only; the runtime is ' +
      "the site's functionAppConfig.runtime (custom 1.0)",
    logs: 'App Insights only',
    deploy: 'OneDeploy POST /api/publish, runtime set to custom 1.0',
    source: [
      'host src/WebJobs.Script/Environment/EnvironmentExtensions.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
    ],
  },
  {
    plan: 'Elastic Premium, Dedicated',
    os: 'Linux',
    cpu: 'x86-64',
    content:
      'Kudu zip deploy: a plain zip push runs chmod -R 777 on the files; with WEBSITE_RUN_FROM_PACKAGE=1 the ' +
      'zip is mounted and keeps the modes it records',
    logs: 'Kudu log stream (in debug mode), App Insights',
    deploy: 'Kudu POST /api/zipdeploy?isAsync=true',
    source: [
      'kudulite Kudu.Services/Deployment/PushDeploymentController.cs',
      'kudulite Kudu.Core/Helpers/PermissionHelper.cs',
    ],
  },
  {
    plan: 'Consumption, Elastic Premium, Dedicated',
    os: 'Windows',
    cpu: 'x64 (32-bit x86 programs run too)',
    content: 'Kudu zip deploy; Windows has no execute bits; the handler must be a console .exe',
    logs: 'Kudu log stream (in debug mode; shows only what is written after connecting), App Insights',
    deploy: 'Kudu POST /api/zipdeploy?isAsync=true',
    source: ['kudu Kudu.Services/Deployment/PushDeploymentController.cs'],
  },
  {
    plan: 'Custom container (Premium, Dedicated)',
    os: 'Linux',
    cpu: 'x86-64',
    content: 'the image holds the app; its Dockerfile decides the glibc and what is on PATH',
    logs: 'Kudu log stream, App Insights',
    deploy: 'not by chd (push the image); chd doctor --target container judges ' + 'the app folder',
    source: ['docker host/4'],
  },
]

export interface RunMode {
  how: string
  hostJson: string
  needs: string
  source: string[]
}

export const RUN_MODES: RunMode[] = [
  {
    how: 'A binary in the package (Go, Rust, C/C++, deno compile, GraalVM native image)',
    hostJson: '"defaultExecutablePath": "handler" (Windows: "handler.exe"), relative to the app root',
    needs:
      'Linux: x86-64 ELF, static or needing glibc ≤ 2.31 (2.36 on Debian 12 stacks), no musl loader, the execute ' +
      'bit. Windows: a console .exe',
    source: ['host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs'],
  },
  {
    how: "An interpreter from the language stack's image",
    hostJson:
      '"defaultExecutablePath": "node" | "python3" | "dotnet" | "%JAVA_HOME%/bin/java", the script in ' +
      '"defaultWorkerPath" or "arguments"',
    needs:
      'Linux: the stack whose image has it (node: Node; python: Python; dotnet: .NET isolated, PowerShell, Node ' +
      '22, Python 3.12, Java 21; java: only as %JAVA_HOME%/bin/java on Java stacks); no image has pwsh, php, ruby, ' +
      'Rscript or deno. Windows: node, dotnet and java are on PATH on every stack',
    source: ['docker host/4/bullseye', 'docker host/4/bookworm'],
  },
  {
    how: 'A script with a #! line (Linux)',
    hostJson: '"defaultExecutablePath": "start.sh"',
    needs:
      'LF line endings, the execute bit, an interpreter the image has (sh, bash and perl are in every Linux ' +
      'image)',
    source: ['host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs'],
  },
  {
    how: 'A custom container',
    hostJson: 'as for a binary or an interpreter, inside the image',
    needs:
      'Linux Premium or Dedicated with linuxFxVersion DOCKER|<image>; the image must contain the Functions host ' +
      '(built FROM an azure-functions base image)',
    source: ['docker host/4'],
  },
]

export interface Limit {
  what: string
  value: string
  source: string[]
}

export const LIMITS: Limit[] = [
  {
    what: 'Start-up window',
    value:
      '30 s for the handler to answer GET / (any status counts), polled every 25 ms; ' +
      'customHandler.initializationTimeout ("00:01:00") changes it. (The article\'s "60 seconds" is wrong.)',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptions.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerChannel.cs',
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
    ],
  },
  {
    what: 'Port and address',
    value:
      'FUNCTIONS_CUSTOMHANDLER_PORT (also FUNCTIONS_HTTPWORKER_PORT), picked once per ' +
      'host start and reused by restarts; the host dials 127.0.0.1, so listen on 127.0.0.1 or 0.0.0.0. ' +
      'customHandler.port is honoured only by hosts from 2025 on',
    source: [
      'host src/WebJobs.Script/Workers/Http/Configuration/HttpWorkerOptionsSetup.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerProcess.cs',
      'host src/WebJobs.Script/Workers/WorkerConstants.cs',
    ],
  },
  {
    what: 'Restarts',
    value:
      'exit 200: restarted, not counted; exit 0: not restarted; any other exit or a missed ' +
      ('start-up window: restarted at once, at most 3 launches in 30 minutes, then the host shuts down and ' +
        'the platform ') +
      'starts it again',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
    ],
  },
  {
    what: 'A handler that cannot be started',
    value:
      'no restart; the first call waits (3 + 1) × the start-up window ' +
      '= 120 s, then the host logs "Final functionDispatcher state" and shuts down',
    source: ['host src/WebJobs.Script/Description/Workers/WorkerFunctionInvoker.cs'],
  },
  {
    what: 'Host not running',
    value:
      'HTTP calls wait 30 s, then 503 "Function host is not running."; its status stays ' +
      'Running while the handler fails, so only the log lines tell',
    source: [
      'host src/WebJobs.Script.WebHost/Middleware/HostAvailabilityCheckMiddleware.cs',
      'host src/WebJobs.Script.WebHost/WebJobsScriptHostService.cs',
    ],
  },
  {
    what: 'Request body',
    value:
      '100 MiB (104,857,600 bytes) by default; the app setting ' +
      'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (bytes) changes it. Windows (IIS) also caps the body at 210,000,000 bytes, ' +
      'the URL at 8,192 and the query string at 4,096 characters',
    source: [
      'host src/WebJobs.Script/ScriptConstants.cs',
      'host src/WebJobs.Script.WebHost/Program.cs',
      'host src/WebJobs.Script.WebHost/Middleware/HttpRequestBodySizeMiddleware.cs',
      'host src/WebJobs.Script.WebHost/web.config',
    ],
  },
  {
    what: 'Function timeout',
    value:
      '5 min by default on Consumption (at most 10), 30 min elsewhere (Flex included); ' +
      'host.json functionTimeout. A handler answer with an empty body leaves the invocation waiting until it',
    source: [
      'host src/WebJobs.Script/Config/ScriptJobHostOptionsSetup.cs',
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
    ],
  },
  {
    what: 'Invocation payload',
    value:
      'POST /{FunctionName} (never /api/…), chunked, Content-Type application/json; ' +
      'the answer must be 2xx with a JSON body {Outputs, Logs, ReturnValue}, else the invocation fails (HTTP callers ' +
      'get 500) and its Logs are dropped',
    source: [
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
      'host src/WebJobs.Script/Workers/Http/HttpScriptInvocationResultExtensions.cs',
    ],
  },
  {
    what: 'Forwarding',
    value:
      'enableForwardingHttpRequest: only functions with exactly one httpTrigger input and one ' +
      'http output get the original request (method, /api/… path, query, headers, a body only with Content-Length); ' +
      'the answer is relayed as it is, any status, redirects not followed. Every other function gets the JSON payload',
    source: [
      'host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs',
      'host src/WebJobs.Script/Extensions/FunctionMetadataExtensions.cs',
    ],
  },
  {
    what: 'Proxying',
    value:
      'enableProxyingHttpRequest (hosts from 2025 on): the same functions, streamed both ways; ' +
      'it wins over forwarding',
    source: ['host src/WebJobs.Script/Workers/Http/HttpProxyService/DefaultHttpProxyService.cs (2025 and later)'],
  },
  {
    what: 'Handler output',
    value:
      'stdout lines are Information, stderr lines Error (Warning when they contain ' +
      '"warn"); when it exits, the host quotes its last 3 stderr lines',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcessUtilities.cs',
    ],
  },
  {
    what: 'Processes',
    value:
      'one handler process per host instance; it inherits every app setting as an environment ' +
      'variable, plus FUNCTIONS_CUSTOMHANDLER_PORT, FUNCTIONS_CUSTOMHANDLER_WORKER_ID and FUNCTIONS_APP_ROOT_PATH',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'host src/WebJobs.Script/Workers/Http/HttpWorkerProcess.cs',
    ],
  },
  {
    what: 'File log',
    value:
      'written only in debug mode (fileLoggingMode debugOnly, the default): 15 minutes after ' +
      'each GET /admin/host/status or POST /admin/host/debug; "always" writes it all the time',
    source: [
      'host src/WebJobs.Script/Host/FileLoggingStatusManager.cs',
      'host src/WebJobs.Script/Host/DebugStateProvider.cs',
    ],
  },
]
