/**
 * Host log records as the Functions host writes them (docs/host-protocol.md §14), with
 * example values in the variable parts. In the file log the exception attached to a record follows on
 * the next lines ("Type : message", inner exceptions after " ---> "); App Insights keeps the record in
 * `traces` and the exception in `exceptions`.
 */
export const LINUX_ROOT = '/home/site/wwwroot'
export const WINDOWS_ROOT = 'D:\\home\\site\\wwwroot'
const OPERATION = '3f2a6c1e-5b7d-4e21-9c0a-8d1f2e3b4a5c'
const WORKER = 'b81e0c52-7d3a-4c8e-a1f9-6e2d4c0b7a13'

/** WorkerProcess.StartProcessAsync: Process.Start threw (the handler never ran). */
export function startFailed(reason: string, file = `${LINUX_ROOT}/handler`, cwd = LINUX_ROOT, type = ''): string {
  const exception = `System.ComponentModel.Win32Exception${type}`
  return (
    `Failed to start Worker Channel. Process fileName: ${file}\n` +
    `${exception} : An error occurred trying to start process '${file}' with working directory '${cwd}'. ${reason}`
  )
}

export const windowsStartFailed = (reason: string, code: number) =>
  startFailed(reason, `${WINDOWS_ROOT}\\handler.exe`, WINDOWS_ROOT, ` (${code})`)

/** The generic record alone: what an App Insights `traces` row holds of the failure above. */
export const START_FAILED_TRACE = `Failed to start Worker Channel. Process fileName: ${LINUX_ROOT}/handler`

/** WorkerFunctionInvoker: the first invocation waited (3 + 1) × initializationTimeout = 120 s. */
export const finalState = (state: 'Initializing' | 'WorkerProcessRestarting') =>
  `Final functionDispatcher state: ${state}. Initialization timed out and host is shutting down`

/** HttpWorkerProcess / WorkerProcess.OnProcessExited, with WorkerProcessExitException and the last stderr lines. */
export function exited(code: number, stderr: string, file = `${LINUX_ROOT}/handler`): string {
  return (
    'Language Worker Process exited. Pid=1234.\n' +
    `Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException : ${file} exited with code ${code} ` +
    `(0x${code.toString(16).toUpperCase()})\n` +
    ` ---> System.Exception : ${stderr}`
  )
}

/** HttpFunctionInvocationDispatcher: the third error event within 30 minutes. */
export const RESTARTS_EXCEEDED = 'Exceeded http worker restart retry count. Shutting down Functions Host'

/** HttpWorkerChannel: nothing answered GET / within initializationTimeout. */
export const NOT_READY =
  `Failed to start http worker process. workerId:${WORKER}\n` +
  'System.TimeoutException : Initializing HttpWorker timed out.'

/** DefaultHttpWorkerService.IsWorkerReady, every 25 ms while nothing listens (Debug). */
export const WAITING =
  'Waiting for HttpWorker to be initialized. Request to: http://127.0.0.1:40123/ failing with ' +
  'exception message: Connection refused (127.0.0.1:40123)'

/** HttpFunctionInvocationDispatcher: the readiness probe was answered. */
export const STARTED = 'Worker process started and initialized.'

/** WebJobsScriptHostService: the host could not start (state Error). */
export const hostError = (type: string, message: string) =>
  `A host error has occurred during startup operation '${OPERATION}'.\n${type} : ${message}`

/** ScriptHost.LogHostFunctionErrors: one function is not loaded; the others are. */
export const functionError = (name: string, message: string) => `The '${name}' function is in error: ${message}`

/** ScriptHost, when nothing was indexed. */
export const NO_JOB_FUNCTIONS =
  "No job functions found. Try making your job classes and methods public. If you're " +
  "using binding extensions (e.g. Azure Storage, ServiceBus, Timers, etc.) make sure you've called the registration " +
  'method for the extension(s) in your startup code (e.g. builder.AddAzureStorage(), builder.AddServiceBus(), ' +
  'builder.AddTimers(), etc.).'

/** FunctionMetadataManager: a function.json without scriptFile outside custom-handler mode. */
export const NO_SCRIPT =
  'Unable to determine the primary function script. Make sure at least one script file is ' +
  "present. Try renaming your entry point script to 'run' or alternatively you can specify the name of the entry " +
  "point script explicitly by adding a 'scriptFile' property to your function metadata."

/** HostAvailabilityCheckMiddleware: HTTP calls while the host is not Running wait 30 s, then get this. */
export const NOT_RUNNING_503 = '503 "Function host is not running." (after a 30 s wait)'

/** A failed invocation as the function's log shows it; the HTTP caller gets 500 with an empty body. */
export const executedFailed = (name: string, exception: string) =>
  `Executed 'Functions.${name}' (Failed, Id=5d1c8f8e-6f57-4a6e-9b0e-1c2d3e4f5a6b, Duration=14ms)\n${exception}`
