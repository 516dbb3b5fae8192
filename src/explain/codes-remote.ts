import {hostError, NOT_RUNNING_503, RESTARTS_EXCEEDED, STARTED} from './host-lines.js'
import type {Explanation} from './types.js'

const ARM_REQUEST = 'chd reads the app through Azure Resource Manager (its settings, site config and keys)'

/** What `chd doctor --app` reads from the live app: its settings, deployments, host status and host log lines. */
export const REMOTE_CODES: Explanation[] = [
  {
    code: 'REMOTE_WORKER_RUNTIME',
    groups: ['local-only'],
    checks:
      "The live app's FUNCTIONS_WORKER_RUNTIME (on Flex Consumption: functionAppConfig.runtime.name) is not " +
      '"custom".',
    host:
      'The host runs the custom handler whatever the runtime says; the runtime (with linuxFxVersion, or the Flex ' +
      'runtime) picks the image the app runs on, and with it which interpreters are on PATH. Runtimes that index ' +
      'functions with their own worker (node, python …) may start that worker too.',
    source: [
      'host src/WebJobs.Script/Workers/FunctionInvocationDispatcherFactory.cs',
      'host src/WebJobs.Script/Host/WorkerFunctionMetadataProvider.cs',
      'chd src/remote/diagnose.ts',
      'chd src/checks/runtime.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        status: 'Usually nothing; it matters when the handler needs an interpreter from the ' + 'image',
      },
    ],
    why:
      'The app was created with a language stack (often on purpose, to get node or python on PATH), or by a ' +
      'template.',
    confirm: ['chd doctor --app NAME', 'chd settings list --app NAME'],
    fix: [
      "chd deploy sets it to custom (and keeps a stack whose image has the handler's interpreter)",
      'Or: chd settings set --app NAME FUNCTIONS_WORKER_RUNTIME=custom',
    ],
  },
  {
    code: 'REMOTE_STORAGE_MISSING',
    groups: ['deploy-blocked', 'never-starts'],
    checks:
      'Whether the live app has AzureWebJobsStorage (or identity-based AzureWebJobsStorage__accountName). A ' +
      'warning on Dedicated plans; chd deploy refuses Consumption and Premium apps without it.',
    host:
      'The host keeps function keys in this account (blob secrets repository), and triggers other than HTTP keep ' +
      'their state there. On Linux Consumption chd uploads the package to it.',
    source: [
      'host src/WebJobs.Script.WebHost/Security/KeyManagement/BlobStorageSecretsRepository.cs',
      'chd src/remote/diagnose.ts',
      'chd src/deploy/index.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        status:
          'Function keys cannot be read or created (calls with ?code= fail), timer, queue ' +
          'and blob triggers do not run',
      },
    ],
    why:
      'The setting was removed by a tool that replaced the whole settings set, or the app was created without a ' +
      'storage account.',
    confirm: ['chd settings list --app NAME', 'chd doctor --app NAME'],
    fix: [
      'chd settings set --app NAME AzureWebJobsStorage="<connection string>" (or AzureWebJobsStorage__accountName ' +
        'with a managed identity that has the storage roles)',
    ],
  },
  {
    code: 'RUN_FROM_PACKAGE_STALE',
    groups: ['never-starts'],
    checks:
      'When WEBSITE_RUN_FROM_PACKAGE holds a URL: a ranged GET of it (without printing its SAS) must answer 200 ' +
      'or 206.',
    host:
      'With a URL the platform fetches the package from it when an instance starts (on Linux Consumption the host ' +
      'downloads and extracts it); when the URL no longer answers, the instance has no code.',
    source: [
      'host src/WebJobs.Script.WebHost/Management/LinuxSpecialization/RunFromPackageHandler.cs',
      'chd src/remote/diagnose.ts',
    ],
    seen: [
      {
        on: 'Linux Consumption, and any plan with a package URL',
        status: 'The app has no functions: every URL ' + 'answers 404, or the instance does not start',
      },
    ],
    why:
      'The blob was deleted (a clean-up of function-releases), its SAS expired, or the identity the platform reads ' +
      'it with lost Storage Blob Data Reader.',
    confirm: ['chd doctor --app NAME'],
    fix: ['Deploy again: chd deploy DIR --app NAME uploads a new package and sets a fresh URL'],
  },
  {
    code: 'LAST_DEPLOYMENT_FAILED',
    groups: ['deploy-blocked'],
    checks:
      'The newest deployment Kudu lists (not on Linux Consumption, which has none): status 3 (failed), with the ' +
      'error lines of its log.',
    host:
      "Kudu records each deployment's status and log; a failed one leaves the previous content in place or a " +
      'partial one, depending on where it failed.',
    source: ['kudulite Kudu.Services/Deployment/PushDeploymentController.cs', 'chd src/remote/diagnose.ts'],
    seen: [
      {
        on: 'Windows, Linux Dedicated, Premium and Flex',
        status: "The portal's Deployment Center shows the " + 'deployment as failed; the app may run older code',
      },
    ],
    why:
      'A build step on the server (SCM_DO_BUILD_DURING_DEPLOYMENT) failed, the disk was full, or the package was ' +
      'refused.',
    confirm: ["chd doctor --app NAME (quotes Kudu's log)"],
    fix: ["Fix the cause in Kudu's log and deploy again (chd deploy prints the whole log when a deployment fails)"],
  },
  {
    code: 'HOST_NOT_RUNNING',
    groups: ['http-errors', 'never-starts'],
    checks:
      "The host's own status (GET /admin/host/status with the master key from ARM, three tries 2 s apart): any " +
      'state but Running, with the errors it lists.',
    host:
      'The state is Error only when the host itself cannot start: host.json, the customHandler description, the ' +
      "extension bundle, the functions' language. A handler that fails to start or crash-loops leaves it Running. " +
      'While it is not Running, HTTP calls wait 30 s and then get 503.',
    source: [
      'host src/WebJobs.Script.WebHost/Controllers/HostController.cs',
      'host src/WebJobs.Script.WebHost/WebJobsScriptHostService.cs',
      'host src/WebJobs.Script.WebHost/Middleware/HostAvailabilityCheckMiddleware.cs',
      'chd src/remote/diagnose.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [
          hostError('Microsoft.Azure.WebJobs.Script.HostConfigurationException', 'Missing ' + 'worker Description.'),
        ],
        status: `Host state Error, its errors list the exception; HTTP calls: ${NOT_RUNNING_503}`,
      },
    ],
    seenAs: ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why: "See the findings reported with it: they name the cause from the host's lines.",
    confirm: ['chd doctor --app NAME', 'chd logs --app NAME --since 1h --level error'],
    fix: ['Fix the cause the other findings name and deploy again'],
  },
  {
    code: 'HANDLER_START_UNCONFIRMED',
    groups: ['no-logs'],
    checks:
      'Reported when the host is Running and no log line of its newest start says the handler started or failed: ' +
      'the app has no App Insights and no log stream (Linux Consumption, Flex), the stream showed nothing, or App ' +
      'Insights has no such line from the last hour.',
    host:
      'The host writes its file log only in debug mode (fileLoggingMode defaults to debugOnly), which lasts 15 ' +
      "minutes after a GET /admin/host/status or POST /admin/host/debug; chd's status request has just switched it " +
      'on. The proof a handler started is the Information line "Worker process started and initialized.".',
    source: [
      'host src/WebJobs.Script/Host/FileLoggingStatusManager.cs',
      'host src/WebJobs.Script/Host/DebugStateProvider.cs',
      'host src/WebJobs.Script.WebHost/Filters/EnableDebugModeFilter.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'chd src/remote/diagnose.ts',
    ],
    seen: [
      {
        on: 'Every plan',
        log: [STARTED],
        status:
          'The line above, once the handler starts; nothing at all while ' +
          'file logging is off and there is no App Insights',
      },
    ],
    why:
      'The host has not restarted since debug mode went on, the instance is idle (Consumption scales to zero), or ' +
      'the app has no Application Insights.',
    confirm: [
      'chd logs --app NAME -f (keeps debug mode on, then restart the app or call a function)',
      'chd deploy DIR --app NAME --smoke /api/<route>',
    ],
    fix: [
      'Call a function, or connect Application Insights (it sets APPLICATIONINSIGHTS_CONNECTION_STRING)',
      'For a permanent file log set "logging": {"fileLoggingMode": "always"} in host.json',
    ],
  },
  {
    code: 'HOST_STARTUP_ERROR',
    groups: ['never-starts'],
    checks: 'The first Error or Critical line about the start-up that matches none of the known causes, quoted.',
    host: 'Whatever the line says: chd has no specific explanation for it.',
    source: ['chd src/remote/diagnose.ts'],
    seen: [
      {
        on: 'Every plan (hosts from 2025 on)',
        log: [
          hostError(
            'System.NotSupportedException',
            'Configuration ' +
              "profile 'mcp' is not supported. Supported values: '', 'default', 'mcp-custom-handler', " +
              "'web-app-custom-handler'.",
          ),
        ],
        status: 'Host state Error',
      },
    ],
    seenAs: ['HOST_STARTUP_ERROR', 'HOST_NOT_RUNNING'],
    why: 'A cause chd does not recognise yet.',
    confirm: ['chd logs --app NAME --since 1h (the lines around it)', 'chd explain --line "<the quoted line>"'],
    fix: ['Read the quoted line; if it is a custom-handler failure chd should know, report it with the line'],
  },
]

/** Errors chd deploy, chd logs and chd start exit with: not findings, but codes a user meets all the same. */
export const ERROR_CODES: Explanation[] = [
  {
    code: 'CHECKS_FAILED',
    error: {summary: 'chd deploy (or pack) stopped before the upload: the checks found errors.', exit: 1},
    groups: ['deploy-blocked'],
    checks:
      'The findings chd doctor would report against the platform the app really has (OS, plan, stack and the ' +
      'app settings it will have after the deploy).',
    host: 'Nothing yet: nothing was uploaded.',
    source: ['chd src/deploy/index.ts', 'chd src/checks/run.ts'],
    seen: [{on: 'chd deploy, chd pack', status: 'Exit 1; each error finding is listed with its fix'}],
    why: 'Each listed finding is a reason the app would not start; chd explain CODE says more about each.',
    confirm: ['chd doctor DIR --app NAME'],
    fix: ['Fix the findings, or pass --force to deploy anyway'],
  },
  {
    code: 'DEPLOY_CONFLICT',
    error: {
      summary: 'Kudu refused the package with 409, or the Flex deployment was cancelled because another one won.',
      exit: 5,
    },
    groups: ['deploy-blocked'],
    checks:
      'chd waits out a 409 "deployment in progress" within --timeout; any other 409, or Flex status 5, ends ' + 'here.',
    host:
      'Kudu runs one deployment at a time ("There is a deployment currently in progress. Please try again when it ' +
      'completes.") and refuses zip deployment while WEBSITE_RUN_FROM_PACKAGE holds a URL ("Run-From-Zip is set to a ' +
      'remote URL using WEBSITE_RUN_FROM_PACKAGE or WEBSITE_USE_ZIP app setting. Deployment is not supported in this ' +
      'configuration.").',
    source: [
      'kudulite Kudu.Services/Deployment/PushDeploymentController.cs',
      'kudulite Kudu.Services/Resources.resx',
      'chd src/deploy/upload.ts',
    ],
    seen: [{on: 'Kudu (every plan but Linux Consumption)', status: 'HTTP 409 with one of the texts above'}],
    why: 'Another deployment (a CI run, the portal) is running, or the app runs from a package URL.',
    confirm: ['chd settings list --app NAME (WEBSITE_RUN_FROM_PACKAGE)', 'chd doctor --app NAME'],
    fix: [
      'Wait for the other deployment, or raise --timeout',
      'For a package URL: chd settings unset --app NAME WEBSITE_RUN_FROM_PACKAGE, then deploy again',
    ],
  },
  {
    code: 'RUN_FROM_PACKAGE_URL_SET',
    error: {summary: 'The app runs from a package URL, and Kudu refuses zip deployment while it does.', exit: 1},
    groups: ['deploy-blocked'],
    checks:
      'Before uploading by zip deploy: whether WEBSITE_RUN_FROM_PACKAGE holds an http(s) URL (--force tries ' +
      'anyway).',
    host:
      'Kudu answers 409 "Run-From-Zip is set to a remote URL using WEBSITE_RUN_FROM_PACKAGE or WEBSITE_USE_ZIP app ' +
      'setting. Deployment is not supported in this configuration.".',
    source: ['kudulite Kudu.Services/Deployment/PushDeploymentController.cs', 'chd src/deploy/index.ts'],
    seen: [{on: 'Windows, Linux Dedicated and Premium', status: 'chd stops before the upload'}],
    why: 'The app was deployed before by a tool that uploads to blob storage (Core Tools on Premium, a pipeline).',
    confirm: ['chd settings list --app NAME'],
    fix: ['chd settings unset --app NAME WEBSITE_RUN_FROM_PACKAGE, then deploy again'],
  },
  {
    code: 'DEPLOY_TIMEOUT',
    error: {summary: 'chd deploy --timeout ran out; the step and the request are named.', exit: 5},
    groups: ['deploy-blocked'],
    checks: 'One deadline for the whole deploy (default 900 s): every Azure request, the upload, the polls and waits.',
    host: 'The deployment may still finish on Azure after chd stops waiting.',
    source: ['chd src/azure/errors.ts', 'chd src/deploy/upload.ts'],
    seen: [{on: 'chd deploy', status: 'Exit 5 naming the step'}],
    why: 'A slow connection, a large package, a server-side build, or a long queue of deployments.',
    confirm: ["chd doctor --app NAME (the last deployment's status)"],
    fix: ['Raise --timeout, or check the deployment later with chd doctor --app NAME'],
  },
  {
    code: 'DEPLOYMENT_FAILED',
    error: {
      summary:
        'Kudu (or the Flex deployment service) reports the deployment failed (status 3); its log is ' + 'printed.',
      exit: 5,
    },
    groups: ['deploy-blocked'],
    checks: 'The deployment chd started, polled until it ends.',
    host: "Kudu's deployment log says why.",
    source: ['chd src/deploy/upload.ts', 'kudulite Kudu.Services/Deployment/PushDeploymentController.cs'],
    seen: [{on: 'Every plan but Linux Consumption', status: "Exit 5 with Kudu's log lines"}],
    why: "Read Kudu's log: a server-side build, a full disk, a package Kudu cannot extract.",
    confirm: ['chd doctor --app NAME (LAST_DEPLOYMENT_FAILED quotes the log)'],
    fix: ['Fix the cause in the log and deploy again'],
  },
  {
    code: 'DEPLOYMENT_PARTIAL',
    error: {summary: 'The Flex deployment service reports status 6: partly successful.', exit: 5},
    groups: ['deploy-blocked'],
    checks: 'The Flex deployment chd started, polled until it ends.',
    host: 'The Flex deployment service applied part of the deployment; its log says which step failed.',
    source: ['chd src/deploy/upload.ts', 'core-tools src/Cli/func/Common/DeployStatus.cs'],
    seen: [{on: 'Flex Consumption', status: 'Exit 5 with the deployment log'}],
    why: 'Usually a failed trigger sync or a step after the package was stored.',
    confirm: ['chd doctor --app NAME'],
    fix: ['Read the log, fix the cause, deploy again'],
  },
  {
    code: 'DEPLOYMENT_CANCELLED',
    error: {summary: 'The Flex deployment service reports status -1: cancelled.', exit: 5},
    groups: ['deploy-blocked'],
    checks: 'The Flex deployment chd started, polled until it ends.',
    host: 'The deployment service cancelled it.',
    source: ['chd src/deploy/upload.ts', 'core-tools src/Cli/func/Common/DeployStatus.cs'],
    seen: [{on: 'Flex Consumption', status: 'Exit 5'}],
    why: 'Another deployment or a configuration change on the app cancelled it.',
    confirm: ['chd doctor --app NAME'],
    fix: ['Deploy again'],
  },
  {
    code: 'SMOKE_FAILED',
    error: {summary: 'chd deploy --smoke PATH never got a 2xx from the deployed app.', exit: 5},
    groups: ['http-errors', 'never-starts'],
    checks:
      'After the deploy, GET https://<app host><PATH> with the function key until it answers 2xx or the wait ' +
      'ends.',
    host:
      "The status the request got is the host's: 500 for a failed invocation, 503 while the host is not Running, " +
      '404 for an unknown route or a function in error.',
    source: ['chd src/remote/verify.ts', 'chd src/deploy/index.ts'],
    seen: [{on: 'chd deploy --smoke', status: 'Exit 5 naming the last status'}],
    why: "The handler did not start, answered with an error, or the path is not a function's route.",
    confirm: ['chd doctor --app NAME', 'chd logs --app NAME --since 1h'],
    fix: ['Fix what chd doctor --app names; check the path against the routes chd deploy prints'],
  },
  {
    code: 'FLEX_RUNTIME_NOT_SET',
    error: {summary: 'Azure accepted the Flex runtime change, but the app still reports another runtime.', exit: 5},
    groups: ['deploy-blocked'],
    checks:
      `${ARM_REQUEST}: after setting functionAppConfig.runtime to custom 1.0 (a PUT of the whole site), ` +
      'chd reads it back.',
    host: "On Flex Consumption the runtime lives in the site's functionAppConfig, not in FUNCTIONS_WORKER_RUNTIME.",
    source: ['chd src/deploy/index.ts'],
    seen: [{on: 'Flex Consumption', status: 'Exit 5'}],
    why: 'A policy or another writer reverted it, or the region does not offer the custom runtime.',
    confirm: ['chd doctor --app NAME (REMOTE_WORKER_RUNTIME)'],
    fix: ['Set the runtime to custom 1.0 in the portal (Configuration > Stack settings), then deploy again'],
  },
  {
    code: 'AUTH_FAILED',
    error: {summary: 'chd could not get an Azure token.', exit: 3},
    groups: ['deploy-blocked'],
    checks: 'The credential chain (--auth default: environment, managed identity, az CLI …, or CHD_ACCESS_TOKEN).',
    host: 'Nothing was sent to the app.',
    source: ['chd src/azure/credential.ts', 'chd src/azure/errors.ts'],
    seen: [{on: 'Every Azure command', status: "Exit 3 with the credential's own message"}],
    why: 'Not logged in, an expired session, or a credential type that is not available here.',
    confirm: ['az account show'],
    fix: ['az login (or --auth cli|env|device|managed-identity), or set CHD_ACCESS_TOKEN'],
  },
  {
    code: 'AZURE_AUTHORIZATIONFAILED',
    error: {
      summary: 'Azure Resource Manager answered 403 AuthorizationFailed: your identity lacks a role on the app.',
      exit: 3,
    },
    groups: ['deploy-blocked'],
    checks:
      `${ARM_REQUEST}; an ARM error is shown with Azure's own message and request id, and its code becomes ` +
      'AZURE_<CODE>.',
    host: 'ARM checks role assignments before the request reaches the app.',
    source: ['chd src/azure/errors.ts'],
    seen: [
      {
        on: 'Every Azure command',
        status:
          'Exit 3: "Azure answered 403 while …: The client … does not have ' + 'authorization to perform action …"',
      },
    ],
    why:
      "The signed-in identity (or the pipeline's service principal) has no Contributor or Website Contributor role " +
      'on the app or its resource group.',
    confirm: ['az role assignment list --assignee <your id> --scope <app resource id>'],
    fix: ['Grant Website Contributor (or Contributor) on the app or its resource group'],
  },
  {
    code: 'KUDU_HTTP_401',
    error: {summary: "Kudu (the app's SCM site) answered 401: the token was not accepted.", exit: 3},
    groups: ['deploy-blocked'],
    checks:
      'Every Kudu request carries a bearer token, for App Service first, then for the management audience; 401 ' +
      'from both ends here.',
    host:
      'Kudu accepts Entra ID tokens from identities with a role on the app; chd never uses basic-auth publishing ' +
      'credentials.',
    source: ['chd src/azure/kudu.ts'],
    seen: [{on: 'Every plan with Kudu', status: 'Exit 3 naming the request'}],
    why:
      'A token from another tenant, an expired session, or a network appliance that strips the Authorization ' +
      'header.',
    confirm: ['az account show (the tenant)', "az login --tenant <the app's tenant>"],
    fix: ["Sign in to the app's tenant, or pass --auth to pick the credential"],
  },
  {
    code: 'KUDU_HTTP_403',
    error: {
      summary:
        "Kudu (the app's SCM site) answered 403: the identity has no role on the app, or access " +
        'restrictions block it.',
      exit: 3,
    },
    groups: ['deploy-blocked'],
    checks: 'As for KUDU_HTTP_401: 403 from both token audiences.',
    host:
      'Kudu needs Contributor (or Website Contributor) on the app; SCM access restrictions and private endpoints ' +
      'also answer 403.',
    source: ['chd src/azure/kudu.ts'],
    seen: [{on: 'Every plan with Kudu', status: 'Exit 3 naming the request'}],
    why: 'A missing role, or the SCM site is restricted to certain networks.',
    confirm: ["The portal: the app's Networking > Access restrictions (Advanced tool site)"],
    fix: ['Grant Website Contributor on the app, or deploy from a network the SCM site allows'],
  },
  {
    code: 'STORAGE_IDENTITY_MISSING',
    error: {
      summary:
        'Linux Consumption with identity-based storage: the app has no identity the platform could fetch ' +
        'the package with.',
      exit: 1,
    },
    groups: ['deploy-blocked'],
    checks:
      'With AzureWebJobsStorage__accountName (no key), the identity ' +
      'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID will name: an existing value, ' +
      "AzureWebJobsStorage__clientId's, SystemAssigned, or the only user-assigned one.",
    host: 'The platform fetches a plain blob URL with that managed identity, which needs Storage Blob Data Reader.',
    source: ['chd src/deploy/blob.ts', 'chd src/deploy/index.ts'],
    seen: [{on: 'Linux Consumption', status: 'chd stops before the upload'}],
    why: 'The app has no managed identity, or several user-assigned ones and none is named.',
    confirm: ['az functionapp identity show -n NAME -g GROUP'],
    fix: ['az functionapp identity assign -n NAME -g GROUP, and grant it Storage Blob Data Reader on the account'],
  },
  {
    code: 'STORAGE_IDENTITY_NOT_ASSIGNED',
    error: {summary: 'AzureWebJobsStorage__clientId names a user-assigned identity the app does not have.', exit: 1},
    groups: ['deploy-blocked'],
    checks: 'The identities assigned to the app against AzureWebJobsStorage__clientId.',
    host: 'The platform could not fetch the package with an identity the app does not have.',
    source: ['chd src/deploy/blob.ts'],
    seen: [{on: 'Linux Consumption', status: 'chd stops before the upload'}],
    why: 'The identity was removed from the app, or the client id is from another identity.',
    confirm: ['az functionapp identity show -n NAME -g GROUP'],
    fix: ["az functionapp identity assign -n NAME -g GROUP --identities <the identity's resource id>"],
  },
  {
    code: 'STORAGE_SAS_INSUFFICIENT',
    error: {
      summary:
        'AzureWebJobsStorage is a SAS connection string that does not allow reading and writing the ' + 'package.',
      exit: 1,
    },
    groups: ['deploy-blocked'],
    checks: 'The sp= permissions of the SAS in AzureWebJobsStorage, before any upload.',
    host:
      'Without an account key nobody can sign another SAS, so the package URL carries this same SAS: it must allow ' +
      "the upload (write) and the platform's download (read).",
    source: ['chd src/deploy/blob.ts'],
    seen: [{on: 'Linux Consumption', status: 'chd stops before the upload'}],
    why: "A SAS made for the host's own use (queues, tables) rather than for blobs.",
    confirm: ['chd settings list --app NAME --show-values (read the sp= of the SAS)'],
    fix: ['Issue a SAS with read and write on blobs, or use a connection string with a key, or identity-based storage'],
  },
  {
    code: 'STORAGE_SAS_EXPIRED',
    error: {summary: 'The SAS in AzureWebJobsStorage has expired.', exit: 1},
    groups: ['deploy-blocked'],
    checks: 'The se= expiry of the SAS in AzureWebJobsStorage.',
    host: 'The app could not load a package through an expired SAS, nor use the storage for anything else.',
    source: ['chd src/deploy/blob.ts'],
    seen: [{on: 'Linux Consumption', status: 'chd stops before the upload'}],
    why: 'SAS tokens expire; this one was not renewed.',
    confirm: ['chd settings list --app NAME --show-values'],
    fix: ['Renew the SAS in AzureWebJobsStorage, or switch to a key or identity-based storage'],
  },
  {
    code: 'INSIGHTS_MISSING',
    error: {
      summary:
        'chd logs: the app has no APPLICATIONINSIGHTS_CONNECTION_STRING, so there is nowhere to read ' +
        'history from.',
      exit: 1,
    },
    groups: ['no-logs'],
    checks: 'The app setting APPLICATIONINSIGHTS_CONNECTION_STRING, which names the resource chd queries.',
    host: 'Without it the host sends no telemetry; Linux Consumption and Flex then keep no logs chd can read.',
    source: ['chd src/logs/insights.ts'],
    seen: [{on: 'Every plan (--since, and Linux Consumption and Flex always)', status: 'Exit 1'}],
    why: 'The app was created without Application Insights.',
    confirm: ['chd settings list --app NAME'],
    fix: ['Connect Application Insights (portal: Settings > Application Insights), which sets the connection string'],
  },
  {
    code: 'LOGSTREAM_UNAVAILABLE',
    error: {summary: 'chd logs --source stream on Linux Consumption or Flex, which have no Kudu log stream.', exit: 2},
    groups: ['no-logs'],
    checks: 'The plan, before connecting.',
    host: 'Linux Consumption and Flex have no Kudu log stream; their logs are in Application Insights only.',
    source: ['chd src/remote/logs.ts'],
    seen: [{on: 'Linux Consumption and Flex', status: 'Exit 2'}],
    why: 'The stream exists only on Windows, Linux Dedicated and Premium.',
    confirm: ['chd logs --app NAME (picks App Insights by itself)'],
    fix: ['Drop --source stream (or use --source insights)'],
  },
  {
    code: 'HANDLER_RESTARTS_EXCEEDED',
    error: {
      summary: 'chd start: the handler exited three times within 30 minutes, so chd stops as the host would.',
      exit: 1,
    },
    groups: ['never-starts'],
    checks:
      'chd start restarts a handler that exits as the host does: 200 always (not counted), 0 never, any other ' +
      'code at most three launches in 30 minutes.',
    host: 'The same limit: "Exceeded http worker restart retry count. Shutting down Functions Host".',
    source: ['host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs', 'chd src/local/start.ts'],
    seen: [
      {on: 'chd start', status: 'Exit 1 after the third exit'},
      {on: 'Azure, every plan', log: [RESTARTS_EXCEEDED], status: 'The host shuts down; the platform starts it again'},
    ],
    seenAs: ['HANDLER_EXITED'],
    why: 'The handler crashes at start or soon after; its output above says why.',
    confirm: ['chd start DIR --json (one event per line: handler output, exit, restarted)'],
    fix: ["Fix the crash the handler's output names"],
  },
]
